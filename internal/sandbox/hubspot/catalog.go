package hubspot

import (
	"strconv"

	"github.com/datawald/datawald/internal/sandbox/seed"
)

// load renders the catalog as a fresh store: products, companies, contacts
// (associated with their company, as primary), deals (associated with their
// company and contacts) and the deals' line items (associated with their
// deal and pointing at their product through hs_product_id). Object n of a
// seed entity gets id idBase[type] + n.
func (v *Vendor) load() *store {
	s := newStore(newObjectTypes(v.opts.CustomProperties), v.opts.SearchLag)
	c := v.catalog
	money := func(m seed.Money) string { return strconv.FormatFloat(m.Float64(), 'f', 2, 64) }
	id := func(typ string, n int) int64 { return idBase[typ] + int64(n) }

	for _, p := range c.Products {
		s.seedRecord(s.types["products"], id("products", p.ID), map[string]string{
			"name":                  p.Name,
			"description":           p.Description,
			"price":                 money(p.Price),
			"hs_cost_of_goods_sold": money(p.Cost),
			"hs_sku":                p.SKU,
		}, p.CreatedAt, p.UpdatedAt)
	}
	for _, co := range c.Companies {
		s.seedRecord(s.types["companies"], id("companies", co.ID), map[string]string{
			"name":              co.Name,
			"domain":            co.Domain,
			"industry":          co.Industry,
			"country":           co.CountryCode,
			"city":              co.City,
			"phone":             co.Phone,
			"numberofemployees": strconv.Itoa(co.Employees),
			"annualrevenue":     money(co.AnnualRevenue),
			"lifecyclestage":    co.LifecycleStage,
		}, co.CreatedAt, co.UpdatedAt)
	}
	companyName := map[int]string{}
	for _, co := range c.Companies {
		companyName[co.ID] = co.Name
	}
	unlabeled, _ := lookupAssociationDef("contacts", "companies", 279)
	primary, _ := lookupAssociationDef("contacts", "companies", 1)
	for _, ct := range c.Contacts {
		rec := s.seedRecord(s.types["contacts"], id("contacts", ct.ID), map[string]string{
			"email":          ct.Email,
			"firstname":      ct.FirstName,
			"lastname":       ct.LastName,
			"phone":          ct.Phone,
			"jobtitle":       ct.JobTitle,
			"country":        ct.CountryCode,
			"city":           ct.City,
			"lifecyclestage": ct.LifecycleStage,
			"company":        companyName[ct.CompanyID],
		}, ct.CreatedAt, ct.UpdatedAt)
		if ct.CompanyID != 0 {
			s.assoc.add(unlabeled, rec.id, id("companies", ct.CompanyID))
			s.assoc.add(primary, rec.id, id("companies", ct.CompanyID))
		}
	}
	dealCompany, _ := lookupAssociationDef("deals", "companies", 341)
	dealCompanyPrimary, _ := lookupAssociationDef("deals", "companies", 5)
	dealContact, _ := defaultAssociationDef("deals", "contacts")
	lineDeal, _ := defaultAssociationDef("line_items", "deals")
	for _, d := range c.Deals {
		rec := s.seedRecord(s.types["deals"], id("deals", d.ID), map[string]string{
			"dealname":           d.Name,
			"amount":             money(d.Amount),
			"dealstage":          d.Stage,
			"pipeline":           d.Pipeline,
			"closedate":          d.CloseDate.UTC().Format(timeLayout),
			"deal_currency_code": d.Currency,
		}, d.CreatedAt, d.UpdatedAt)
		if d.CompanyID != 0 {
			s.assoc.add(dealCompany, rec.id, id("companies", d.CompanyID))
			s.assoc.add(dealCompanyPrimary, rec.id, id("companies", d.CompanyID))
		}
		for _, ct := range d.ContactIDs {
			s.assoc.add(dealContact, rec.id, id("contacts", ct))
		}
	}
	// Line item ids grow in deal order, so a second pass keeps each type's
	// ids ascending.
	for _, d := range c.Deals {
		for _, li := range d.LineItems {
			rec := s.seedRecord(s.types["line_items"], id("line_items", li.ID), map[string]string{
				"name":                       li.Name,
				"quantity":                   strconv.Itoa(li.Qty),
				"price":                      money(li.UnitPrice),
				"amount":                     money(li.UnitPrice * seed.Money(li.Qty)),
				"hs_product_id":              strconv.FormatInt(id("products", li.ProductID), 10),
				"hs_sku":                     li.SKU,
				"hs_line_item_currency_code": d.Currency,
			}, d.CreatedAt, d.UpdatedAt)
			s.assoc.add(lineDeal, rec.id, id("deals", d.ID))
		}
	}
	return s
}
