package seed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// companyStyle makes a company name in a country from a family name.
var companyStyles = map[string][]string{
	"US": {"%s Outdoor Supply Inc.", "%s & Partners LLC", "%s Trading Co."},
	"DE": {"%s Bäckerei GmbH", "%s & Söhne KG", "%s Handelsgesellschaft mbH"},
	"FR": {"Boulangerie %s SARL", "Maison %s SAS", "%s Frères"},
	"JP": {"%s商事株式会社", "株式会社%s製作所", "%s物産"},
	"GB": {"%s & Sons Ltd", "%s Provisions plc", "%s Outfitters Ltd"},
	"BR": {"%s Comércio Ltda", "Distribuidora %s S.A.", "%s & Filhos Ltda"},
}

var tlds = map[string]string{"US": "com", "DE": "de", "FR": "fr", "JP": "co.jp", "GB": "co.uk", "BR": "com.br"}

var industries = []string{"RETAIL", "FOOD_BEVERAGES", "SPORTING_GOODS", "HOSPITALITY", "APPAREL_FASHION", "WHOLESALE", "CONSUMER_GOODS", "COMPUTER_SOFTWARE"}

func (g *generator) companies() {
	r := g.stream(streamCompanies)
	n := g.c.Companies
	created := createdTimes(r, n, g.cat.Start, g.cat.Start.Add(g.cat.End.Sub(g.cat.Start)/2))
	updated := g.updatedTimes(r, created)
	g.burst(r, "companies", updated)
	g.cat.Companies = make([]Company, n)
	for i := range n {
		c := pickCountry(r)
		last := pick(r, c.lastNames)
		id := i + 1
		employees := 2 + int(math.Exp(r.Float64()*8))
		g.cat.Companies[i] = Company{
			ID:             id,
			Name:           fmt.Sprintf(pick(r, companyStyles[c.code]), last),
			Domain:         fmt.Sprintf("%s-%d.%s", slug(last, "-"), id, tlds[c.code]),
			Industry:       pick(r, industries),
			CountryCode:    c.code,
			City:           pick(r, pick(r, c.regions).cities),
			Phone:          c.phone(r),
			Employees:      employees,
			AnnualRevenue:  Money(int64(employees) * int64(60_000+r.IntN(140_000)) * 100),
			LifecycleStage: pick(r, []string{"lead", "opportunity", "customer", "customer"}),
			CreatedAt:      created[i],
			UpdatedAt:      updated[i],
		}
	}
}

var jobTitles = []string{"Einkaufsleiter", "Responsable des achats", "購買部長", "Head of Procurement", "Owner", "Store Manager", "Gerente de Compras", "Operations Lead"}

func (g *generator) contacts() {
	r := g.stream(streamContacts)
	mirrored := min(g.c.Contacts, len(g.cat.Customers))
	all := make([]Contact, 0, g.c.Contacts)
	for _, cu := range g.cat.Customers[:mirrored] {
		addr := cu.Addresses[cu.DefaultBilling]
		all = append(all, Contact{
			CustomerID: cu.ID, CompanyID: cu.CompanyID,
			Email: cu.Email, FirstName: cu.FirstName, LastName: cu.LastName, Phone: cu.Phone,
			JobTitle:    jobTitleFor(r, cu.CompanyID),
			CountryCode: addr.CountryCode, City: addr.City,
			LifecycleStage: "customer",
			CreatedAt:      cu.CreatedAt,
		})
	}
	leadCreated := createdTimes(r, g.c.Contacts-mirrored, g.cat.Start, g.cat.End)
	for i, t := range leadCreated {
		c := pickCountry(r)
		first, last := pick(r, c.firstNames), pick(r, c.lastNames)
		companyID := 0
		if len(g.cat.Companies) > 0 && r.IntN(2) == 0 {
			companyID = 1 + r.IntN(len(g.cat.Companies))
		}
		all = append(all, Contact{
			CompanyID: companyID,
			Email:     fmt.Sprintf("%s.%s.lead%d@example.%s", slug(first, "-"), slug(last, "-"), i+1, tlds[c.code]),
			FirstName: first, LastName: last, Phone: c.phone(r),
			JobTitle:       jobTitleFor(r, companyID),
			CountryCode:    c.code,
			City:           pick(r, pick(r, c.regions).cities),
			LifecycleStage: pick(r, []string{"subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity"}),
			CreatedAt:      t,
		})
	}
	// HubSpot ids grow with creation time, so leads interleave with the
	// mirrored customers.
	slices.SortStableFunc(all, func(a, b Contact) int { return a.CreatedAt.Compare(b.CreatedAt) })
	created := make([]time.Time, len(all))
	for i := range all {
		all[i].ID = i + 1
		created[i] = all[i].CreatedAt
	}
	updated := g.updatedTimes(r, created)
	g.burst(r, "contacts", updated)
	for i := range all {
		all[i].UpdatedAt = updated[i]
	}
	g.cat.Contacts = all
}

func jobTitleFor(r *rand.Rand, companyID int) string {
	if companyID == 0 {
		return ""
	}
	return pick(r, jobTitles)
}

var openStages = []string{"appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin", "contractsent"}

func (g *generator) deals() {
	r := g.stream(streamDeals)
	n := g.c.Deals
	if len(g.cat.Companies) == 0 || len(g.cat.Contacts) == 0 {
		return
	}
	byCompany := make(map[int][]int) // company id → contact ids
	for _, ct := range g.cat.Contacts {
		if ct.CompanyID != 0 {
			byCompany[ct.CompanyID] = append(byCompany[ct.CompanyID], ct.ID)
		}
	}
	ordersByCompany := make(map[int][]int) // company id → order ids
	for _, o := range g.cat.Orders {
		if cid := g.cat.Customers[o.CustomerID-1].CompanyID; cid != 0 {
			ordersByCompany[cid] = append(ordersByCompany[cid], o.ID)
		}
	}
	created := createdTimes(r, n, g.cat.Start, g.cat.End)
	updated := g.updatedTimes(r, created)
	g.cat.Deals = make([]Deal, n)
	lineItemID := 0
	for i := range n {
		co := g.cat.Companies[r.IntN(len(g.cat.Companies))]
		contacts := byCompany[co.ID]
		if len(contacts) == 0 {
			contacts = []int{1 + r.IntN(len(g.cat.Contacts))}
		}
		contacts = slices.Clone(contacts[:min(len(contacts), 1+r.IntN(3))])
		c := countryByCode(co.CountryCode)
		d := Deal{
			ID: i + 1, Pipeline: "default", Currency: c.currency,
			CompanyID: co.ID, ContactIDs: contacts,
			CreatedAt: created[i], UpdatedAt: updated[i],
		}
		for range 1 + r.IntN(4) {
			p := g.cat.Products[r.IntN(len(g.cat.Products))]
			lineItemID++
			li := DealLineItem{
				ID: lineItemID, ProductID: p.ID, SKU: p.SKU, Name: p.Name,
				Qty:       1 + r.IntN(50),
				UnitPrice: roundFor(float64(p.Price)*c.rate, c.currency),
			}
			d.LineItems = append(d.LineItems, li)
			d.Amount += li.UnitPrice * Money(li.Qty)
		}
		d.Name = fmt.Sprintf("%s – %s", co.Name, d.LineItems[0].Name)
		age := g.cat.End.Sub(d.CreatedAt)
		switch {
		case age > 30*24*time.Hour && r.IntN(3) != 0:
			d.Stage = "closedwon"
			if r.IntN(3) == 0 {
				d.Stage = "closedlost"
			}
			d.CloseDate = between(r, d.CreatedAt, minTime(d.CreatedAt.Add(30*24*time.Hour), g.cat.End))
			if d.UpdatedAt.Before(d.CloseDate) {
				d.UpdatedAt = d.CloseDate
			}
			if orders := ordersByCompany[co.ID]; d.Stage == "closedwon" && len(orders) > 0 {
				d.OrderID = orders[0]
				ordersByCompany[co.ID] = orders[1:]
			}
		default:
			d.Stage = pick(r, openStages)
			d.CloseDate = g.cat.End.Add(time.Duration(7+r.IntN(60)) * 24 * time.Hour).Truncate(24 * time.Hour)
		}
		g.cat.Deals[i] = d
	}
	for i := range g.cat.Deals {
		updated[i] = g.cat.Deals[i].UpdatedAt
	}
	g.burst(r, "deals", updated)
	for i := range g.cat.Deals {
		g.cat.Deals[i].UpdatedAt = updated[i]
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func (g *generator) businessPartners() {
	r := g.stream(streamPartners)
	g.cat.BusinessPartners = make([]BusinessPartner, len(g.cat.Customers))
	for i, cu := range g.cat.Customers {
		bill := cu.Addresses[cu.DefaultBilling]
		bp := BusinessPartner{
			CardCode:     fmt.Sprintf("C%05d", cu.ID),
			CustomerID:   cu.ID,
			CardName:     cu.LastName + ", " + cu.FirstName,
			CardType:     "cCustomer",
			EmailAddress: cu.Email,
			Phone1:       cu.Phone,
			Currency:     cu.Currency,
			BillTo:       bill,
			ShipTo:       cu.Addresses[cu.DefaultShipping],
			CreatedAt:    cu.CreatedAt,
			UpdatedAt:    cu.UpdatedAt,
		}
		if cu.Company != "" {
			bp.CardName = cu.Company
			switch bill.CountryCode {
			case "DE", "FR", "GB":
				bp.FederalTaxID = bill.CountryCode + fillPattern(r, "999999999")
			}
		}
		g.cat.BusinessPartners[i] = bp
	}
}
