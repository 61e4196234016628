// Package seed generates the deterministic data set every sandbox simulator
// serves, so the same SKUs, customers and orders exist in NetSuite, Magento,
// HubSpot and SAP B1 and a sync between them can be checked record by
// record.
//
// Generate(Config) returns a *Catalog in a vendor-neutral shape; each vendor
// package renders it into its own records. The same Config always gives the
// same Catalog, and each entity kind draws from its own random stream, so
// changing one count (more orders) leaves the other kinds as they were,
// except for records that refer to them (orders refer to products and
// customers, so fewer products changes orders).
//
// Timestamps are spread over the Counts.Days days before Config.End, always
// whole seconds, with bursts: for every entity kind a few seconds are shared
// by many records (Catalog.Bursts lists them), as after a bulk import or a
// mass update.
package seed

import (
	"math/rand/v2"
	"time"
)

// Counts are the sizes of a generated data set. A zero field takes its
// default from DefaultCounts.
type Counts struct {
	Products  int // default 200
	Locations int // warehouses, default 3, at most 6
	Customers int // default 100
	Orders    int // default 500
	Companies int // CRM companies, default 40
	// Contacts is the number of CRM contacts, default Customers + 50; the
	// oldest min(Contacts, Customers) customers are mirrored as contacts.
	Contacts int
	Deals    int // default 150
	// Days is the history length: CreatedAt times fall in the Days days
	// before Config.End. Default 90.
	Days int
	// BurstSize is the number of records sharing each burst second, default
	// 25, capped at an eighth of the entity's count (and at least 2).
	BurstSize int
	// BurstsPerEntity is the number of burst seconds per entity kind,
	// default 3.
	BurstsPerEntity int
}

// MaxLocations is the number of distinct warehouses Generate knows.
const MaxLocations = 6

// DefaultCounts returns the default sizes.
func DefaultCounts() Counts {
	return Counts{
		Products: 200, Locations: 3, Customers: 100, Orders: 500,
		Companies: 40, Contacts: 150, Deals: 150, Days: 90,
		BurstSize: 25, BurstsPerEntity: 3,
	}
}

// withDefaults fills zero fields; Contacts defaults relative to Customers.
func (c Counts) withDefaults() Counts {
	d := DefaultCounts()
	if c.Contacts == 0 {
		n := c.Customers
		if n == 0 {
			n = d.Customers
		}
		c.Contacts = n + 50
	}
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&c.Products, d.Products)
	set(&c.Locations, d.Locations)
	set(&c.Customers, d.Customers)
	set(&c.Orders, d.Orders)
	set(&c.Companies, d.Companies)
	set(&c.Deals, d.Deals)
	set(&c.Days, d.Days)
	set(&c.BurstSize, d.BurstSize)
	set(&c.BurstsPerEntity, d.BurstsPerEntity)
	c.Locations = min(c.Locations, MaxLocations)
	return c
}

// Config selects a data set.
type Config struct {
	// Seed selects the data; the same Seed, Counts and End give the same
	// Catalog.
	Seed   uint64
	Counts Counts
	// End is the latest timestamp in the data set. Zero means today at
	// midnight UTC, so data generated on the same day is identical; tests
	// that compare data across days set it.
	End time.Time
}

// Generate builds the data set. It is fast (5,000 orders take about 30
// milliseconds) and never fails: counts below 1 take their defaults.
func Generate(cfg Config) *Catalog {
	c := cfg.Counts.withDefaults()
	end := cfg.End.UTC().Truncate(time.Second)
	if cfg.End.IsZero() {
		end = time.Now().UTC().Truncate(24 * time.Hour)
	}
	g := &generator{
		seed: cfg.Seed,
		c:    c,
		cat: &Catalog{
			Seed: cfg.Seed, Counts: c,
			Start:        end.Add(-time.Duration(c.Days) * 24 * time.Hour),
			End:          end,
			BaseCurrency: "USD",
			Bursts:       make(map[string][]time.Time),
		},
	}
	g.locations()
	g.products()
	g.inventory()
	g.companies()
	g.customers()
	g.orders()
	g.contacts()
	g.deals()
	g.businessPartners()
	return g.cat
}

// generator holds the state of one Generate call.
type generator struct {
	seed uint64
	c    Counts
	cat  *Catalog
}

// stream returns the random source of one entity kind, independent of the
// others.
func (g *generator) stream(kind uint64) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed, 0x5eed0000+kind))
}

// The stream ids; never renumber them, or every data set changes.
const (
	streamLocations uint64 = iota + 1
	streamProducts
	streamInventory
	streamCompanies
	streamCustomers
	streamOrders
	streamContacts
	streamDeals
	streamPartners
)
