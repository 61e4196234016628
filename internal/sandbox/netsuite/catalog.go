package netsuite

import (
	"fmt"
	"strconv"
	"time"

	"github.com/datawald/datawald/internal/sandbox/seed"
)

// currencyIDs are the internal ids of the account's currencies (USD is the
// base currency, id 1, as in a US account).
var currencyIDs = map[string]int{"USD": 1, "GBP": 2, "CAD": 3, "EUR": 4, "JPY": 5, "BRL": 6, "AUD": 7, "CHF": 8}

func currencyRef(code string) map[string]any {
	id, ok := currencyIDs[code]
	if !ok {
		id = 99
	}
	return map[string]any{"id": strconv.Itoa(id), "refName": code}
}

func ref(id int) map[string]any { return map[string]any{"id": strconv.Itoa(id)} }

// orderStatuses maps storefront order states to sales order statuses
// (transaction.status letters).
var orderStatuses = map[seed.OrderStatus][2]string{
	seed.OrderPending:    {"B", "Pending Fulfillment"},
	seed.OrderProcessing: {"E", "Pending Billing/Partially Fulfilled"},
	seed.OrderComplete:   {"G", "Billed"},
	seed.OrderClosed:     {"H", "Closed"},
	seed.OrderCanceled:   {"C", "Cancelled"},
}

func status(id, name string) map[string]any { return map[string]any{"id": id, "refName": name} }

// address renders a seed address as a NetSuite address subrecord.
func address(a seed.Address) map[string]any {
	m := map[string]any{
		"addressee": a.FirstName + " " + a.LastName,
		"city":      a.City,
		"state":     a.RegionCode,
		"zip":       a.Postcode,
		"country":   a.CountryCode,
		"addrPhone": a.Phone,
	}
	if a.Company != "" {
		m["addressee"] = a.Company
		m["attention"] = a.FirstName + " " + a.LastName
	}
	if len(a.Street) > 0 {
		m["addr1"] = a.Street[0]
	}
	if len(a.Street) > 1 {
		m["addr2"] = a.Street[1]
	}
	return m
}

// FromCatalog renders the shared seed catalog as NetSuite records:
// locations (external id = warehouse code), inventory items (external id =
// SKU, one locations line per warehouse with quantities), customers (with an
// address book), sales orders (external id = storefront order number, item
// lines with rates, amounts and tax), item fulfillments (with package
// tracking numbers) and invoices. Locations, items and customers keep the
// catalog's ids; transactions share one id space: orders first, then
// fulfillments, then invoices. lastModifiedDate is the catalog's UpdatedAt,
// bursts included (an item's is the latest of its own and its stock
// levels').
func FromCatalog(c *seed.Catalog) *DataSet {
	ds := &DataSet{}
	add := func(typ string, id int, eid string, created, modified time.Time, f map[string]any, subs map[string][]map[string]any) {
		if subs == nil {
			subs = map[string][]map[string]any{}
		}
		ds.Records = append(ds.Records, Record{Type: typ, ID: int64(id), ExternalID: eid, Fields: f, Sublists: subs,
			Created: created.UTC(), Modified: modified.UTC().Truncate(time.Second)})
	}
	locID := map[string]int{}
	for _, l := range c.Locations {
		locID[l.Code] = l.ID
		add("location", l.ID, l.Code, c.Start, c.Start, map[string]any{"name": l.Name, "isInactive": false}, nil)
	}

	stock := map[int][]seed.StockLevel{}
	for _, s := range c.Inventory {
		stock[s.ProductID] = append(stock[s.ProductID], s)
	}
	for _, p := range c.Products {
		modified := p.UpdatedAt
		var lines []map[string]any
		for _, s := range stock[p.ID] {
			if s.UpdatedAt.After(modified) {
				modified = s.UpdatedAt
			}
			lines = append(lines, map[string]any{
				"location":          ref(locID[s.LocationCode]),
				"quantityOnHand":    float64(s.OnHand),
				"quantityCommitted": float64(s.Committed),
				"quantityAvailable": float64(s.OnHand - s.Committed),
			})
		}
		add("inventoryItem", p.ID, p.SKU, p.CreatedAt, modified, map[string]any{
			"itemId":              p.SKU,
			"displayName":         p.Name,
			"salesDescription":    p.Description,
			"basePrice":           p.Price.Float64(),
			"cost":                p.Cost.Float64(),
			"weight":              p.WeightKg,
			"weightUnit":          map[string]any{"id": "3", "refName": "kg"},
			"upcCode":             p.Barcode,
			"isInactive":          !p.Active,
			"custitem_category":   p.Category,
			"custitem_tax_class":  string(p.TaxClass),
			"trackQuantityOnHand": true,
			"currency":            currencyRef(c.BaseCurrency),
		}, map[string][]map[string]any{"locations": lines})
	}

	customers := map[int]seed.Customer{}
	for _, cu := range c.Customers {
		customers[cu.ID] = cu
		var book []map[string]any
		for i, a := range cu.Addresses {
			book = append(book, map[string]any{
				"id": float64(i + 1), "label": a.City, "defaultBilling": i == cu.DefaultBilling,
				"defaultShipping": i == cu.DefaultShipping, "addressBookAddress": address(a),
			})
		}
		f := map[string]any{
			"entityId":   fmt.Sprintf("CUST%05d", cu.ID),
			"isPerson":   cu.Company == "",
			"firstName":  cu.FirstName,
			"lastName":   cu.LastName,
			"email":      cu.Email,
			"phone":      cu.Phone,
			"currency":   currencyRef(cu.Currency),
			"category":   map[string]any{"id": strconv.Itoa(customerCategory(cu.Group)), "refName": cu.Group},
			"isInactive": false,
		}
		if cu.Company != "" {
			f["companyName"] = cu.Company
		}
		add("customer", cu.ID, fmt.Sprintf("CUS-%06d", cu.ID), cu.CreatedAt, cu.UpdatedAt, f,
			map[string][]map[string]any{"addressBook": book})
	}

	orderLines := func(lines []seed.OrderLine, location int) []map[string]any {
		out := make([]map[string]any, 0, len(lines))
		for _, l := range lines {
			line := map[string]any{
				"line": float64(l.LineNo), "item": ref(l.ProductID), "description": l.Name,
				"quantity": float64(l.Qty), "rate": l.UnitPrice.Float64(), "amount": l.RowTotal.Float64(),
				"taxRate1": l.TaxPercent, "tax1Amt": l.TaxAmount.Float64(),
			}
			if l.DiscountAmount != 0 {
				line["custcol_discount_amount"] = l.DiscountAmount.Float64()
			}
			if location != 0 {
				line["location"] = ref(location)
			}
			out = append(out, line)
		}
		return out
	}
	orders := map[int]seed.Order{}
	for _, o := range c.Orders {
		orders[o.ID] = o
		st := orderStatuses[o.Status]
		f := map[string]any{
			"tranId":                  fmt.Sprintf("SO%06d", o.ID),
			"otherRefNum":             o.Number,
			"entity":                  ref(o.CustomerID),
			"email":                   o.Email,
			"tranDate":                o.CreatedAt.UTC().Format("2006-01-02"),
			"status":                  status(st[0], st[1]),
			"currency":                currencyRef(o.Currency),
			"exchangeRate":            o.ExchangeRate,
			"location":                ref(locID[o.LocationCode]),
			"shipMethod":              map[string]any{"id": o.ShippingMethod, "refName": o.ShippingMethod},
			"shippingCost":            o.ShippingAmount.Float64(),
			"discountTotal":           -o.DiscountAmount.Float64(),
			"taxTotal":                o.TaxAmount.Float64(),
			"billingAddress":          address(o.BillingAddress),
			"shippingAddress":         address(o.ShippingAddress),
			"custbody_payment_method": o.PaymentMethod,
		}
		if o.CouponCode != "" {
			f["custbody_coupon_code"] = o.CouponCode
		}
		add("salesOrder", o.ID, o.Number, o.CreatedAt, o.UpdatedAt, f,
			map[string][]map[string]any{"item": orderLines(o.Lines, locID[o.LocationCode])})
	}

	nOrders := len(c.Orders)
	for _, s := range c.Shipments {
		o := orders[s.OrderID]
		var lines []map[string]any
		for i, l := range s.Lines {
			lines = append(lines, map[string]any{
				"line": float64(i + 1), "orderLine": float64(l.OrderLineNo), "item": ref(l.ProductID),
				"quantity": float64(l.Qty), "location": ref(locID[s.LocationCode]), "itemReceive": true,
			})
		}
		add("itemFulfillment", nOrders+s.ID, s.Number, s.CreatedAt, s.UpdatedAt, map[string]any{
			"tranId":          fmt.Sprintf("IF%06d", s.ID),
			"createdFrom":     ref(s.OrderID),
			"entity":          ref(o.CustomerID),
			"tranDate":        s.CreatedAt.UTC().Format("2006-01-02"),
			"shipStatus":      status("C", "Shipped"),
			"status":          status("C", "Shipped"),
			"shipMethod":      map[string]any{"id": s.Carrier, "refName": s.CarrierTitle},
			"shippingAddress": address(o.ShippingAddress),
		}, map[string][]map[string]any{
			"item":    lines,
			"package": {{"packageTrackingNumber": s.TrackingNumber, "packageDescr": s.CarrierTitle, "packageWeight": shipmentWeight(c, s)}},
		})
	}

	for _, inv := range c.Invoices {
		o := orders[inv.OrderID]
		st := status("A", "Open")
		if inv.Status == seed.InvoicePaid {
			st = status("B", "Paid In Full")
		}
		add("invoice", nOrders+len(c.Shipments)+inv.ID, inv.Number, inv.CreatedAt, inv.UpdatedAt, map[string]any{
			"tranId":          inv.Number,
			"createdFrom":     ref(inv.OrderID),
			"entity":          ref(o.CustomerID),
			"tranDate":        inv.CreatedAt.UTC().Format("2006-01-02"),
			"dueDate":         inv.DueDate.UTC().Format("2006-01-02"),
			"status":          st,
			"currency":        currencyRef(inv.Currency),
			"location":        ref(locID[o.LocationCode]),
			"shippingCost":    inv.ShippingAmount.Float64(),
			"discountTotal":   -inv.DiscountAmount.Float64(),
			"taxTotal":        inv.TaxAmount.Float64(),
			"otherRefNum":     o.Number,
			"billingAddress":  address(o.BillingAddress),
			"shippingAddress": address(o.ShippingAddress),
		}, map[string][]map[string]any{"item": orderLines(inv.Lines, locID[o.LocationCode])})
	}
	return ds
}

// customerCategory is the internal id of a customer category.
func customerCategory(group string) int {
	switch group {
	case "Wholesale":
		return 2
	case "Retailer":
		return 3
	}
	return 1
}

// shipmentWeight is the weight of a shipment's goods in kilograms.
func shipmentWeight(c *seed.Catalog, s seed.Shipment) float64 {
	w := 0.0
	for _, l := range s.Lines {
		if l.ProductID >= 1 && l.ProductID <= len(c.Products) {
			w += c.Products[l.ProductID-1].WeightKg * float64(l.Qty)
		}
	}
	return round2(w)
}
