package outputs

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/magento"
)

// orderMessage is a parsed orders, invoices or shipments message.
type orderMessage struct {
	incrementID string
	raw         json.RawMessage
}

func (o *magentoOutput) parseOrderMessage(msg *service.Message) (orderMessage, *outcome) {
	inc, err := interpolate(moFieldOrderIncrementID, o.cfg.orderIncrementID, msg)
	if err != nil {
		out := invalid("%v", err)
		return orderMessage{}, &out
	}
	raw, err := msg.AsBytes()
	if err != nil {
		out := invalid("reading message: %v", err)
		return orderMessage{}, &out
	}
	if !json.Valid(raw) {
		out := invalid("message body is not JSON")
		return orderMessage{}, &out
	}
	return orderMessage{incrementID: inc, raw: raw}, nil
}

// findOrder resolves the order; a missing order is a permanent F, any
// other error the outcome failure gives.
func (o *magentoOutput) findOrder(ctx context.Context, inc string) (magento.Order, *outcome) {
	ord, err := o.client.FindOrder(ctx, inc)
	var nf *magento.ErrNoSuchOrder
	if errors.As(err, &nf) {
		return ord, &outcome{Status: "F", Code: "NO_SUCH_ORDER", Note: "no Magento order with increment_id " + inc}
	}
	if err != nil {
		out := failure(err)
		return ord, &out
	}
	return ord, nil
}

// writeOrderStatus adds the message's status history entry unless the order
// already has that status and comment.
func (o *magentoOutput) writeOrderStatus(ctx context.Context, msg *service.Message, retried bool) outcome {
	m, bad := o.parseOrderMessage(msg)
	if bad != nil {
		return *bad
	}
	var body struct {
		StatusHistory *magento.StatusHistory `json:"statusHistory"`
	}
	if err := json.Unmarshal(m.raw, &body); err != nil || body.StatusHistory == nil {
		return invalid("order message must be {\"statusHistory\": {...}}")
	}
	h := *body.StatusHistory
	if h.Comment == "" && h.Status == "" {
		return invalid("statusHistory needs a comment or a status")
	}
	unlock := o.orderLocks.lock(m.incrementID)
	defer unlock()
	ord, done := o.findOrder(ctx, m.incrementID)
	if done != nil {
		return *done
	}
	id := strconv.FormatInt(ord.EntityID, 10)
	if orderHas(ord, h) {
		if retried {
			return sent(id)
		}
		return ignored(id)
	}
	if err := o.client.AddOrderComment(ctx, ord.EntityID, h); err != nil {
		return failure(err)
	}
	return sent(id)
}

// orderHas reports whether the order already carries h: a history entry
// with the same comment (and status, when given), or, for a status change
// without comment, the status itself. The order's current status is not
// required to match when there is a comment: Magento keeps the status when
// it does not belong to the order's state, and a later change must not
// make the old comment look missing.
func orderHas(ord magento.Order, h magento.StatusHistory) bool {
	if h.Comment == "" {
		return ord.Status == h.Status
	}
	for _, e := range ord.StatusHistories {
		if e.Comment == h.Comment && (h.Status == "" || e.Status == h.Status) {
			return true
		}
	}
	return false
}

// writeInvoice invoices the order unless it was invoiced for this message
// already: an invoice with the message's comment exists, or nothing is left
// to invoice on the requested lines.
func (o *magentoOutput) writeInvoice(ctx context.Context, msg *service.Message, retried bool) outcome {
	m, bad := o.parseOrderMessage(msg)
	if bad != nil {
		return *bad
	}
	var req magento.InvoiceRequest
	if err := json.Unmarshal(m.raw, &req); err != nil {
		return invalid("parsing invoice message: %v", err)
	}
	unlock := o.orderLocks.lock(m.incrementID)
	defer unlock()
	ord, done := o.findOrder(ctx, m.incrementID)
	if done != nil {
		return *done
	}
	remaining := linesLeft(ord, invoiceLines(req), magento.OrderItem.ToInvoice)
	var comment string
	if req.Comment != nil {
		comment = req.Comment.Comment
	}
	if !remaining || comment != "" || retried {
		invoices, err := o.client.InvoicesOfOrder(ctx, ord.EntityID)
		if err != nil {
			return failure(err)
		}
		if id, ok := matchingInvoice(invoices, comment, remaining); ok {
			if retried {
				return sent(id)
			}
			return ignored(id)
		}
		if !remaining {
			return ignored("")
		}
	}
	id, err := o.client.CreateInvoice(ctx, ord.EntityID, m.raw)
	if err != nil {
		return failure(err)
	}
	return sent(strconv.FormatInt(id, 10))
}

// matchingInvoice finds the invoice this message already created: the one
// with its comment, or (nothing being left to invoice) the latest one.
func matchingInvoice(invoices []magento.Invoice, comment string, remaining bool) (string, bool) {
	if comment != "" {
		for _, inv := range invoices {
			for _, c := range inv.Comments {
				if c.Comment == comment {
					return strconv.FormatInt(inv.EntityID, 10), true
				}
			}
		}
	}
	if !remaining && len(invoices) > 0 {
		return strconv.FormatInt(invoices[len(invoices)-1].EntityID, 10), true
	}
	return "", false
}

func invoiceLines(r magento.InvoiceRequest) []int64 {
	ids := make([]int64, len(r.Items))
	for k, it := range r.Items {
		ids[k] = it.OrderItemID
	}
	return ids
}

// linesLeft reports whether any of the given order lines (all top-level
// lines when ids is empty) has quantity left by left().
func linesLeft(ord magento.Order, ids []int64, left func(magento.OrderItem) float64) bool {
	want := map[int64]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for _, it := range ord.Items {
		if len(want) > 0 && !want[it.ItemID] {
			continue
		}
		if len(want) == 0 && it.ParentItemID != 0 {
			continue
		}
		if left(it) > 0 {
			return true
		}
	}
	return false
}

// writeShipment ships the order unless this shipment exists already: one
// with any of the message's tracking numbers, or nothing is left to ship on
// the requested lines.
func (o *magentoOutput) writeShipment(ctx context.Context, msg *service.Message, retried bool) outcome {
	m, bad := o.parseOrderMessage(msg)
	if bad != nil {
		return *bad
	}
	var req magento.ShipRequest
	if err := json.Unmarshal(m.raw, &req); err != nil {
		return invalid("parsing shipment message: %v", err)
	}
	lines := make([]int64, len(req.Items))
	for k, it := range req.Items {
		lines[k] = it.OrderItemID
	}
	unlock := o.orderLocks.lock(m.incrementID)
	defer unlock()
	ord, done := o.findOrder(ctx, m.incrementID)
	if done != nil {
		return *done
	}
	remaining := linesLeft(ord, lines, magento.OrderItem.ToShip)
	if !remaining || len(req.Tracks) > 0 || retried {
		shipments, err := o.client.ShipmentsOfOrder(ctx, ord.EntityID)
		if err != nil {
			return failure(err)
		}
		if id, ok := matchingShipment(shipments, req.Tracks, remaining); ok {
			if retried {
				return sent(id)
			}
			return ignored(id)
		}
		if !remaining {
			return ignored("")
		}
	}
	id, err := o.client.CreateShipment(ctx, ord.EntityID, m.raw)
	if err != nil {
		return failure(err)
	}
	return sent(strconv.FormatInt(id, 10))
}

func matchingShipment(shipments []magento.Shipment, tracks []magento.Track, remaining bool) (string, bool) {
	want := map[string]bool{}
	for _, t := range tracks {
		if t.TrackNumber != "" {
			want[t.TrackNumber] = true
		}
	}
	for _, sh := range shipments {
		for _, t := range sh.Tracks {
			if want[t.TrackNumber] {
				return strconv.FormatInt(sh.EntityID, 10), true
			}
		}
	}
	if !remaining && len(shipments) > 0 {
		return strconv.FormatInt(shipments[len(shipments)-1].EntityID, 10), true
	}
	return "", false
}
