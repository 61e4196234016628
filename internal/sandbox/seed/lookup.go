package seed

// IDs are dense and start at 1, so record n sits at index n-1. These
// lookups return nil for an id outside the data set.

// Product returns the product with the given ID.
func (c *Catalog) Product(id int) *Product { return at(c.Products, id) }

// Customer returns the customer with the given ID.
func (c *Catalog) Customer(id int) *Customer { return at(c.Customers, id) }

// Order returns the order with the given ID.
func (c *Catalog) Order(id int) *Order { return at(c.Orders, id) }

// Company returns the company with the given ID.
func (c *Catalog) Company(id int) *Company { return at(c.Companies, id) }

// Contact returns the contact with the given ID.
func (c *Catalog) Contact(id int) *Contact { return at(c.Contacts, id) }

// Location returns the location with the given code.
func (c *Catalog) Location(code string) *Location {
	for i := range c.Locations {
		if c.Locations[i].Code == code {
			return &c.Locations[i]
		}
	}
	return nil
}

func at[T any](xs []T, id int) *T {
	if id < 1 || id > len(xs) {
		return nil
	}
	return &xs[id-1]
}
