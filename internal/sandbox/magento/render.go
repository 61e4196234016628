package magento

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/datawald/datawald/internal/sandbox/seed"
)

// Magento's default customer groups.
var customerGroupIDs = map[string]int{"General": 1, "Wholesale": 2, "Retailer": 3}

// Tax classes: 2 is Magento's "Taxable Goods"; reduced-rate goods get a
// merchant-defined class, zero-rated ones "None".
var taxClassIDs = map[seed.TaxClass]string{seed.TaxStandard: "2", seed.TaxReduced: "4", seed.TaxZero: "0"}

// Order states by seed status (state, status).
var orderStates = map[seed.OrderStatus][2]string{
	seed.OrderPending:    {"new", "pending"},
	seed.OrderProcessing: {"processing", "processing"},
	seed.OrderComplete:   {"complete", "complete"},
	seed.OrderClosed:     {"closed", "closed"},
	seed.OrderCanceled:   {"canceled", "canceled"},
}

// renderCatalog renders the shared seed catalog into Magento records. The
// result is deterministic for a catalog.
func renderCatalog(cat *seed.Catalog) *store {
	s := newStore()
	regions := map[string]bool{}
	addRegion := func(a seed.Address) {
		if a.RegionCode != "" {
			regions[a.CountryCode+"/"+a.RegionCode] = true
		}
	}
	for _, c := range cat.Customers {
		for _, a := range c.Addresses {
			addRegion(a)
		}
	}
	for _, o := range cat.Orders {
		addRegion(o.BillingAddress)
		addRegion(o.ShippingAddress)
	}
	s.assignRegionIDs(regions)

	cats := map[string]bool{}
	for _, p := range cat.Products {
		cats[p.Category] = true
	}
	names := make([]string, 0, len(cats))
	for n := range cats {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		s.categoryIDs[n] = i + 3 // 1 is the root, 2 the default category
	}

	for _, l := range cat.Locations {
		s.sourceCodes = append(s.sourceCodes, l.Code)
	}
	if len(s.sourceCodes) > 0 {
		s.defaultSource = s.sourceCodes[0]
	}
	for _, lv := range cat.Inventory {
		qty := float64(lv.OnHand)
		s.sources.put(sourceKey(lv.SKU, lv.LocationCode), &sourceItem{
			SKU: lv.SKU, SourceCode: lv.LocationCode, Quantity: qty, Status: boolInt(qty > 0),
		})
	}
	for _, p := range cat.Products {
		s.products.add(p.SKU, s.renderProduct(p)) // indexed by refreshStock below
		s.next.product = max(s.next.product, p.ID)
	}
	for _, p := range cat.Products {
		s.refreshStock(p.SKU)
	}
	for _, c := range cat.Customers {
		s.customers.put(c.ID, s.renderCustomer(c))
		s.next.customer = max(s.next.customer, c.ID)
	}
	customers := map[int]*seed.Customer{}
	for i := range cat.Customers {
		customers[cat.Customers[i].ID] = &cat.Customers[i]
	}
	itemSeq := 0
	for _, o := range cat.Orders {
		mo := s.renderOrder(o, customers[o.CustomerID])
		s.assignItemIDs(mo, &itemSeq)
		s.orders.add(o.ID, mo)
		s.orderSource[o.ID] = o.LocationCode
	}
	for _, inv := range cat.Invoices {
		o, ok := s.orders.get(inv.OrderID)
		if !ok {
			continue
		}
		s.invoices.put(inv.ID, s.renderInvoice(inv, o))
		s.next.invoice = max(s.next.invoice, inv.ID)
	}
	for _, sh := range cat.Shipments {
		o, ok := s.orders.get(sh.OrderID)
		if !ok {
			continue
		}
		s.shipments.put(sh.ID, s.renderShipment(sh, o))
		s.next.shipment = max(s.next.shipment, sh.ID)
	}
	// Invoices and shipments changed qty_invoiced/qty_shipped in place.
	s.orders.each(func(id int, _ *order) { s.orders.touch(id) })
	return s
}

// negate turns a discount into Magento's negative order amount, without
// producing -0.
func negate(v float64) float64 {
	if v == 0 {
		return 0
	}
	return -v
}

// roundCurrency rounds to the currency's minor unit (none for JPY).
func roundCurrency(v float64, currency string) float64 {
	if currency == "JPY" {
		return math.Round(v)
	}
	return round2(v)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *store) renderProduct(p seed.Product) *product {
	status := 1
	if !p.Active {
		status = 2
	}
	return &product{
		ID: p.ID, SKU: p.SKU, Name: p.Name, AttributeSetID: 4,
		Price: p.Price.Float64(), Status: status, Visibility: 4, TypeID: "simple",
		CreatedAt: stamp(p.CreatedAt), UpdatedAt: stamp(p.UpdatedAt), Weight: p.WeightKg,
		ExtensionAttributes: productExtension{
			WebsiteIDs:    []int{1},
			CategoryLinks: []categoryLink{{Position: 0, CategoryID: strconv.Itoa(s.categoryIDs[p.Category])}},
		},
		ProductLinks: []any{}, Options: []any{}, MediaGalleryEntries: []any{}, TierPrices: []any{},
		CustomAttributes: []customAttribute{
			{AttributeCode: "description", Value: "<p>" + p.Description + "</p>"},
			{AttributeCode: "url_key", Value: urlKey(p.Name, p.SKU)},
			{AttributeCode: "tax_class_id", Value: taxClassIDs[p.TaxClass]},
			{AttributeCode: "cost", Value: p.Cost.String()},
			{AttributeCode: "ean", Value: p.Barcode},
		},
	}
}

// urlKey is Magento's URL key: the lower-cased name with runs of other
// characters turned into dashes, suffixed with the SKU to keep it unique.
func urlKey(name, sku string) string {
	var b strings.Builder
	dash := false
	for _, r := range transliterate(strings.ToLower(name + " " + sku)) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// latin maps the accented letters of the seed's names to ASCII, as
// Magento's URL key transliteration does.
var latin = strings.NewReplacer("à", "a", "á", "a", "â", "a", "ä", "ae", "ã", "a", "å", "a", "ç", "c", "è", "e", "é", "e",
	"ê", "e", "ë", "e", "ì", "i", "í", "i", "î", "i", "ï", "i", "ñ", "n", "ò", "o", "ó", "o", "ô", "o", "ö", "oe", "õ", "o",
	"ø", "o", "ù", "u", "ú", "u", "û", "u", "ü", "ue", "ß", "ss", "œ", "oe", "æ", "ae")

func transliterate(s string) string { return latin.Replace(s) }

func (s *store) renderCustomer(c seed.Customer) *customer {
	cu := &customer{
		ID: c.ID, GroupID: customerGroupIDs[c.Group],
		CreatedAt: stamp(c.CreatedAt), UpdatedAt: stamp(c.UpdatedAt), CreatedIn: "Default Store View",
		Email: c.Email, Firstname: c.FirstName, Lastname: c.LastName,
		StoreID: 1, WebsiteID: 1, Addresses: []*customerAddr{},
	}
	if cu.GroupID == 0 {
		cu.GroupID = 1
	}
	for i, a := range c.Addresses {
		s.next.customerAddr++
		ca := s.customerAddress(a)
		ca.ID = s.next.customerAddr
		ca.CustomerID = c.ID
		ca.DefaultBilling = i == c.DefaultBilling
		ca.DefaultShipping = i == c.DefaultShipping
		if ca.DefaultBilling {
			cu.DefaultBilling = strconv.Itoa(ca.ID)
		}
		if ca.DefaultShipping {
			cu.DefaultShipping = strconv.Itoa(ca.ID)
		}
		cu.Addresses = append(cu.Addresses, ca)
	}
	return cu
}

func (s *store) customerAddress(a seed.Address) *customerAddr {
	ca := &customerAddr{
		CountryID: a.CountryCode, Street: append([]string(nil), a.Street...), Company: a.Company,
		Telephone: a.Phone, Postcode: a.Postcode, City: a.City, Firstname: a.FirstName, Lastname: a.LastName,
	}
	if a.Region != "" {
		id := s.regionID(a.CountryCode, a.RegionCode)
		ca.Region = &region{RegionCode: a.RegionCode, Region: a.Region, RegionID: id}
		ca.RegionID = id
	}
	return ca
}

func (s *store) orderAddress(a seed.Address, typ string, orderID, addrID int, email string, customerID int) *orderAddress {
	return &orderAddress{
		EntityID: addrID, ParentID: orderID, AddressType: typ, CustomerID: customerID, Email: email,
		Firstname: a.FirstName, Lastname: a.LastName, Company: a.Company,
		Street: append([]string(nil), a.Street...), City: a.City,
		Region: a.Region, RegionCode: a.RegionCode, RegionID: s.regionID(a.CountryCode, a.RegionCode),
		Postcode: a.Postcode, CountryID: a.CountryCode, Telephone: a.Phone,
	}
}

func (s *store) renderOrder(o seed.Order, cu *seed.Customer) *order {
	rate := o.ExchangeRate
	if rate <= 0 {
		rate = 1
	}
	base := func(m seed.Money) float64 { return round2(m.Float64() / rate) }
	st := orderStates[o.Status]
	mo := &order{
		EntityID: o.ID, IncrementID: o.Number, State: st[0], Status: st[1],
		CreatedAt: stamp(o.CreatedAt), UpdatedAt: stamp(o.UpdatedAt),
		StoreID: 1, StoreName: "Main Website\nMain Website Store\nDefault Store View",
		CustomerEmail: o.Email, CustomerGroupID: 0, CustomerIsGuest: 1,
		BaseCurrencyCode: "USD", GlobalCurrencyCode: "USD", OrderCurrencyCode: o.Currency, StoreCurrencyCode: "USD",
		BaseToOrderRate: rate, BaseToGlobalRate: 1, CouponCode: o.CouponCode,
		ShippingDescription: shippingDescription(o.ShippingMethod),
		Subtotal:            o.Subtotal.Float64(), BaseSubtotal: base(o.Subtotal),
		DiscountAmount: negate(o.DiscountAmount.Float64()), BaseDiscountAmount: negate(base(o.DiscountAmount)),
		ShippingAmount: o.ShippingAmount.Float64(), BaseShippingAmount: base(o.ShippingAmount),
		ShippingTaxAmount: o.ShippingTax.Float64(), ShippingInclTax: round2(o.ShippingAmount.Float64() + o.ShippingTax.Float64()),
		TaxAmount: o.TaxAmount.Float64(), BaseTaxAmount: base(o.TaxAmount),
		GrandTotal: o.GrandTotal.Float64(), BaseGrandTotal: base(o.GrandTotal),
		TotalDue: o.GrandTotal.Float64(), BaseTotalDue: base(o.GrandTotal),
		BillingAddressID: 2*o.ID - 1,
		StatusHistories:  []*statusHistory{},
	}
	if o.CouponCode != "" {
		mo.DiscountDescription = o.CouponCode
	}
	if cu != nil {
		id := cu.ID
		mo.CustomerID = &id
		mo.CustomerIsGuest = 0
		mo.CustomerFirstname, mo.CustomerLastname = cu.FirstName, cu.LastName
		mo.CustomerGroupID = max(1, customerGroupIDs[cu.Group])
	} else {
		mo.CustomerFirstname, mo.CustomerLastname = o.BillingAddress.FirstName, o.BillingAddress.LastName
	}
	custID := 0
	if mo.CustomerID != nil {
		custID = *mo.CustomerID
	}
	mo.BillingAddress = s.orderAddress(o.BillingAddress, "billing", o.ID, 2*o.ID-1, o.Email, custID)
	shipTo := s.orderAddress(o.ShippingAddress, "shipping", o.ID, 2*o.ID, o.Email, custID)
	subtotalInclTax := o.Subtotal.Float64()
	for _, l := range o.Lines {
		it := &orderItem{
			OrderID: o.ID, CreatedAt: mo.CreatedAt, UpdatedAt: mo.CreatedAt,
			ProductID: l.ProductID, ProductType: "simple", StoreID: 1, SKU: l.SKU, Name: l.Name,
			QtyOrdered: float64(l.Qty),
			Price:      l.UnitPrice.Float64(), BasePrice: base(l.UnitPrice), OriginalPrice: l.UnitPrice.Float64(),
			RowTotal: l.RowTotal.Float64(), BaseRowTotal: base(l.RowTotal),
			DiscountPercent: l.DiscountPercent, DiscountAmount: l.DiscountAmount.Float64(),
			TaxPercent: l.TaxPercent, TaxAmount: l.TaxAmount.Float64(), BaseTaxAmount: base(l.TaxAmount),
		}
		it.PriceInclTax = roundCurrency(it.Price*(1+l.TaxPercent/100), o.Currency)
		it.RowTotalInclTax = round2(it.RowTotal + it.TaxAmount)
		subtotalInclTax += it.TaxAmount
		if p, ok := s.products.get(l.SKU); ok {
			it.Weight = p.Weight
			it.RowWeight = round2(p.Weight * it.QtyOrdered)
		}
		mo.Items = append(mo.Items, it)
		mo.TotalQtyOrdered += it.QtyOrdered
		mo.Weight = round2(mo.Weight + it.RowWeight)
	}
	mo.SubtotalInclTax = round2(subtotalInclTax)
	mo.TotalItemCount = len(mo.Items)
	if o.Status == seed.OrderCanceled {
		for _, it := range mo.Items {
			it.QtyCanceled = it.QtyOrdered
		}
	}
	mo.Payment = &orderPayment{
		EntityID: o.ID, ParentID: o.ID, Method: o.PaymentMethod, AdditionalInformation: []string{paymentTitle(o.PaymentMethod)},
		AmountOrdered: mo.GrandTotal, BaseAmountOrdered: mo.BaseGrandTotal,
		ShippingAmount: mo.ShippingAmount, BaseShippingAmount: mo.BaseShippingAmount,
	}
	mo.ExtensionAttributes = &orderExtension{ShippingAssignments: []*shippingAssignment{{
		Shipping: shippingInfo{
			Address: shipTo, Method: o.ShippingMethod,
			Total: shippingTotals{
				ShippingAmount: mo.ShippingAmount, BaseShippingAmount: mo.BaseShippingAmount,
				ShippingInclTax: mo.ShippingInclTax, ShippingTaxAmount: mo.ShippingTaxAmount,
			},
		},
		Items: mo.Items,
	}}}
	return mo
}

// assignItemIDs gives order items their global ids; called once per order
// in id order so ids grow with orders, like auto-increment keys.
func (s *store) assignItemIDs(o *order, next *int) {
	for _, it := range o.Items {
		*next++
		it.ItemID = *next
		it.QuoteItemID = *next
	}
}

func shippingDescription(method string) string {
	carrier, service, _ := strings.Cut(method, "_")
	if service == "" {
		return strings.ToUpper(carrier)
	}
	words := strings.Split(service, "_")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.ToUpper(carrier) + " - " + strings.Join(words, " ")
}

func paymentTitle(method string) string {
	switch method {
	case "checkmo":
		return "Check / Money order"
	case "banktransfer":
		return "Bank Transfer Payment"
	case "cashondelivery":
		return "Cash On Delivery"
	case "purchaseorder":
		return "Purchase Order"
	case "braintree":
		return "Credit Card (Braintree)"
	case "paypal_express":
		return "PayPal Express Checkout"
	}
	return method
}

// itemForLine returns the order item of a seed line number (1-based).
func itemForLine(o *order, lineNo int) *orderItem {
	if lineNo < 1 || lineNo > len(o.Items) {
		return nil
	}
	return o.Items[lineNo-1]
}

func (s *store) renderInvoice(inv seed.Invoice, o *order) *invoice {
	rate := o.BaseToOrderRate
	state := 1
	if inv.Status == seed.InvoicePaid {
		state = 2
	}
	mi := &invoice{
		EntityID: inv.ID, IncrementID: inv.Number, OrderID: o.EntityID, State: state, StoreID: 1,
		CreatedAt: stamp(inv.CreatedAt), UpdatedAt: stamp(inv.UpdatedAt),
		BillingAddressID: o.BillingAddressID, ShippingAddressID: o.BillingAddressID + 1,
		BaseCurrencyCode: o.BaseCurrencyCode, OrderCurrencyCode: o.OrderCurrencyCode,
		Subtotal: inv.Subtotal.Float64(), BaseSubtotal: round2(inv.Subtotal.Float64() / rate),
		DiscountAmount: negate(inv.DiscountAmount.Float64()), ShippingAmount: inv.ShippingAmount.Float64(),
		TaxAmount: inv.TaxAmount.Float64(), GrandTotal: inv.GrandTotal.Float64(),
		BaseGrandTotal: round2(inv.GrandTotal.Float64() / rate), Comments: []*docComment{},
	}
	for _, l := range inv.Lines {
		it := itemForLine(o, l.LineNo)
		if it == nil {
			continue
		}
		s.next.invoiceItem++
		mi.Items = append(mi.Items, invoiceItemFor(s.next.invoiceItem, inv.ID, it, float64(l.Qty)))
		mi.TotalQty += float64(l.Qty)
		it.QtyInvoiced += float64(l.Qty)
		it.RowInvoiced = round2(it.RowInvoiced + it.Price*float64(l.Qty))
		it.TaxInvoiced = round2(it.TaxInvoiced + it.TaxAmount*float64(l.Qty)/it.QtyOrdered)
	}
	o.TotalInvoiced = round2(o.TotalInvoiced + mi.GrandTotal)
	o.BaseTotalInvoiced = round2(o.BaseTotalInvoiced + mi.BaseGrandTotal)
	if state == 2 {
		o.TotalPaid = round2(o.TotalPaid + mi.GrandTotal)
		o.BaseTotalPaid = round2(o.BaseTotalPaid + mi.BaseGrandTotal)
		o.Payment.AmountPaid, o.Payment.BaseAmountPaid = o.TotalPaid, o.BaseTotalPaid
	}
	o.TotalDue = round2(o.GrandTotal - o.TotalPaid)
	o.BaseTotalDue = round2(o.BaseGrandTotal - o.BaseTotalPaid)
	return mi
}

func invoiceItemFor(id, parent int, it *orderItem, qty float64) *invoiceItem {
	share := qty / it.QtyOrdered
	return &invoiceItem{
		EntityID: id, ParentID: parent, OrderItemID: it.ItemID, ProductID: it.ProductID, SKU: it.SKU, Name: it.Name,
		Qty: qty, Price: it.Price, BasePrice: it.BasePrice, PriceInclTax: it.PriceInclTax,
		RowTotal: round2(it.Price * qty), RowTotalInclTax: round2(it.RowTotalInclTax * share),
		DiscountAmount: round2(it.DiscountAmount * share), TaxAmount: round2(it.TaxAmount * share),
	}
}

func (s *store) renderShipment(sh seed.Shipment, o *order) *shipment {
	ms := &shipment{
		EntityID: sh.ID, IncrementID: sh.Number, OrderID: o.EntityID, StoreID: 1,
		BillingAddressID: o.BillingAddressID, ShippingAddressID: o.BillingAddressID + 1,
		CreatedAt: stamp(sh.CreatedAt), UpdatedAt: stamp(sh.UpdatedAt), EmailSent: 1,
		Packages: []any{}, Comments: []*docComment{},
		ExtensionAttributes: shipmentExt{SourceCode: sh.LocationCode},
	}
	if o.CustomerID != nil {
		ms.CustomerID = *o.CustomerID
	}
	for _, l := range sh.Lines {
		it := itemForLine(o, l.OrderLineNo)
		if it == nil {
			continue
		}
		s.next.shipmentItem++
		ms.Items = append(ms.Items, &shipmentItem{
			EntityID: s.next.shipmentItem, ParentID: sh.ID, OrderItemID: it.ItemID, ProductID: it.ProductID,
			SKU: it.SKU, Name: it.Name, Qty: float64(l.Qty), Price: it.Price, Weight: it.Weight,
		})
		ms.TotalQty += float64(l.Qty)
		ms.TotalWeight = round2(ms.TotalWeight + it.Weight*float64(l.Qty))
		it.QtyShipped += float64(l.Qty)
	}
	s.next.track++
	ms.Tracks = []*shipmentTrack{{
		EntityID: s.next.track, ParentID: sh.ID, OrderID: o.EntityID,
		CreatedAt: ms.CreatedAt, UpdatedAt: ms.CreatedAt,
		TrackNumber: sh.TrackingNumber, Title: sh.CarrierTitle, CarrierCode: sh.Carrier,
		Description: fmt.Sprintf("%s parcel %s", sh.CarrierTitle, sh.Number), Weight: ms.TotalWeight, Qty: ms.TotalQty,
	}}
	return ms
}
