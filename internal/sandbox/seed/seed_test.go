package seed

import (
	"fmt"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testEnd = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func TestGenerate_SameConfigGivesSameCatalog(t *testing.T) {
	a := Generate(Config{Seed: 7, End: testEnd})
	b := Generate(Config{Seed: 7, End: testEnd})
	assert.Equal(t, a, b)

	c := Generate(Config{Seed: 8, End: testEnd})
	assert.NotEqual(t, a.Products[0], c.Products[0], "another seed gives other data")
}

func TestGenerate_MoreOrdersLeavesProductsAndCustomersAlone(t *testing.T) {
	a := Generate(Config{Seed: 7, End: testEnd})
	b := Generate(Config{Seed: 7, End: testEnd, Counts: Counts{Orders: 900}})
	assert.Equal(t, a.Products, b.Products)
	assert.Equal(t, a.Customers, b.Customers)
	assert.Len(t, b.Orders, 900)
}

func TestGenerate_DefaultCounts(t *testing.T) {
	cat := Generate(Config{Seed: 1, End: testEnd})
	d := DefaultCounts()
	assert.Len(t, cat.Products, d.Products)
	assert.Len(t, cat.Locations, d.Locations)
	assert.Len(t, cat.Inventory, d.Products*d.Locations)
	assert.Len(t, cat.Customers, d.Customers)
	assert.Len(t, cat.Orders, d.Orders)
	assert.Len(t, cat.Companies, d.Companies)
	assert.Len(t, cat.Contacts, d.Contacts)
	assert.Len(t, cat.Deals, d.Deals)
	assert.Len(t, cat.BusinessPartners, d.Customers)
	assert.NotEmpty(t, cat.Shipments)
	assert.NotEmpty(t, cat.Invoices)
	assert.Equal(t, testEnd, cat.End)
	assert.Equal(t, testEnd.Add(-90*24*time.Hour), cat.Start)
}

func TestGenerate_ZeroEndIsTodayAtMidnight(t *testing.T) {
	cat := Generate(Config{Seed: 1, Counts: Counts{Orders: 10}})
	assert.Equal(t, time.Now().UTC().Truncate(24*time.Hour), cat.End)
}

func TestGenerate_IDsAreDenseAndGrowWithCreation(t *testing.T) {
	cat := Generate(Config{Seed: 3, End: testEnd})
	checkIDs(t, "products", len(cat.Products), func(i int) (int, time.Time) { return cat.Products[i].ID, cat.Products[i].CreatedAt })
	checkIDs(t, "customers", len(cat.Customers), func(i int) (int, time.Time) { return cat.Customers[i].ID, cat.Customers[i].CreatedAt })
	checkIDs(t, "orders", len(cat.Orders), func(i int) (int, time.Time) { return cat.Orders[i].ID, cat.Orders[i].CreatedAt })
	checkIDs(t, "shipments", len(cat.Shipments), func(i int) (int, time.Time) { return cat.Shipments[i].ID, cat.Shipments[i].CreatedAt })
	checkIDs(t, "invoices", len(cat.Invoices), func(i int) (int, time.Time) { return cat.Invoices[i].ID, cat.Invoices[i].CreatedAt })
	checkIDs(t, "companies", len(cat.Companies), func(i int) (int, time.Time) { return cat.Companies[i].ID, cat.Companies[i].CreatedAt })
	checkIDs(t, "contacts", len(cat.Contacts), func(i int) (int, time.Time) { return cat.Contacts[i].ID, cat.Contacts[i].CreatedAt })
	checkIDs(t, "deals", len(cat.Deals), func(i int) (int, time.Time) { return cat.Deals[i].ID, cat.Deals[i].CreatedAt })
}

func checkIDs(t *testing.T, kind string, n int, at func(int) (int, time.Time)) {
	t.Helper()
	var prev time.Time
	for i := range n {
		id, created := at(i)
		require.Equal(t, i+1, id, "%s[%d]", kind, i)
		require.False(t, created.Before(prev), "%s %d created before its predecessor", kind, id)
		prev = created
	}
}

func TestGenerate_TimestampsAreWholeSecondsWithinTheWindow(t *testing.T) {
	cat := Generate(Config{Seed: 4, End: testEnd})
	check := func(kind string, id int, created, updated time.Time) {
		t.Helper()
		for _, ts := range []time.Time{created, updated} {
			require.False(t, ts.Before(cat.Start) || ts.After(cat.End), "%s %d: %s outside the window", kind, id, ts)
			require.Zero(t, ts.Nanosecond(), "%s %d: %s not whole seconds", kind, id, ts)
		}
		require.False(t, updated.Before(created), "%s %d updated before created", kind, id)
	}
	for _, x := range cat.Products {
		check("product", x.ID, x.CreatedAt, x.UpdatedAt)
	}
	for _, x := range cat.Customers {
		check("customer", x.ID, x.CreatedAt, x.UpdatedAt)
	}
	for _, x := range cat.Orders {
		check("order", x.ID, x.CreatedAt, x.UpdatedAt)
	}
	for _, x := range cat.Shipments {
		check("shipment", x.ID, x.CreatedAt, x.UpdatedAt)
		require.False(t, x.CreatedAt.Before(cat.Orders[x.OrderID-1].CreatedAt), "shipment %d before its order", x.ID)
	}
	for _, x := range cat.Invoices {
		check("invoice", x.ID, x.CreatedAt, x.UpdatedAt)
		require.False(t, x.CreatedAt.Before(cat.Orders[x.OrderID-1].CreatedAt), "invoice %d before its order", x.ID)
	}
	for _, x := range cat.Companies {
		check("company", x.ID, x.CreatedAt, x.UpdatedAt)
	}
	for _, x := range cat.Contacts {
		check("contact", x.ID, x.CreatedAt, x.UpdatedAt)
	}
	for _, x := range cat.Deals {
		check("deal", x.ID, x.CreatedAt, x.UpdatedAt)
	}
	for _, x := range cat.Inventory {
		check("stock level", x.ProductID, cat.Products[x.ProductID-1].CreatedAt, x.UpdatedAt)
	}
}

func TestGenerate_BurstsShareAModificationSecond(t *testing.T) {
	cat := Generate(Config{Seed: 5, End: testEnd})
	updated := map[string][]time.Time{}
	for _, x := range cat.Products {
		updated["products"] = append(updated["products"], x.UpdatedAt)
	}
	for _, x := range cat.Orders {
		updated["orders"] = append(updated["orders"], x.UpdatedAt)
	}
	for _, x := range cat.Customers {
		updated["customers"] = append(updated["customers"], x.UpdatedAt)
	}
	for _, x := range cat.Contacts {
		updated["contacts"] = append(updated["contacts"], x.UpdatedAt)
	}
	for _, x := range cat.Inventory {
		updated["inventory"] = append(updated["inventory"], x.UpdatedAt)
	}
	for kind, ts := range updated {
		bursts := cat.Bursts[kind]
		require.NotEmpty(t, bursts, kind)
		want := max(2, min(25, len(ts)/8))
		for _, b := range bursts {
			n := 0
			for _, u := range ts {
				if u.Equal(b) {
					n++
				}
			}
			assert.GreaterOrEqual(t, n, want, "%s sharing %s", kind, b)
		}
	}
	assert.Len(t, cat.Bursts["orders"], 3)
}

func TestGenerate_ReferencesResolve(t *testing.T) {
	cat := Generate(Config{Seed: 6, End: testEnd})
	skus := map[string]bool{}
	for _, p := range cat.Products {
		require.False(t, skus[p.SKU], "duplicate SKU %s", p.SKU)
		skus[p.SKU] = true
		assert.LessOrEqual(t, len(p.SKU), 20)
		assert.Positive(t, p.Price, p.SKU)
		assert.Less(t, p.Cost, p.Price, p.SKU)
	}
	locs := map[string]bool{}
	for _, l := range cat.Locations {
		locs[l.Code] = true
		assert.LessOrEqual(t, len(l.Code), 8)
	}
	for _, s := range cat.Inventory {
		assert.True(t, skus[s.SKU] && locs[s.LocationCode], "stock %s@%s", s.SKU, s.LocationCode)
		assert.LessOrEqual(t, s.Committed, s.OnHand)
	}
	emails := map[string]bool{}
	for _, c := range cat.Customers {
		require.False(t, emails[c.Email], "duplicate email %s", c.Email)
		emails[c.Email] = true
		assert.Less(t, c.DefaultBilling, len(c.Addresses))
		assert.Less(t, c.DefaultShipping, len(c.Addresses))
		if c.CompanyID != 0 {
			assert.Equal(t, cat.Companies[c.CompanyID-1].Name, c.Company)
		}
	}
	for _, o := range cat.Orders {
		require.NotEmpty(t, o.Lines, "order %d", o.ID)
		cu := cat.Customers[o.CustomerID-1]
		assert.Equal(t, cu.Email, o.Email)
		assert.False(t, cu.CreatedAt.After(o.CreatedAt), "order %d placed before its customer existed", o.ID)
		assert.True(t, locs[o.LocationCode])
		for _, l := range o.Lines {
			assert.True(t, skus[l.SKU])
			assert.Equal(t, cat.Products[l.ProductID-1].SKU, l.SKU)
		}
	}
	tracking := map[string]bool{}
	for _, s := range cat.Shipments {
		require.False(t, tracking[s.TrackingNumber], "duplicate tracking %s", s.TrackingNumber)
		tracking[s.TrackingNumber] = true
		assert.NotEmpty(t, s.Carrier, "shipment %d", s.ID)
		o := cat.Orders[s.OrderID-1]
		assert.Contains(t, []OrderStatus{OrderProcessing, OrderComplete, OrderClosed}, o.Status)
		for _, l := range s.Lines {
			assert.Equal(t, o.Lines[l.OrderLineNo-1].SKU, l.SKU)
		}
	}
	for _, inv := range cat.Invoices {
		assert.Equal(t, cat.Orders[inv.OrderID-1].GrandTotal, inv.GrandTotal)
	}
	for _, ct := range cat.Contacts {
		if ct.CustomerID != 0 {
			assert.Equal(t, cat.Customers[ct.CustomerID-1].Email, ct.Email)
		}
		if ct.CompanyID != 0 {
			assert.LessOrEqual(t, ct.CompanyID, len(cat.Companies))
		}
	}
	for _, d := range cat.Deals {
		require.NotEmpty(t, d.ContactIDs, "deal %d", d.ID)
		require.NotEmpty(t, d.LineItems, "deal %d", d.ID)
		var sum Money
		for _, li := range d.LineItems {
			sum += li.UnitPrice * Money(li.Qty)
		}
		assert.Equal(t, sum, d.Amount, "deal %d", d.ID)
		if d.OrderID != 0 {
			o := cat.Orders[d.OrderID-1]
			assert.Equal(t, d.CompanyID, cat.Customers[o.CustomerID-1].CompanyID)
		}
	}
	for i, bp := range cat.BusinessPartners {
		assert.Equal(t, cat.Customers[i].ID, bp.CustomerID)
		assert.Equal(t, fmt.Sprintf("C%05d", bp.CustomerID), bp.CardCode)
	}
}

func TestGenerate_OrderTotalsAddUp(t *testing.T) {
	cat := Generate(Config{Seed: 9, End: testEnd, Counts: Counts{Orders: 2000}})
	for _, o := range cat.Orders {
		var sub, disc, tax Money
		for _, l := range o.Lines {
			assert.Equal(t, l.UnitPrice*Money(l.Qty), l.RowTotal)
			sub += l.RowTotal
			disc += l.DiscountAmount
			tax += l.TaxAmount
		}
		assert.Equal(t, sub, o.Subtotal, "order %d subtotal", o.ID)
		assert.Equal(t, disc, o.DiscountAmount, "order %d discount", o.ID)
		assert.Equal(t, tax+o.ShippingTax, o.TaxAmount, "order %d tax", o.ID)
		assert.Equal(t, o.Subtotal-o.DiscountAmount+o.ShippingAmount+o.TaxAmount, o.GrandTotal, "order %d grand total", o.ID)
		if o.Currency == "JPY" {
			assert.Zero(t, o.GrandTotal%100, "order %d: JPY amounts are whole yen", o.ID)
		}
	}
}

func TestGenerate_CoversCountriesAndNonASCIINames(t *testing.T) {
	cat := Generate(Config{Seed: 2, End: testEnd})
	countries := map[string]bool{}
	nonASCII := 0
	for _, c := range cat.Customers {
		for _, a := range c.Addresses {
			countries[a.CountryCode] = true
			assert.NotEmpty(t, a.RegionCode, "customer %d", c.ID)
			assert.Regexp(t, `^\+[1-9][0-9]{7,14}$`, a.Phone)
		}
		if utf8.RuneCountInString(c.FirstName+c.LastName) != len(c.FirstName+c.LastName) {
			nonASCII++
		}
		assert.Regexp(t, `^[a-z0-9.\-]+@[a-z0-9.\-]+$`, c.Email)
	}
	for _, code := range []string{"US", "DE", "FR", "JP", "GB", "BR"} {
		assert.True(t, countries[code], "no address in %s", code)
	}
	assert.Greater(t, nonASCII, len(cat.Customers)/4, "customers with non-ASCII names")
	statuses := map[OrderStatus]int{}
	discounts, multiLine, splitShipments := 0, 0, 0
	for _, o := range cat.Orders {
		statuses[o.Status]++
		if o.DiscountAmount > 0 {
			discounts++
		}
		if len(o.Lines) > 1 {
			multiLine++
		}
	}
	perOrder := map[int]int{}
	for _, s := range cat.Shipments {
		perOrder[s.OrderID]++
		if perOrder[s.OrderID] == 2 {
			splitShipments++
		}
	}
	assert.Len(t, statuses, 5, "every order status occurs: %v", statuses)
	assert.Positive(t, discounts)
	assert.Greater(t, multiLine, len(cat.Orders)/2)
	assert.Positive(t, splitShipments)
}

func TestSlug_SpellsNamesInASCII(t *testing.T) {
	for in, want := range map[string]string{
		"Müller": "mueller", "O'Brien": "obrien", "山田": "yamada", "Éloïse": "eloise",
		"Ó Súilleabháin": "o-suilleabhain", "Nguyễn": "nguyen", "Gonçalves": "goncalves",
	} {
		assert.Equal(t, want, slug(in, "-"), in)
	}
}

func BenchmarkGenerate5000Orders(b *testing.B) {
	for b.Loop() {
		Generate(Config{Seed: 1, End: testEnd, Counts: Counts{Orders: 5000}})
	}
}

func TestCatalog_LookupsFindRecordsByID(t *testing.T) {
	cat := Generate(Config{Seed: 1, End: testEnd, Counts: Counts{Orders: 20}})
	assert.Equal(t, cat.Products[4].SKU, cat.Product(5).SKU)
	assert.Equal(t, 7, cat.Customer(7).ID)
	assert.Equal(t, 20, cat.Order(20).ID)
	assert.Equal(t, 3, cat.Company(3).ID)
	assert.Equal(t, 9, cat.Contact(9).ID)
	assert.Equal(t, "BER", cat.Location("BER").Code)
	assert.Nil(t, cat.Order(0))
	assert.Nil(t, cat.Order(21))
	assert.Nil(t, cat.Location("XXX"))
}

func TestGenerate_TinyAndLargeCountsWork(t *testing.T) {
	tiny := Generate(Config{Seed: 1, End: testEnd, Counts: Counts{
		Products: 1, Locations: 1, Customers: 1, Orders: 1, Companies: 1, Contacts: 1, Deals: 1, Days: 1, BurstSize: 1, BurstsPerEntity: 1,
	}})
	assert.Len(t, tiny.Products, 1)
	assert.Len(t, tiny.Orders, 1)
	assert.Len(t, tiny.Contacts, 1)
	assert.Len(t, tiny.Deals, 1)
	assert.Equal(t, 1, tiny.Orders[0].CustomerID)

	all := Generate(Config{Seed: 1, End: testEnd, Counts: Counts{Locations: 99, Orders: 5000}})
	assert.Len(t, all.Locations, MaxLocations, "capped")
	assert.Len(t, all.Orders, 5000)
	codes := map[string]bool{}
	for _, l := range all.Locations {
		codes[l.Code] = true
	}
	assert.Len(t, codes, MaxLocations, "distinct codes")
}
