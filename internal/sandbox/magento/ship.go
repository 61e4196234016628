package magento

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
)

type shipRequest struct {
	Items  []itemQty `json:"items"`
	Notify bool      `json:"notify"`
	Tracks []struct {
		TrackNumber string `json:"track_number"`
		Title       string `json:"title"`
		CarrierCode string `json:"carrier_code"`
	} `json:"tracks"`
	Comment *struct {
		Comment          string `json:"comment"`
		IsVisibleOnFront int    `json:"is_visible_on_front"`
	} `json:"comment"`
	Arguments *struct {
		ExtensionAttributes *struct {
			SourceCode string `json:"source_code"`
		} `json:"extension_attributes"`
	} `json:"arguments"`
}

// handleShipOrder implements POST /V1/order/{orderId}/ship. Without items it
// ships everything not yet shipped; an order with nothing left to ship (or
// canceled, closed, on hold) is refused, so shipping twice fails the second
// time. The shipment deducts the shipped quantities from the MSI source it
// ships from (arguments.extension_attributes.source_code, default: the
// order's warehouse).
func (v *Vendor) handleShipOrder(w http.ResponseWriter, r *http.Request, body []byte) error {
	id, err := pathInt(r, "orderId")
	if err != nil {
		return err
	}
	var req shipRequest
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			return errDecoding(err)
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	s := v.data
	o, ok := s.orders.get(id)
	if !ok {
		return errOrderNotFound
	}
	qty, lines := shipmentDocument.check(o, req.Items)
	source := s.orderSource[o.EntityID]
	if req.Arguments != nil && req.Arguments.ExtensionAttributes != nil && req.Arguments.ExtensionAttributes.SourceCode != "" {
		source = req.Arguments.ExtensionAttributes.SourceCode
	}
	if source == "" {
		source = s.defaultSource
	}
	if !slices.Contains(s.sourceCodes, source) {
		lines = append(lines, fmt.Sprintf("Source with code \"%s\" does not exist.", source))
	}
	for i, t := range req.Tracks {
		if t.TrackNumber == "" || t.CarrierCode == "" {
			lines = append(lines, fmt.Sprintf("Please enter a tracking number and carrier for track %d.", i+1))
		}
	}
	if len(lines) > 0 {
		return documentError("Shipment", lines...)
	}
	now := stamp(v.now())
	s.next.shipment++
	sh := &shipment{
		EntityID: s.next.shipment, IncrementID: fmt.Sprintf("%s-%d", o.IncrementID, s.next.shipment), OrderID: o.EntityID,
		StoreID: o.StoreID, BillingAddressID: o.BillingAddressID, ShippingAddressID: o.BillingAddressID + 1,
		CreatedAt: now, UpdatedAt: now, Packages: []any{}, Comments: []*docComment{}, Tracks: []*shipmentTrack{},
		ExtensionAttributes: shipmentExt{SourceCode: source},
	}
	if req.Notify {
		sh.EmailSent = 1
	}
	if o.CustomerID != nil {
		sh.CustomerID = *o.CustomerID
	}
	for _, it := range o.Items {
		q := qty[it.ItemID]
		if q <= 0 {
			continue
		}
		s.next.shipmentItem++
		sh.Items = append(sh.Items, &shipmentItem{
			EntityID: s.next.shipmentItem, ParentID: sh.EntityID, OrderItemID: it.ItemID, ProductID: it.ProductID,
			SKU: it.SKU, Name: it.Name, Qty: q, Price: it.Price, Weight: it.Weight,
		})
		sh.TotalQty += q
		sh.TotalWeight = round2(sh.TotalWeight + it.Weight*q)
		it.QtyShipped += q
		it.UpdatedAt = now
		key := sourceKey(it.SKU, source)
		if si, ok := s.sources.get(key); ok {
			si.Quantity -= q
			si.Status = boolInt(si.Quantity > 0)
			s.sources.touch(key)
			if source == s.defaultSource {
				s.refreshStock(it.SKU)
			}
		}
	}
	for _, t := range req.Tracks {
		s.next.track++
		sh.Tracks = append(sh.Tracks, &shipmentTrack{
			EntityID: s.next.track, ParentID: sh.EntityID, OrderID: o.EntityID, CreatedAt: now, UpdatedAt: now,
			TrackNumber: t.TrackNumber, Title: t.Title, CarrierCode: t.CarrierCode,
			Description: "", Weight: sh.TotalWeight, Qty: sh.TotalQty,
		})
	}
	if req.Comment != nil && req.Comment.Comment != "" {
		s.next.comment++
		sh.Comments = append(sh.Comments, &docComment{
			EntityID: s.next.comment, ParentID: sh.EntityID, Comment: req.Comment.Comment, CreatedAt: now,
			IsCustomerNotified: boolInt(req.Notify), IsVisibleOnFront: req.Comment.IsVisibleOnFront,
		})
	}
	refreshOrderState(o)
	o.UpdatedAt = now
	s.shipments.put(sh.EntityID, sh)
	s.orders.touch(o.EntityID)
	writeJSON(w, http.StatusOK, sh.EntityID)
	return nil
}
