package model

// Fulfillment is a shipment of some or all of an order's lines.
type Fulfillment struct {
	ExternalIDs ExternalIDs `json:"external_ids"`
	Number      string      `json:"number,omitempty"`
	// OrderExternalIDs identifies the fulfilled order in each system it is
	// known to; the target needs its own id here.
	OrderExternalIDs ExternalIDs       `json:"order_external_ids"`
	OrderNumber      string            `json:"order_number,omitempty"`
	Status           string            `json:"status" jsonschema:"enum=picked,enum=packed,enum=shipped"`
	ShippedAt        Timestamp         `json:"shipped_at,omitempty"`
	Location         string            `json:"location,omitempty"`
	Lines            []FulfillmentLine `json:"lines" jsonschema:"minItems=1"`
	Tracking         []Tracking        `json:"tracking,omitempty"`
	Notify           bool              `json:"notify,omitempty" jsonschema_description:"Ask the target to notify the customer."`
	UpdatedAt        Timestamp         `json:"updated_at"`
	Custom           Custom            `json:"custom,omitempty"`
}

// FulfillmentLine is a quantity of one order line that shipped.
type FulfillmentLine struct {
	SKU                  string      `json:"sku" jsonschema:"minLength=1"`
	Quantity             Decimal     `json:"quantity"`
	OrderLineExternalIDs ExternalIDs `json:"order_line_external_ids,omitempty" jsonschema_description:"Ids of the order line this ships, per system."`
}

// Tracking is one parcel's tracking information.
type Tracking struct {
	Number  string `json:"number" jsonschema:"minLength=1"`
	Carrier string `json:"carrier" jsonschema:"minLength=1" jsonschema_description:"Canonical carrier code, e.g. ups, fedex, usps, dhl, custom."`
	Title   string `json:"title,omitempty" jsonschema_description:"Carrier or service name for display."`
	URL     string `json:"url,omitempty" jsonschema:"format=uri"`
}
