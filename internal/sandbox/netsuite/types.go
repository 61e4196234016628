package netsuite

import "strings"

// sublistDef describes one sublist of a record type.
type sublistDef struct {
	// key is the line field that identifies a line. A PATCH line carrying a
	// key of an existing line updates that line; every other line is
	// appended, which is NetSuite's trap for clients that re-send lines.
	key string
	// refs maps line fields to the record type they reference.
	refs map[string]string
	// required are line fields a new line must set.
	required []string
}

// recordType describes one record type of the REST record API.
type recordType struct {
	name       string // as in URLs: "salesOrder"
	family     string // internal ids are unique within a family: "entity", "item", "transaction"...
	sublists   map[string]sublistDef
	subrecords []string          // address subrecords, rendered as links unless expanded
	refs       map[string]string // body field -> referenced record type
	required   []string          // body fields a create must set (first satisfied wins when alternatives)
	tranType   string            // SuiteQL transaction.type, for transactions
	tranPrefix string            // prefix of generated tranId values
	// filterable are the body fields a record collection q may filter on,
	// besides id, externalId, lastModifiedDate, createdDate and custom
	// fields (cust...).
	filterable []string
}

var (
	transactionFilterable = []string{"tranId", "tranDate", "entity", "status", "memo", "otherRefNum", "createdFrom", "email", "total", "currency", "location"}
	addressLineRefs       = map[string]string{}
	itemLine              = sublistDef{key: "line", refs: map[string]string{"item": "inventoryItem", "location": "location"}, required: []string{"item"}}
)

// recordTypes are the record types the simulator serves.
var recordTypes = map[string]*recordType{
	"customer": {
		name:       "customer",
		family:     "entity",
		sublists:   map[string]sublistDef{"addressBook": {key: "id", refs: addressLineRefs}},
		refs:       map[string]string{},
		required:   []string{"companyName|lastName"},
		filterable: []string{"entityId", "companyName", "firstName", "lastName", "email", "phone", "isPerson", "isInactive", "subsidiary", "currency"},
	},
	"inventoryItem": {
		name:       "inventoryItem",
		family:     "item",
		sublists:   map[string]sublistDef{"locations": {key: "location", refs: map[string]string{"location": "location"}, required: []string{"location"}}},
		refs:       map[string]string{},
		required:   []string{"itemId"},
		filterable: []string{"itemId", "displayName", "upcCode", "isInactive", "basePrice"},
	},
	"location": {
		name:       "location",
		family:     "location",
		sublists:   map[string]sublistDef{},
		refs:       map[string]string{},
		required:   []string{"name"},
		filterable: []string{"name", "isInactive"},
	},
	"salesOrder": {
		name:       "salesOrder",
		family:     "transaction",
		sublists:   map[string]sublistDef{"item": itemLine},
		subrecords: []string{"billingAddress", "shippingAddress"},
		refs:       map[string]string{"entity": "customer", "location": "location"},
		required:   []string{"entity"},
		tranType:   "SalesOrd",
		tranPrefix: "SO",
		filterable: transactionFilterable,
	},
	"itemFulfillment": {
		name:   "itemFulfillment",
		family: "transaction",
		sublists: map[string]sublistDef{
			"item":    itemLine,
			"package": {key: "", refs: map[string]string{}},
		},
		subrecords: []string{"shippingAddress"},
		refs:       map[string]string{"entity": "customer", "createdFrom": "salesOrder"},
		required:   []string{"createdFrom"},
		tranType:   "ItemShip",
		tranPrefix: "IF",
		filterable: transactionFilterable,
	},
	"invoice": {
		name:       "invoice",
		family:     "transaction",
		sublists:   map[string]sublistDef{"item": itemLine},
		subrecords: []string{"billingAddress", "shippingAddress"},
		refs:       map[string]string{"entity": "customer", "createdFrom": "salesOrder", "location": "location"},
		required:   []string{"entity"},
		tranType:   "CustInvc",
		tranPrefix: "INV",
		filterable: transactionFilterable,
	},
}

// lookupType finds a record type by its URL name, case-insensitively as
// NetSuite does ("salesorder" and "salesOrder" are the same type).
func lookupType(name string) (*recordType, bool) {
	if t, ok := recordTypes[name]; ok {
		return t, true
	}
	for k, t := range recordTypes {
		if strings.EqualFold(k, name) {
			return t, true
		}
	}
	return nil, false
}

// isSubrecord reports whether field is an address subrecord of t.
func (t *recordType) isSubrecord(field string) bool {
	for _, s := range t.subrecords {
		if s == field {
			return true
		}
	}
	return false
}

// ignoredOnWrite are fields NetSuite computes; values sent for them are
// dropped.
var ignoredOnWrite = map[string]bool{
	"id": true, "links": true, "refName": true, "lastModifiedDate": true, "createdDate": true,
}
