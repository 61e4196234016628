package seed

import (
	"fmt"
	"math"
	"time"
)

var warehouses = []struct {
	code, name, country string
}{
	{"BER", "Berlin Fulfilment Center", "DE"},
	{"NWK", "Newark Distribution Center", "US"},
	{"OSA", "大阪倉庫 (Osaka Warehouse)", "JP"},
	{"LON", "London Docklands Store", "GB"},
	{"SAO", "Centro de Distribuição São Paulo", "BR"},
	{"LYS", "Entrepôt Lyon Saint-Exupéry", "FR"},
}

func (g *generator) locations() {
	r := g.stream(streamLocations)
	for i := range g.c.Locations {
		w := warehouses[i]
		c := countryByCode(w.country)
		addr := c.address(r, "", "", w.name)
		g.cat.Locations = append(g.cat.Locations, Location{ID: i + 1, Code: w.code, Name: w.name, Address: addr})
	}
}

type productKind struct {
	category, prefix string
	nouns            []string
	taxClass         TaxClass
	// priceMin and priceMax bound the list price in dollars.
	priceMin, priceMax float64
	// weightMin and weightMax bound the weight in kg.
	weightMin, weightMax float64
}

var productKinds = []productKind{
	{"Apparel", "APP", []string{"T-Shirt", "Hoodie", "Beanie", "Rain Jacket", "Socks", "Scarf"}, TaxStandard, 9, 180, 0.08, 1.2},
	{"Home & Kitchen", "HOM", []string{"Pour-Over Kettle", "Mug", "Chef's Knife", "Cutting Board", "Teapot", "Dutch Oven"}, TaxStandard, 12, 320, 0.3, 6.5},
	{"Outdoor", "OUT", []string{"Tent", "Sleeping Bag", "Trekking Poles", "Headlamp", "Water Bottle", "Daypack"}, TaxStandard, 15, 650, 0.1, 4.8},
	{"Books", "BOK", []string{"Cookbook", "Field Guide", "Atlas", "Notebook", "Sketchbook"}, TaxReduced, 6, 60, 0.2, 1.6},
	{"Pantry", "PAN", []string{"Coffee Beans", "Green Tea", "Olive Oil", "Dark Chocolate", "Honey", "Maple Syrup"}, TaxReduced, 4, 45, 0.1, 1.1},
	{"Gift Cards", "GFT", []string{"Gift Card"}, TaxZero, 25, 200, 0.01, 0.02},
}

var (
	adjectives = []string{"Classic", "Merino Wool", "Ceramic", "Recycled", "Organic", "Heritage", "Ultralight", "Café Crème", "Über Grip", "Nordic", "Crêpe", "Señorita", "Kyoto"}
	colours    = []struct{ code, name string }{
		{"BLK", "Black"}, {"WHT", "White"}, {"NVY", "Navy"}, {"OLV", "Olive"}, {"RED", "Red"}, {"SND", "Sand"}, {"GRY", "Grey"},
	}
	descriptions = []string{
		"Made to last, with materials chosen for everyday use.",
		"Designed in Berlin and produced in small batches.",
		"Ships plastic-free; the packaging is fully recyclable.",
		"A customer favourite since our first season.",
		"Backed by a two-year warranty and free repairs.",
		"Sourced from certified suppliers — traceable from origin to shelf.",
	}
)

func (g *generator) products() {
	r := g.stream(streamProducts)
	n := g.c.Products
	// The catalog is mostly built in the first quarter of the history, so
	// early orders have products to sell.
	created := createdTimes(r, n, g.cat.Start, g.cat.Start.Add(g.cat.End.Sub(g.cat.Start)/4))
	created[0] = g.cat.Start
	updated := g.updatedTimes(r, created)
	g.burst(r, "products", updated)
	g.cat.Products = make([]Product, n)
	for i := range n {
		k := pick(r, productKinds)
		noun := pick(r, k.nouns)
		col := pick(r, colours)
		name := fmt.Sprintf("%s %s", pick(r, adjectives), noun)
		if k.category == "Apparel" || k.category == "Outdoor" {
			name += " – " + col.name
		}
		price := k.priceMin + r.Float64()*(k.priceMax-k.priceMin)
		price = math.Floor(price) + pick(r, []float64{0.00, 0.49, 0.95, 0.99})
		priceCents := Money(math.Round(price * 100))
		id := i + 1
		g.cat.Products[i] = Product{
			ID:          id,
			SKU:         fmt.Sprintf("%s-%04d-%s", k.prefix, id, col.code),
			Name:        name,
			Description: fmt.Sprintf("%s. %s %s", name, pick(r, descriptions), pick(r, descriptions)),
			Category:    k.category,
			Price:       priceCents,
			Cost:        Money(math.Round(float64(priceCents) * (0.35 + 0.3*r.Float64()))),
			WeightKg:    math.Round((k.weightMin+r.Float64()*(k.weightMax-k.weightMin))*1000) / 1000,
			TaxClass:    k.taxClass,
			Active:      r.IntN(12) != 0,
			Barcode:     ean13(fmt.Sprintf("400%09d", id)),
			CreatedAt:   created[i],
			UpdatedAt:   updated[i],
		}
	}
}

// ean13 appends the check digit to a 12-digit number.
func ean13(d12 string) string {
	sum := 0
	for i, ch := range d12 {
		v := int(ch - '0')
		if i%2 == 1 {
			v *= 3
		}
		sum += v
	}
	return d12 + string(rune('0'+(10-sum%10)%10))
}

func (g *generator) inventory() {
	r := g.stream(streamInventory)
	n := len(g.cat.Products) * len(g.cat.Locations)
	g.cat.Inventory = make([]StockLevel, 0, n)
	updated := make([]time.Time, 0, n)
	for _, p := range g.cat.Products {
		for _, l := range g.cat.Locations {
			lvl := StockLevel{ProductID: p.ID, SKU: p.SKU, LocationCode: l.Code}
			if r.IntN(10) != 0 {
				lvl.OnHand = 1 + r.IntN(500)
				lvl.Committed = r.IntN(min(lvl.OnHand, 20) + 1)
			}
			g.cat.Inventory = append(g.cat.Inventory, lvl)
			updated = append(updated, between(r, p.CreatedAt, g.cat.End))
		}
	}
	g.burst(r, "inventory", updated)
	for i := range g.cat.Inventory {
		g.cat.Inventory[i].UpdatedAt = updated[i]
	}
}
