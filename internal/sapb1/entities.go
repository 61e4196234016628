package sapb1

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Entity is one Service Layer entity set the connectors read or write.
type Entity struct {
	// Set is the entity set ("Orders") and Type its entity type
	// ("Document").
	Set, Type string
	// Key is the key property: DocEntry (Edm.Int32) for documents,
	// CardCode or ItemCode (Edm.String) for master data.
	Key    string
	IntKey bool
	// TxType is the canonical entity type (dw_tx_type) of its records.
	TxType string
}

// The entity sets of the connectors.
var (
	Orders           = Entity{Set: "Orders", Type: "Document", Key: "DocEntry", IntKey: true, TxType: "order"}
	DeliveryNotes    = Entity{Set: "DeliveryNotes", Type: "Document", Key: "DocEntry", IntKey: true, TxType: "fulfillment"}
	BusinessPartners = Entity{Set: "BusinessPartners", Type: "BusinessPartner", Key: "CardCode", TxType: "customer"}
	Items            = Entity{Set: "Items", Type: "Item", Key: "ItemCode", TxType: "product"}
)

// Entities lists them in documentation order.
var Entities = []Entity{Orders, BusinessPartners, Items, DeliveryNotes}

// LookupEntity finds an entity set by name.
func LookupEntity(set string) (Entity, bool) {
	for _, e := range Entities {
		if e.Set == set {
			return e, true
		}
	}
	return Entity{}, false
}

// EntityNames lists the names LookupEntity knows.
func EntityNames() []string {
	names := make([]string, len(Entities))
	for i, e := range Entities {
		names[i] = e.Set
	}
	return names
}

// KeyLiteral is key as an OData literal of the key's type: 12 for
// DocEntry, 'C00042' (quotes doubled inside) for string keys. An integer
// key that is not a non-negative integer is an error naming the set.
func (e Entity) KeyLiteral(key string) (string, error) {
	if e.IntKey {
		n, err := strconv.ParseInt(key, 10, 32)
		if err != nil || n < 0 {
			return "", fmt.Errorf("%s key %s: %q is not a %s (a non-negative integer)", e.Set, e.Key, key, e.Key)
		}
		return strconv.FormatInt(n, 10), nil
	}
	if key == "" {
		return "", fmt.Errorf("%s key %s: must not be empty", e.Set, e.Key)
	}
	return StringLiteral(key), nil
}

// path is the record's address relative to the service root,
// percent-encoded: Orders(12), Items('A%2F1').
func (e Entity) path(key string) (string, error) {
	lit, err := e.KeyLiteral(key)
	if err != nil {
		return "", err
	}
	if !e.IntKey {
		lit = "'" + url.PathEscape(lit[1:len(lit)-1]) + "'"
	}
	return e.Set + "(" + lit + ")", nil
}

// StringLiteral is s as an OData string literal: quoted, with quotes
// doubled.
func StringLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
