package model

// InventoryLevel is the stock of one SKU at one location.
type InventoryLevel struct {
	ExternalIDs ExternalIDs `json:"external_ids"`
	SKU         string      `json:"sku" jsonschema:"minLength=1"`
	// Location is the canonical location code (a Magento MSI source code,
	// translated by a lookup table); SourceLocation is the vendor's own id.
	Location       string    `json:"location" jsonschema:"minLength=1"`
	SourceLocation string    `json:"source_location,omitempty"`
	Quantity       Decimal   `json:"quantity" jsonschema_description:"Quantity available to sell; may be negative when oversold."`
	OnHand         Decimal   `json:"on_hand,omitempty"`
	InStock        bool      `json:"in_stock"`
	UpdatedAt      Timestamp `json:"updated_at"`
	Custom         Custom    `json:"custom,omitempty"`
}
