package model

// Product is a sellable item, keyed by SKU across systems.
type Product struct {
	ExternalIDs ExternalIDs `json:"external_ids"`
	SKU         string      `json:"sku" jsonschema:"minLength=1"`
	Name        string      `json:"name" jsonschema:"minLength=1"`
	Description string      `json:"description,omitempty"`
	// Type is the canonical product type: "simple" for a stocked item,
	// "virtual" for a non-inventory or service item.
	Type       string       `json:"type" jsonschema:"enum=simple,enum=virtual"`
	Active     bool         `json:"active"`
	Price      Decimal      `json:"price,omitempty"`
	Currency   CurrencyCode `json:"currency,omitempty"`
	Cost       Decimal      `json:"cost,omitempty"`
	Weight     Decimal      `json:"weight,omitempty"`
	WeightUnit string       `json:"weight_unit,omitempty" jsonschema:"enum=lb,enum=oz,enum=kg,enum=g"`
	Barcode    string       `json:"barcode,omitempty" jsonschema_description:"UPC/EAN/GTIN."`
	UpdatedAt  Timestamp    `json:"updated_at"`
	Custom     Custom       `json:"custom,omitempty"`
}
