package model

// Customer is a person or company that buys.
type Customer struct {
	ExternalIDs ExternalIDs `json:"external_ids"`
	Email       string      `json:"email" jsonschema:"format=idn-email" jsonschema_description:"Lower-cased email address; the natural key across systems."`
	FirstName   string      `json:"first_name,omitempty"`
	LastName    string      `json:"last_name,omitempty"`
	Company     string      `json:"company,omitempty"`
	IsCompany   bool        `json:"is_company,omitempty" jsonschema_description:"True for a business customer rather than a person."`
	Phone       string      `json:"phone,omitempty" jsonschema_description:"E.164 when it could be normalised, else as given."`
	Group       string      `json:"group,omitempty" jsonschema_description:"Customer group or segment code."`
	TaxVAT      string      `json:"tax_vat,omitempty"`
	Addresses   []Address   `json:"addresses,omitempty"`
	CreatedAt   Timestamp   `json:"created_at,omitempty"`
	UpdatedAt   Timestamp   `json:"updated_at"`
	Custom      Custom      `json:"custom,omitempty"`
}
