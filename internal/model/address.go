package model

// Address is a postal address as it appears on an order or in a customer's
// address book.
type Address struct {
	// Type says what the address is used for: "billing", "shipping" or
	// "other" (an address-book entry with no role).
	Type        string      `json:"type" jsonschema:"enum=billing,enum=shipping,enum=other" jsonschema_description:"What the address is used for."`
	ExternalIDs ExternalIDs `json:"external_ids,omitempty"`
	FirstName   string      `json:"first_name,omitempty"`
	LastName    string      `json:"last_name,omitempty"`
	Company     string      `json:"company,omitempty"`
	// Street holds the street lines in order, at least one.
	Street      []string    `json:"street" jsonschema:"minItems=1" jsonschema_description:"Street lines, first line first."`
	City        string      `json:"city" jsonschema:"minLength=1"`
	Region      string      `json:"region,omitempty" jsonschema_description:"Region (state, province) name as written."`
	RegionCode  string      `json:"region_code,omitempty" jsonschema_description:"ISO 3166-2 subdivision code without the country prefix, e.g. \"CA\"."`
	PostalCode  string      `json:"postal_code,omitempty"`
	CountryCode CountryCode `json:"country_code"`
	Phone       string      `json:"phone,omitempty" jsonschema_description:"E.164 when it could be normalised, else as given."`
	Email       string      `json:"email,omitempty"`
	// DefaultBilling and DefaultShipping mark a customer's default
	// addresses; they are unused on orders.
	DefaultBilling  bool `json:"default_billing,omitempty"`
	DefaultShipping bool `json:"default_shipping,omitempty"`
}
