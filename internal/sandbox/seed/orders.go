package seed

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"time"
)

var paymentMethods = map[string][]string{
	"US": {"braintree", "paypal_express", "checkmo", "purchaseorder"},
	"DE": {"banktransfer", "paypal_express", "braintree", "cashondelivery"},
	"FR": {"braintree", "paypal_express", "banktransfer"},
	"JP": {"cashondelivery", "braintree", "banktransfer"},
	"GB": {"braintree", "paypal_express", "purchaseorder"},
	"BR": {"braintree", "banktransfer", "checkmo"},
}

const day = 24 * time.Hour

func (g *generator) orders() {
	r := g.stream(streamOrders)
	n := g.c.Orders
	created := createdTimes(r, n, g.cat.Start, g.cat.End)
	custCreated := make([]time.Time, len(g.cat.Customers))
	for i, cu := range g.cat.Customers {
		custCreated[i] = cu.CreatedAt
	}
	prodCreated := make([]time.Time, len(g.cat.Products))
	for i, p := range g.cat.Products {
		prodCreated[i] = p.CreatedAt
	}
	g.cat.Orders = make([]Order, n)
	updated := make([]time.Time, n)
	var shipments []Shipment
	var invoices []Invoice
	tracking := make(map[string]bool)
	for i := range n {
		t := created[i]
		// Only customers and products that existed when the order was placed.
		nCust := max(1, sort.Search(len(custCreated), func(j int) bool { return custCreated[j].After(t) }))
		nProd := max(1, sort.Search(len(prodCreated), func(j int) bool { return prodCreated[j].After(t) }))
		cu := &g.cat.Customers[r.IntN(nCust)]
		o := g.order(r, i+1, t, cu, nProd)
		updated[i] = between(r, t, g.cat.End)
		if r.IntN(3) == 0 {
			updated[i] = t
		}
		last := t
		if o.Status != OrderPending && o.Status != OrderCanceled {
			inv := g.invoice(r, &o)
			invoices = append(invoices, inv)
			last = maxTime(last, inv.CreatedAt)
			for _, sh := range g.shipments(r, &o, tracking) {
				shipments = append(shipments, sh)
				last = maxTime(last, sh.CreatedAt)
			}
		}
		updated[i] = maxTime(updated[i], last)
		g.cat.Orders[i] = o
	}
	g.burst(r, "orders", updated)
	for i := range g.cat.Orders {
		g.cat.Orders[i].UpdatedAt = updated[i]
	}
	g.cat.Shipments = numberDocs(r, g, "shipments", shipments,
		func(s *Shipment) *time.Time { return &s.CreatedAt },
		func(s *Shipment) *time.Time { return &s.UpdatedAt },
		func(s *Shipment) int { return s.OrderID },
		func(s *Shipment, id int) { s.ID = id })
	g.cat.Invoices = numberDocs(r, g, "invoices", invoices,
		func(s *Invoice) *time.Time { return &s.CreatedAt },
		func(s *Invoice) *time.Time { return &s.UpdatedAt },
		func(s *Invoice) int { return s.OrderID },
		func(s *Invoice, id int) { s.ID = id; s.Number = fmt.Sprintf("INV-%06d", id) })
}

// order builds one order placed at t by cu from the first nProd products.
func (g *generator) order(r *rand.Rand, id int, t time.Time, cu *Customer, nProd int) Order {
	bill := cu.Addresses[cu.DefaultBilling]
	ship := cu.Addresses[cu.DefaultShipping]
	if len(cu.Addresses) > 1 && r.IntN(5) == 0 {
		ship = pick(r, cu.Addresses)
	}
	c := countryByCode(cu.Addresses[0].CountryCode)
	cur := c.currency
	shipTo := countryByCode(ship.CountryCode)
	o := Order{
		ID: id, Number: fmt.Sprintf("%09d", id), CustomerID: cu.ID, Email: cu.Email,
		Currency: cur, ExchangeRate: c.rate,
		PaymentMethod:  pick(r, paymentMethods[c.code]),
		BillingAddress: bill, ShippingAddress: ship,
		LocationCode: g.locationFor(ship.CountryCode),
		CreatedAt:    t,
	}
	if r.IntN(7) == 0 {
		o.CouponCode = "WELCOME10"
	}
	lines := 1 + r.IntN(3) + r.IntN(3) // 1..5, mostly 2..3
	used := make(map[int]bool)
	for ln := 1; ln <= lines; ln++ {
		p := &g.cat.Products[r.IntN(nProd)]
		if used[p.ID] {
			continue
		}
		used[p.ID] = true
		qty := 1 + r.IntN(3)
		if r.IntN(10) == 0 {
			qty += 5 + r.IntN(20) // a bulk line
		}
		l := OrderLine{
			LineNo: len(o.Lines) + 1, ProductID: p.ID, SKU: p.SKU, Name: p.Name, Qty: qty,
			UnitPrice: roundFor(float64(p.Price)*c.rate, cur), TaxClass: p.TaxClass,
		}
		l.RowTotal = l.UnitPrice * Money(qty)
		if r.IntN(5) == 0 {
			l.DiscountPercent = float64(5 * (1 + r.IntN(4)))
		}
		l.DiscountAmount = percentOf(l.RowTotal, l.DiscountPercent, cur)
		if o.CouponCode != "" {
			l.DiscountAmount += percentOf(l.RowTotal-l.DiscountAmount, 10, cur)
		}
		l.TaxPercent = taxRate(p.TaxClass, ship)
		l.TaxAmount = percentOf(l.RowTotal-l.DiscountAmount, l.TaxPercent, cur)
		o.Lines = append(o.Lines, l)
		o.Subtotal += l.RowTotal
		o.DiscountAmount += l.DiscountAmount
		o.TaxAmount += l.TaxAmount
	}
	carrier := pick(r, shipTo.carriers)
	o.ShippingMethod = carrier.method
	if float64(o.Subtotal)/c.rate < 100_00 {
		o.ShippingAmount = roundFor(pick(r, []float64{495, 995, 1495})*c.rate, cur)
		o.ShippingTax = percentOf(o.ShippingAmount, taxRate(TaxStandard, ship), cur)
		if ship.CountryCode == "US" {
			o.ShippingTax = 0 // most states do not tax separately stated shipping
		}
		o.TaxAmount += o.ShippingTax
	}
	o.GrandTotal = o.Subtotal - o.DiscountAmount + o.ShippingAmount + o.TaxAmount
	age := g.cat.End.Sub(t)
	switch {
	case r.IntN(20) == 0:
		o.Status = OrderCanceled
	case age < 2*day && r.IntN(3) != 0:
		o.Status = OrderPending
	case age < 10*day:
		o.Status = OrderProcessing
	case r.IntN(10) == 0:
		o.Status = OrderClosed
	default:
		o.Status = OrderComplete
	}
	return o
}

// locationFor returns the warehouse serving a destination country: the one
// in that country, else the first.
func (g *generator) locationFor(countryCode string) string {
	for _, l := range g.cat.Locations {
		if l.Address.CountryCode == countryCode {
			return l.Code
		}
	}
	return g.cat.Locations[0].Code
}

func (g *generator) invoice(r *rand.Rand, o *Order) Invoice {
	at := between(r, o.CreatedAt, minTime(o.CreatedAt.Add(day), g.cat.End))
	inv := Invoice{
		OrderID: o.ID, Status: InvoicePaid, Currency: o.Currency,
		Lines:    slices.Clone(o.Lines),
		Subtotal: o.Subtotal, DiscountAmount: o.DiscountAmount, ShippingAmount: o.ShippingAmount,
		TaxAmount: o.TaxAmount, GrandTotal: o.GrandTotal,
		DueDate:   at.Add(30 * day).Truncate(day),
		CreatedAt: at,
	}
	switch o.PaymentMethod {
	case "banktransfer", "purchaseorder", "checkmo":
		if g.cat.End.Sub(at) < 30*day {
			inv.Status = InvoiceOpen
		}
	}
	return inv
}

// shipments ships a processing order partly (or not yet) and a completed
// or closed one fully, sometimes in two parcels.
func (g *generator) shipments(r *rand.Rand, o *Order, tracking map[string]bool) []Shipment {
	var parcels [][]OrderLine
	switch {
	case o.Status == OrderProcessing:
		if r.IntN(2) == 0 || len(o.Lines) < 2 {
			return nil
		}
		parcels = [][]OrderLine{o.Lines[:len(o.Lines)/2]}
	case len(o.Lines) > 1 && r.IntN(6) == 0:
		parcels = [][]OrderLine{o.Lines[:1], o.Lines[1:]}
	default:
		parcels = [][]OrderLine{o.Lines}
	}
	var carrier carrier
	for _, c := range countryByCode(o.ShippingAddress.CountryCode).carriers {
		if c.method == o.ShippingMethod {
			carrier = c
		}
	}
	out := make([]Shipment, 0, len(parcels))
	at := o.CreatedAt
	for i, lines := range parcels {
		at = between(r, minTime(at.Add(time.Hour), g.cat.End), minTime(at.Add(4*day), g.cat.End))
		sh := Shipment{
			OrderID: o.ID, Number: fmt.Sprintf("%s-%d", o.Number, i+1),
			Carrier: carrier.code, CarrierTitle: carrier.title,
			LocationCode: o.LocationCode, CreatedAt: at,
		}
		for {
			sh.TrackingNumber = fillPattern(r, carrier.tracking)
			if !tracking[sh.TrackingNumber] {
				tracking[sh.TrackingNumber] = true
				break
			}
		}
		for _, l := range lines {
			sh.Lines = append(sh.Lines, ShipmentLine{OrderLineNo: l.LineNo, ProductID: l.ProductID, SKU: l.SKU, Qty: l.Qty})
		}
		out = append(out, sh)
	}
	return out
}

// numberDocs sorts documents by creation time, numbers them from 1, gives
// them modification times with bursts and returns them.
func numberDocs[T any](r *rand.Rand, g *generator, kind string, docs []T,
	createdAt, updatedAt func(*T) *time.Time, orderID func(*T) int, setID func(*T, int)) []T {
	// Sort indexes, not the documents: they are large structs.
	idx := make([]int, len(docs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return cmp.Or(createdAt(&docs[a]).Compare(*createdAt(&docs[b])), cmp.Compare(orderID(&docs[a]), orderID(&docs[b])))
	})
	sorted := make([]T, len(docs))
	for i, j := range idx {
		sorted[i] = docs[j]
	}
	docs = sorted
	created := make([]time.Time, len(docs))
	for i := range docs {
		setID(&docs[i], i+1)
		created[i] = *createdAt(&docs[i])
	}
	updated := g.updatedTimes(r, created)
	g.burst(r, kind, updated)
	for i := range docs {
		*updatedAt(&docs[i]) = updated[i]
	}
	return docs
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
