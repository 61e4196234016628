package sapb1

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/datawald/datawald/internal/sandbox/seed"
)

// Price lists of the sandbox company: 1 is the sales price list, 2 the
// purchase (cost) price list.
const (
	priceListSales    = 1
	priceListPurchase = 2
)

// load renders the catalog as a company database: Items (ItemCode = SKU)
// with prices and stock per warehouse, BusinessPartners (one per customer),
// Orders (DocEntry = seed order id, NumAtCard = storefront order number),
// DeliveryNotes (one per shipment, lines based on the order) and Invoices
// (one per invoice, lines based on the order). Times are rendered in loc,
// with UpdateDate and UpdateTime as separate date and time.
func load(c *seed.Catalog, loc *time.Location) *store {
	s := newStore()
	stamp := func(e entity, createDate, createTime string, created, updated time.Time) {
		created, updated = created.In(loc), updated.In(loc)
		e[createDate] = created.Format(dateLayout)
		if createTime != "" {
			e[createTime] = created.Format(timeLayout)
		}
		e["UpdateDate"], e["UpdateTime"] = updated.Format(dateLayout), updated.Format(timeLayout)
	}
	yes := func(b bool) string {
		if b {
			return "tYES"
		}
		return "tNO"
	}

	groups := map[string]int{}
	var categories []string
	for _, p := range c.Products {
		if _, ok := groups[p.Category]; !ok {
			groups[p.Category] = 0
			categories = append(categories, p.Category)
		}
	}
	sort.Strings(categories)
	for i, cat := range categories {
		groups[cat] = 100 + i
	}
	stock := map[int][]seed.StockLevel{}
	for _, lvl := range c.Inventory {
		stock[lvl.ProductID] = append(stock[lvl.ProductID], lvl)
	}
	for _, p := range c.Products {
		var whs []entity
		onHand, committed := 0.0, 0.0
		for _, lvl := range stock[p.ID] {
			whs = append(whs, entity{"WarehouseCode": lvl.LocationCode, "InStock": float64(lvl.OnHand),
				"Committed": float64(lvl.Committed), "Ordered": 0.0, "ItemCode": p.SKU})
			onHand += float64(lvl.OnHand)
			committed += float64(lvl.Committed)
		}
		e := entity{
			"ItemCode": p.SKU, "ItemName": p.Name, "ForeignName": p.Description, "ItemsGroupCode": groups[p.Category],
			"BarCode": p.Barcode, "ItemType": "itItems", "InventoryItem": "tYES", "SalesItem": "tYES",
			"PurchaseItem": "tYES", "Valid": yes(p.Active), "Frozen": yes(!p.Active),
			"QuantityOnStock": onHand, "QuantityOrderedByCustomers": committed, "SalesUnitWeight": p.WeightKg,
			"AvgStdPrice": p.Cost.Float64(), "SalesVATGroup": vatGroup(p.TaxClass),
			"ItemPrices": []entity{
				{"PriceList": priceListSales, "Price": p.Price.Float64(), "Currency": c.BaseCurrency, "BasePriceList": priceListSales, "Factor": 1.0},
				{"PriceList": priceListPurchase, "Price": p.Cost.Float64(), "Currency": c.BaseCurrency, "BasePriceList": priceListPurchase, "Factor": 1.0},
			},
			"ItemWarehouseInfoCollection": whs,
		}
		stamp(e, "CreateDate", "CreateTime", p.CreatedAt, p.UpdatedAt)
		s.put("Items", e)
	}

	cardOf := map[int]string{}
	for _, bp := range c.BusinessPartners {
		cardOf[bp.CustomerID] = bp.CardCode
		e := entity{
			"CardCode": bp.CardCode, "CardName": bp.CardName, "CardType": bp.CardType, "GroupCode": 100,
			"EmailAddress": bp.EmailAddress, "Phone1": bp.Phone1, "Currency": bp.Currency,
			"Address": strings.Join(bp.BillTo.Street, ", "), "City": bp.BillTo.City, "Country": bp.BillTo.CountryCode,
			"ZipCode": bp.BillTo.Postcode, "BilltoDefault": "Bill to", "ShipToDefault": "Ship to", "PriceListNum": priceListSales,
			"CurrentAccountBalance": 0.0, "Valid": "tYES", "Frozen": "tNO",
			"BPAddresses": []entity{
				bpAddressOf(bp.CardCode, "Bill to", "bo_BillTo", 0, bp.BillTo),
				bpAddressOf(bp.CardCode, "Ship to", "bo_ShipTo", 1, bp.ShipTo),
			},
		}
		if bp.FederalTaxID != "" {
			e["FederalTaxID"] = bp.FederalTaxID
		}
		stamp(e, "CreateDate", "CreateTime", bp.CreatedAt, bp.UpdatedAt)
		s.put("BusinessPartners", e)
	}
	cardName := map[string]string{}
	for _, bp := range c.BusinessPartners {
		cardName[bp.CardCode] = bp.CardName
	}

	orders := map[int]*seed.Order{}
	for i := range c.Orders {
		o := &c.Orders[i]
		orders[o.ID] = o
		card := cardOf[o.CustomerID]
		e := documentHeader(o.ID, card, cardName[card], o.Number, o.Currency, o.ExchangeRate, o.CreatedAt.In(loc))
		e["DocDueDate"] = o.CreatedAt.In(loc).AddDate(0, 0, 7).Format(dateLayout)
		e["DocObjectCode"] = "oOrders"
		e["Address"], e["Address2"] = formatAddress(o.BillingAddress), formatAddress(o.ShippingAddress)
		e["PaymentMethod"] = o.PaymentMethod
		if o.CouponCode != "" {
			e["Comments"] = "Coupon " + o.CouponCode
		}
		e["DocumentLines"] = orderLines(o.Lines, o.Currency, o.LocationCode, "", 0)
		setTotals(e, o.TaxAmount, o.ShippingAmount, o.ShippingTax, o.GrandTotal)
		switch o.Status {
		case seed.OrderComplete, seed.OrderClosed:
			closeDocument(e)
		case seed.OrderCanceled:
			closeDocument(e)
			e["Cancelled"] = "tYES"
		}
		stamp(e, "CreationDate", "", o.CreatedAt, o.UpdatedAt)
		s.put("Orders", e)
	}

	for _, sh := range c.Shipments {
		o := orders[sh.OrderID]
		card := cardOf[o.CustomerID]
		e := documentHeader(sh.ID, card, cardName[card], o.Number, o.Currency, o.ExchangeRate, sh.CreatedAt.In(loc))
		e["DocDueDate"] = e["DocDate"]
		e["DocObjectCode"] = "oDeliveryNotes"
		e["Address2"] = formatAddress(o.ShippingAddress)
		e["TrackingNumber"] = sh.TrackingNumber
		e["Comments"] = fmt.Sprintf("%s %s", sh.CarrierTitle, sh.Number)
		var lines []seed.OrderLine
		for _, sl := range sh.Lines {
			ol := o.Lines[sl.OrderLineNo-1]
			share := float64(sl.Qty) / float64(ol.Qty)
			ol.Qty = sl.Qty
			ol.RowTotal = seed.Money(float64(ol.RowTotal) * share)
			ol.DiscountAmount = seed.Money(float64(ol.DiscountAmount) * share)
			ol.TaxAmount = seed.Money(float64(ol.TaxAmount) * share)
			lines = append(lines, ol)
		}
		docLines := orderLines(lines, o.Currency, sh.LocationCode, "order", o.ID)
		e["DocumentLines"] = docLines
		var net, tax seed.Money
		for _, l := range lines {
			net += l.RowTotal - l.DiscountAmount
			tax += l.TaxAmount
		}
		setTotals(e, tax, 0, 0, net+tax)
		closeDocument(e)
		stamp(e, "CreationDate", "", sh.CreatedAt, sh.UpdatedAt)
		s.put("DeliveryNotes", e)
	}

	for _, inv := range c.Invoices {
		o := orders[inv.OrderID]
		card := cardOf[o.CustomerID]
		e := documentHeader(inv.ID, card, cardName[card], o.Number, inv.Currency, o.ExchangeRate, inv.CreatedAt.In(loc))
		e["DocDueDate"] = inv.DueDate.In(loc).Format(dateLayout)
		e["DocObjectCode"] = "oInvoices"
		e["Address"] = formatAddress(o.BillingAddress)
		e["Reference2"] = inv.Number
		e["DocumentLines"] = orderLines(inv.Lines, inv.Currency, o.LocationCode, "order", o.ID)
		setTotals(e, inv.TaxAmount, inv.ShippingAmount, o.ShippingTax, inv.GrandTotal)
		if inv.Status == seed.InvoicePaid {
			closeDocument(e)
		}
		stamp(e, "CreationDate", "", inv.CreatedAt, inv.UpdatedAt)
		s.put("Invoices", e)
	}
	return s
}

func vatGroup(c seed.TaxClass) string {
	switch c {
	case seed.TaxReduced:
		return "O2"
	case seed.TaxZero:
		return "O0"
	}
	return "O1"
}

func bpAddressOf(card, name, typ string, row int, a seed.Address) entity {
	e := entity{"AddressName": name, "AddressType": typ, "BPCode": card, "RowNum": row,
		"City": a.City, "ZipCode": a.Postcode, "Country": a.CountryCode, "State": a.RegionCode}
	if len(a.Street) > 0 {
		e["Street"] = a.Street[0]
	}
	if len(a.Street) > 1 {
		e["Block"] = a.Street[1]
	}
	return e
}

// formatAddress is the multi-line address text B1 keeps on documents.
func formatAddress(a seed.Address) string {
	lines := []string{strings.TrimSpace(a.FirstName + " " + a.LastName)}
	if a.Company != "" {
		lines = append(lines, a.Company)
	}
	lines = append(lines, a.Street...)
	lines = append(lines, strings.TrimSpace(a.Postcode+" "+a.City), strings.TrimSpace(a.Region+" "+a.CountryCode))
	return strings.Join(lines, "\r")
}

func documentHeader(entry int, card, name, number, currency string, rate float64, created time.Time) entity {
	return entity{
		"DocEntry": entry, "DocNum": entry, "DocType": "dDocument_Items",
		"DocDate": created.Format(dateLayout), "TaxDate": created.Format(dateLayout), "DocTime": created.Format(timeLayout),
		"CardCode": card, "CardName": name, "NumAtCard": number, "DocCurrency": currency, "DocRate": rate,
		"DocumentStatus": "bost_Open", "Cancelled": "tNO",
	}
}

// orderLines renders seed lines as document lines; base "order" makes them
// copies of the order's lines (BaseType 17).
func orderLines(lines []seed.OrderLine, currency, whs, base string, orderID int) []entity {
	out := make([]entity, len(lines))
	for i, l := range lines {
		net := (l.RowTotal - l.DiscountAmount).Float64()
		price := round2(net / float64(l.Qty))
		e := entity{
			"LineNum": i, "ItemCode": l.SKU, "ItemDescription": l.Name, "Quantity": float64(l.Qty),
			"UnitPrice": l.UnitPrice.Float64(), "Price": price, "DiscountPercent": discountPercent(l),
			"Currency": currency, "WarehouseCode": whs, "LineTotal": net,
			"TaxPercentagePerRow": l.TaxPercent, "TaxTotal": l.TaxAmount.Float64(),
			"GrossTotal":    round2(net + l.TaxAmount.Float64()),
			"PriceAfterVAT": round2(price * (1 + l.TaxPercent/100)), "LineStatus": "bost_Open",
		}
		if base == "order" {
			e["BaseType"], e["BaseEntry"], e["BaseLine"] = baseTypeOrder, orderID, l.LineNo-1
		}
		out[i] = e
	}
	return out
}

// discountPercent is the line's effective discount, coupon share included.
func discountPercent(l seed.OrderLine) float64 {
	if l.RowTotal == 0 {
		return 0
	}
	return round2(float64(l.DiscountAmount) / float64(l.RowTotal) * 100)
}

// setTotals sets a seeded document's totals as the seed computed them: tax
// includes the freight tax and total the freight. Discounts are on the
// lines, so the header discount is zero.
func setTotals(e entity, tax, freight, freightTax, total seed.Money) {
	e["VatSum"] = tax.Float64()
	e["TotalDiscount"] = 0.0
	e["DiscountPercent"] = 0.0
	e["DocTotal"] = total.Float64()
	e[freightKey] = freight.Float64()
	e[freightTaxKey] = freightTax.Float64()
}

func closeDocument(e entity) {
	e["DocumentStatus"] = "bost_Close"
	lines, _ := e["DocumentLines"].([]entity)
	for _, l := range lines {
		l["LineStatus"] = "bost_Close"
	}
}
