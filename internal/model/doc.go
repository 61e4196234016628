// Package model holds datawald's canonical entities: the system-neutral shape
// every source mapping produces and every target mapping consumes. One
// message on the backbone carries one entity as JSON.
//
// Entities: Order, Customer, Product, InventoryLevel, Fulfillment and
// Invoice. Each carries ExternalIDs (system name → the entity's id in that
// system, e.g. {"magento": "1042", "netsuite": "8812"}) and a Custom map for
// deployment-specific fields that the canonical shape does not name.
//
// Money and quantities are decimal strings ("19.99", "-5", "0.3333"), never
// JSON numbers: float64 cannot hold 0.1 exactly, and a sum of line totals
// must equal the order total to the cent after any number of hops. Mappings
// produce them with the decimal_* and money methods of package bloblang;
// consumers parse them with math/big or a decimal type. Amounts are in the
// entity's currency (ISO 4217 code); the number of fraction digits is that
// of the source system and is not padded.
//
// Timestamps are RFC 3339 in UTC ("2026-03-01T09:30:00Z"); dates without a
// time are "YYYY-MM-DD". Country codes are ISO 3166-1 alpha-2, region codes
// ISO 3166-2 subdivision codes without the country prefix ("CA", "BY").
//
// The JSON Schemas (draft 2020-12) are generated from these types with
// github.com/invopop/jsonschema: Schema returns one, Validate checks a
// document against one, and docs/schemas/ holds the generated files.
package model
