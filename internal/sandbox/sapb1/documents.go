package sapb1

import (
	"net/http"
	"strconv"
	"time"
)

// documentAction answers POST /{Set}({key})/Close and /Cancel with 204.
func (v *Vendor) documentAction(req request) result {
	if v.store.sets[req.set].def.typeName != "Document" {
		return errorResult(newError(http.StatusMethodNotAllowed, codeNotAllowed, "%s is not supported on %s", req.action, req.set))
	}
	stored, ok := v.store.get(req.set, req.key)
	if !ok {
		return errorResult(notFound())
	}
	if stored["DocumentStatus"] == "bost_Close" {
		return errorResult(badRequest(codeInvalidValue, "Document %s(%s) is already closed", req.set, req.key))
	}
	e := deepCopy(stored)
	e["DocumentStatus"] = "bost_Close"
	if req.action == "Cancel" {
		e["Cancelled"] = "tYES"
	}
	lines, _ := e["DocumentLines"].([]entity)
	for _, l := range lines {
		l["LineStatus"] = "bost_Close"
	}
	v.stamp(v.store.sets[req.set].def, e, v.localNow(), false)
	v.store.put(req.set, e)
	return emptyResult(http.StatusNoContent)
}

// docObjectCodes maps document sets to DocObjectCode and B1 object type
// numbers (BaseType).
var docObjectCodes = map[string]string{"Orders": "oOrders", "DeliveryNotes": "oDeliveryNotes", "Invoices": "oInvoices"}

const baseTypeOrder = 17

// completeDocument validates a document's partner, fills defaults on
// creation and, when the lines or the discount changed, validates the lines,
// copies base order lines and recomputes line and document totals.
func (v *Vendor) completeDocument(set string, e entity, now time.Time, creating, recompute bool) *apiError {
	card, _ := e["CardCode"].(string)
	if card == "" {
		return badRequest(codeMissingField, "Enter a business partner code (CardCode)")
	}
	bp, ok := v.store.get("BusinessPartners", card)
	if !ok {
		return badRequest(codeInvalidValue, "Invalid BP code '%s'", card)
	}
	if creating {
		if _, given := e["CardName"]; !given {
			e["CardName"] = bp["CardName"]
		}
		defaults(e, map[string]any{
			"DocType": "dDocument_Items", "DocDate": now.Format(dateLayout), "TaxDate": now.Format(dateLayout),
			"DocTime": now.Format(timeLayout), "DocCurrency": bp["Currency"], "DocRate": 1.0,
			"DocumentStatus": "bost_Open", "Cancelled": "tNO", "DocObjectCode": docObjectCodes[set],
		})
		if set == "Orders" {
			if _, given := e["DocDueDate"]; !given {
				return badRequest(codeMissingField, "Update the \"Delivery Date\" field (DocDueDate)")
			}
		} else {
			defaults(e, map[string]any{"DocDueDate": e["DocDate"]})
		}
	}
	if !recompute {
		return nil
	}
	lines, _ := e["DocumentLines"].([]entity)
	if len(lines) == 0 {
		return badRequest(codeMissingField, "A document needs at least one line in DocumentLines")
	}
	for i, l := range lines {
		if err := v.completeLine(set, card, i, l, e); err != nil {
			return err
		}
	}
	computeTotals(e)
	return nil
}

// completeLine fills one document line from its base order line (BaseType
// 17) or its item, and computes its amounts.
func (v *Vendor) completeLine(set, card string, i int, l, doc entity) *apiError {
	if bt, ok := l["BaseType"].(int); ok && set != "Orders" {
		if bt != baseTypeOrder {
			return badRequest(codeInvalidValue, "DocumentLines[%d]: BaseType %d is not supported (use 17, sales order)", i, bt)
		}
		entry, _ := l["BaseEntry"].(int)
		order, ok := v.store.get("Orders", strconv.Itoa(entry))
		if !ok {
			return badRequest(codeInvalidValue, "DocumentLines[%d]: base document Orders(%d) does not exist", i, entry)
		}
		if order["CardCode"] != card {
			return badRequest(codeInvalidValue, "DocumentLines[%d]: base order %d belongs to '%v', not '%s'", i, entry, order["CardCode"], card)
		}
		baseLine, _ := l["BaseLine"].(int)
		var base entity
		orderLines, _ := order["DocumentLines"].([]entity)
		for _, ol := range orderLines {
			if ol["LineNum"] == baseLine {
				base = ol
			}
		}
		if base == nil {
			return badRequest(codeInvalidValue, "DocumentLines[%d]: base order %d has no line %d", i, entry, baseLine)
		}
		for _, k := range []string{"ItemCode", "ItemDescription", "Price", "UnitPrice", "DiscountPercent", "TaxPercentagePerRow", "TaxCode", "WarehouseCode", "Currency"} {
			if _, given := l[k]; !given && base[k] != nil {
				l[k] = base[k]
			}
		}
		if _, given := l["Quantity"]; !given {
			l["Quantity"] = base["Quantity"]
		}
	}
	code, _ := l["ItemCode"].(string)
	item, ok := v.store.get("Items", code)
	if !ok {
		return badRequest(codeInvalidValue, "DocumentLines[%d]: invalid item code '%s'", i, code)
	}
	if q := num(l["Quantity"]); q <= 0 {
		return badRequest(codeInvalidValue, "DocumentLines[%d]: Quantity must be greater than zero", i)
	}
	defaults(l, map[string]any{"ItemDescription": item["ItemName"], "Currency": doc["DocCurrency"], "LineStatus": "bost_Open"})
	disc := num(l["DiscountPercent"])
	_, hasPrice := l["Price"]
	_, hasUnit := l["UnitPrice"]
	switch {
	case !hasPrice && !hasUnit:
		l["UnitPrice"] = listPrice(item)
		l["Price"] = round2(num(l["UnitPrice"]) * (1 - disc/100))
	case !hasPrice:
		l["Price"] = round2(num(l["UnitPrice"]) * (1 - disc/100))
	case !hasUnit:
		if disc < 100 {
			l["UnitPrice"] = round2(num(l["Price"]) / (1 - disc/100))
		} else {
			l["UnitPrice"] = num(l["Price"])
		}
	}
	lineTotal := round2(num(l["Price"]) * num(l["Quantity"]))
	tax := round2(lineTotal * num(l["TaxPercentagePerRow"]) / 100)
	l["LineTotal"], l["TaxTotal"], l["GrossTotal"] = lineTotal, tax, round2(lineTotal+tax)
	l["PriceAfterVAT"] = round2(num(l["Price"]) * (1 + num(l["TaxPercentagePerRow"])/100))
	return nil
}

// listPrice is an item's price in price list 1.
func listPrice(item entity) float64 {
	prices, _ := item["ItemPrices"].([]entity)
	for _, p := range prices {
		if p["PriceList"] == 1 {
			return num(p["Price"])
		}
	}
	return 0
}

// computeTotals sets VatSum, TotalDiscount and DocTotal from the lines, the
// header discount and the freight and its tax.
func computeTotals(e entity) {
	lines, _ := e["DocumentLines"].([]entity)
	sub, vat := 0.0, 0.0
	for _, l := range lines {
		sub += num(l["LineTotal"])
		vat += num(l["TaxTotal"])
	}
	disc := num(e["DiscountPercent"])
	e["TotalDiscount"] = round2(sub * disc / 100)
	e["VatSum"] = round2(vat*(1-disc/100) + num(e[freightTaxKey]))
	e["DocTotal"] = round2(sub - num(e["TotalDiscount"]) + num(e["VatSum"]) + num(e[freightKey]))
}
