package hubspot

import "sort"

// propKind is a HubSpot property type, which decides how search filters and
// sorts compare its values.
type propKind int

const (
	kindString propKind = iota
	kindNumber
	kindDateTime
	kindEnum
)

// property describes one property of an object type.
type property struct {
	kind     propKind
	readOnly bool
	unique   bool // "has unique values": usable as idProperty
}

// objectType describes one CRM object type the simulator serves.
type objectType struct {
	name         string // path name: "contacts"
	typeID       string // HubSpot object type id: "0-1"
	singular     string // as used in error messages: "CONTACT"
	modifiedProp string // lastmodifieddate for contacts, hs_lastmodifieddate otherwise
	defaults     []string
	properties   map[string]property
}

// The object types, in HubSpot's own naming. Properties are the standard
// ones a sync uses plus external_id, a custom property with unique values
// that the sandbox portal defines on companies, deals and line items so
// that batch upsert has an idProperty there (contacts use email, products
// hs_sku, which the sandbox portal has made unique).
var baseObjectTypes = map[string]*objectType{
	"contacts": {
		name: "contacts", typeID: "0-1", singular: "CONTACT", modifiedProp: "lastmodifieddate",
		defaults: []string{"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"},
		properties: map[string]property{
			"email": {unique: true}, "firstname": {}, "lastname": {}, "phone": {}, "company": {},
			"address": {}, "city": {}, "zip": {}, "state": {}, "country": {}, "jobtitle": {},
			"lifecyclestage": {kind: kindEnum}, "hs_language": {}, "mobilephone": {}, "website": {},
			"external_id": {},
		},
	},
	"companies": {
		name: "companies", typeID: "0-2", singular: "COMPANY", modifiedProp: "hs_lastmodifieddate",
		defaults: []string{"createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"},
		properties: map[string]property{
			"name": {}, "domain": {}, "website": {}, "description": {}, "phone": {}, "address": {}, "city": {}, "zip": {}, "state": {},
			"country": {}, "industry": {kind: kindEnum}, "numberofemployees": {kind: kindNumber},
			"annualrevenue": {kind: kindNumber}, "lifecyclestage": {kind: kindEnum}, "external_id": {unique: true},
		},
	},
	"deals": {
		name: "deals", typeID: "0-3", singular: "DEAL", modifiedProp: "hs_lastmodifieddate",
		defaults: []string{"amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate", "hs_object_id", "pipeline"},
		properties: map[string]property{
			"dealname": {}, "amount": {kind: kindNumber}, "dealstage": {kind: kindEnum},
			"pipeline": {kind: kindEnum}, "closedate": {kind: kindDateTime}, "deal_currency_code": {kind: kindEnum},
			"description": {}, "external_id": {unique: true},
		},
	},
	"products": {
		name: "products", typeID: "0-7", singular: "PRODUCT", modifiedProp: "hs_lastmodifieddate",
		defaults: []string{"createdate", "description", "hs_lastmodifieddate", "hs_object_id", "name", "price"},
		properties: map[string]property{
			"name": {}, "description": {}, "price": {kind: kindNumber}, "hs_sku": {unique: true},
			"hs_cost_of_goods_sold": {kind: kindNumber}, "hs_url": {}, "external_id": {},
		},
	},
	"line_items": {
		name: "line_items", typeID: "0-8", singular: "LINE_ITEM", modifiedProp: "hs_lastmodifieddate",
		defaults: []string{"createdate", "hs_lastmodifieddate", "hs_object_id", "hs_product_id", "name", "price", "quantity"},
		properties: map[string]property{
			"name": {}, "quantity": {kind: kindNumber}, "price": {kind: kindNumber}, "amount": {kind: kindNumber},
			"discount": {kind: kindNumber}, "hs_product_id": {kind: kindNumber}, "hs_sku": {},
			"hs_line_item_currency_code": {kind: kindEnum}, "external_id": {unique: true},
		},
	},
}

// objectTypeNames lists the served object types in a stable order.
var objectTypeNames = []string{"contacts", "companies", "deals", "products", "line_items"}

// newObjectTypes copies the base object types for one portal, adding the
// portal's custom string properties (object type name → property names).
func newObjectTypes(custom map[string][]string) map[string]*objectType {
	out := make(map[string]*objectType, len(baseObjectTypes))
	for name, base := range baseObjectTypes {
		t := *base
		t.properties = make(map[string]property, len(base.properties)+3)
		for p, def := range base.properties {
			t.properties[p] = def
		}
		for _, p := range custom[name] {
			if _, exists := t.properties[p]; !exists {
				t.properties[p] = property{}
			}
		}
		t.properties["hs_object_id"] = property{kind: kindNumber, readOnly: true, unique: true}
		t.properties["createdate"] = property{kind: kindDateTime, readOnly: true}
		t.properties[t.modifiedProp] = property{kind: kindDateTime, readOnly: true}
		out[name] = &t
	}
	return out
}

// uniqueProperties lists the properties usable as idProperty, sorted.
func (t *objectType) uniqueProperties() []string {
	var out []string
	for name, p := range t.properties {
		if p.unique {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
