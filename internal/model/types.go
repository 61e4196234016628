package model

import "github.com/invopop/jsonschema"

// Patterns of the canonical scalar formats, shared by the JSON Schemas and
// the documentation.
const (
	decimalPattern   = `^-?[0-9]+(\.[0-9]+)?$`
	timestampPattern = `^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$`
	datePattern      = `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`
	countryPattern   = `^[A-Z]{2}$`
	currencyPattern  = `^[A-Z]{3}$`
)

// Decimal is an exact decimal number written as a string: an optional minus
// sign, digits, and an optional fraction ("12", "-0.5", "19.990"). No
// exponent, no thousands separators.
type Decimal string

// JSONSchema describes Decimal as a pattern-checked string.
func (Decimal) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Type:        "string",
		Pattern:     decimalPattern,
		Description: "Exact decimal number as a string, e.g. \"19.99\"; never a JSON number.",
		Examples:    []any{"19.99", "0", "-5.25"},
	}
}

// Timestamp is an instant in RFC 3339 form in UTC, with a trailing "Z".
type Timestamp string

// JSONSchema describes Timestamp as a UTC RFC 3339 string.
func (Timestamp) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Type:        "string",
		Format:      "date-time",
		Pattern:     timestampPattern,
		Description: "RFC 3339 timestamp in UTC, e.g. \"2026-03-01T09:30:00Z\".",
	}
}

// Date is a calendar date, "YYYY-MM-DD", with no time zone.
type Date string

// JSONSchema describes Date as an RFC 3339 full-date.
func (Date) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Type:        "string",
		Format:      "date",
		Pattern:     datePattern,
		Description: "Calendar date, \"YYYY-MM-DD\".",
	}
}

// CountryCode is an ISO 3166-1 alpha-2 code in upper case ("US", "DE").
type CountryCode string

// JSONSchema describes CountryCode.
func (CountryCode) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Type:        "string",
		Pattern:     countryPattern,
		Description: "ISO 3166-1 alpha-2 country code, e.g. \"US\".",
	}
}

// CurrencyCode is an ISO 4217 alphabetic code in upper case ("USD", "EUR").
type CurrencyCode string

// JSONSchema describes CurrencyCode.
func (CurrencyCode) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Type:        "string",
		Pattern:     currencyPattern,
		Description: "ISO 4217 currency code, e.g. \"USD\".",
	}
}

// ExternalIDs maps a system name ("magento", "netsuite", "hubspot",
// "sap_b1") to the entity's identifier in that system. The source system's
// id is always present; target ids are added as targets answer.
type ExternalIDs map[string]string

// JSONSchema describes ExternalIDs: string values keyed by snake_case
// system names.
func (ExternalIDs) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Type:                 "object",
		Description:          "Identifiers of this entity keyed by system name, e.g. {\"magento\": \"1042\"}; never empty.",
		MinProperties:        ptr(uint64(1)),
		PropertyNames:        &jsonschema.Schema{Type: "string", Pattern: `^[a-z][a-z0-9_]*$`},
		AdditionalProperties: &jsonschema.Schema{Type: "string", MinLength: ptr(uint64(1))},
	}
}

// Custom holds deployment-specific fields that the canonical model does not
// name (a NetSuite custom body field, a Magento extension attribute). Keys
// are free-form; values are any JSON.
type Custom map[string]any

// JSONSchema describes Custom as an open object.
func (Custom) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Type:                 "object",
		Description:          "Deployment-specific fields not named by the canonical model.",
		AdditionalProperties: jsonschema.TrueSchema,
	}
}

func ptr[T any](v T) *T { return &v }
