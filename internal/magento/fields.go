package magento

import (
	"sort"
)

// Resource describes how one entity kind is listed for incremental reads:
// its search route, the fields that carry its id and modification time in
// the items and in filters, and how it is named on the backbone.
type Resource struct {
	// Name is the input's entity option ("orders").
	Name string
	// Route is the search route ("/V1/orders").
	Route string
	// TxType is the canonical entity name (sync-task tx_type).
	TxType string
	// ItemIDField is the numeric id in an item ("entity_id", or "id" for
	// products and customers).
	ItemIDField string
	// FilterIDField is the same id as named in filters and sort orders
	// (products and customers expose "id" but filter on "entity_id").
	FilterIDField string
	// UpdatedField is the modification timestamp; empty means the entity
	// has none and is read as a full snapshot on every poll.
	UpdatedField string
	// SrcIDFields name the item fields joined with "/" into dw_src_id
	// (the natural key users recognise: increment_id, SKU, email...).
	SrcIDFields []string
	// SortFields orders a snapshot read when UpdatedField is empty.
	SortFields []string
}

// Incremental reports whether r is read by modification time.
func (r Resource) Incremental() bool { return r.UpdatedField != "" }

var resources = map[string]Resource{
	"orders": {
		Name: "orders", Route: "/V1/orders", TxType: "order",
		ItemIDField: "entity_id", FilterIDField: "entity_id", UpdatedField: "updated_at",
		SrcIDFields: []string{"increment_id"},
	},
	"invoices": {
		Name: "invoices", Route: "/V1/invoices", TxType: "invoice",
		ItemIDField: "entity_id", FilterIDField: "entity_id", UpdatedField: "updated_at",
		SrcIDFields: []string{"increment_id"},
	},
	"shipments": {
		Name: "shipments", Route: "/V1/shipments", TxType: "fulfillment",
		ItemIDField: "entity_id", FilterIDField: "entity_id", UpdatedField: "updated_at",
		SrcIDFields: []string{"increment_id"},
	},
	"customers": {
		Name: "customers", Route: "/V1/customers/search", TxType: "customer",
		ItemIDField: "id", FilterIDField: "entity_id", UpdatedField: "updated_at",
		SrcIDFields: []string{"id"},
	},
	"products": {
		Name: "products", Route: "/V1/products", TxType: "product",
		ItemIDField: "id", FilterIDField: "entity_id", UpdatedField: "updated_at",
		SrcIDFields: []string{"sku"},
	},
	"source_items": {
		Name: "source_items", Route: "/V1/inventory/source-items", TxType: "inventory",
		SrcIDFields: []string{"sku", "source_code"},
		SortFields:  []string{"sku", "source_code"},
	},
}

// LookupResource returns the Resource of an input entity name.
func LookupResource(name string) (Resource, bool) {
	r, ok := resources[name]
	return r, ok
}

// ResourceNames lists the readable entity names, sorted.
func ResourceNames() []string {
	names := make([]string, 0, len(resources))
	for n := range resources {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
