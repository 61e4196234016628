package seed

import (
	"fmt"
	"math/rand/v2"
)

var emailDomains = []string{"example.com", "example.org", "example.net"}

func (g *generator) customers() {
	r := g.stream(streamCustomers)
	n := g.c.Customers
	created := createdTimes(r, n, g.cat.Start, g.cat.End)
	created[0] = g.cat.Start // so every order has a customer to belong to
	updated := g.updatedTimes(r, created)
	g.burst(r, "customers", updated)
	g.cat.Customers = make([]Customer, n)
	for i := range n {
		id := i + 1
		cu := Customer{ID: id, Group: "General", CreatedAt: created[i], UpdatedAt: updated[i]}
		c := pickCountry(r)
		if len(g.cat.Companies) > 0 && r.IntN(5) < 2 {
			co := g.cat.Companies[r.IntN(len(g.cat.Companies))]
			cu.Company, cu.CompanyID = co.Name, co.ID
			cu.Group = pick(r, []string{"Wholesale", "Retailer"})
			c = countryByCode(co.CountryCode)
		}
		cu.FirstName, cu.LastName = pick(r, c.firstNames), pick(r, c.lastNames)
		cu.Phone = c.phone(r)
		cu.Currency = c.currency
		local := fmt.Sprintf("%s.%s%d", slug(cu.FirstName, "-"), slug(cu.LastName, "-"), id)
		if cu.CompanyID != 0 {
			cu.Email = local + "@" + g.cat.Companies[cu.CompanyID-1].Domain
		} else {
			cu.Email = local + "@" + pick(r, emailDomains)
		}
		cu.Addresses = []Address{c.address(r, cu.FirstName, cu.LastName, cu.Company)}
		switch r.IntN(6) {
		case 0, 1: // a second address at home, used for shipping
			cu.Addresses = append(cu.Addresses, c.address(r, cu.FirstName, cu.LastName, ""))
			cu.DefaultShipping = 1
		case 2: // a second address abroad plus a third at home
			abroad := pickOther(r, c.code)
			cu.Addresses = append(cu.Addresses,
				abroad.address(r, cu.FirstName, cu.LastName, ""),
				c.address(r, cu.FirstName, cu.LastName, ""))
		}
		g.cat.Customers[i] = cu
	}
}

// pickOther returns a country other than code.
func pickOther(r *rand.Rand, code string) *country {
	for {
		if c := pickCountry(r); c.code != code {
			return c
		}
	}
}
