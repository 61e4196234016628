package netsuite

import (
	"slices"
	"strings"
)

// Entity is a kind of record the netsuite input reads, with the SuiteQL
// table and filter that list it and the record type that expands it.
type Entity struct {
	// Name is the configuration name ("salesOrder", "inventory").
	Name string
	// RecordType is the record API type used to expand rows to full
	// records; empty for row-only entities.
	RecordType string
	// TxType is the canonical dw_tx_type.
	TxType string
	// Table and Filter select the rows (alias t).
	Table, Filter string
	// Keys are the columns that, after lastmodifieddate, order the rows
	// totally (the tie-break of the compound cursor).
	Keys []string
	// Columns are selected besides the keys and lastmodifieddate.
	Columns []string
	// JoinItemID adds each row's itemid, read from the item table (one
	// query per page: SuiteQL joins are left to the client so the same
	// queries run on every account).
	JoinItemID bool
}

// Entities are the entities the input reads.
var Entities = []Entity{
	{Name: "salesOrder", RecordType: "salesOrder", TxType: "order", Table: "transaction", Filter: "t.type = 'SalesOrd'", Keys: []string{"id"},
		Columns: []string{"tranid", "entity", "status", "foreigntotal", "currency", "otherrefnum", "externalid"}},
	{Name: "customer", RecordType: "customer", TxType: "customer", Table: "customer", Keys: []string{"id"},
		Columns: []string{"entityid", "companyname", "firstname", "lastname", "email", "phone", "isperson", "isinactive", "externalid"}},
	{Name: "inventoryItem", RecordType: "inventoryItem", TxType: "product", Table: "item", Filter: "t.itemtype = 'InvtPart'", Keys: []string{"id"},
		Columns: []string{"itemid", "displayname", "upccode", "baseprice", "isinactive", "externalid"}},
	{Name: "itemFulfillment", RecordType: "itemFulfillment", TxType: "fulfillment", Table: "transaction", Filter: "t.type = 'ItemShip'", Keys: []string{"id"},
		Columns: []string{"tranid", "entity", "status", "createdfrom", "externalid"}},
	{Name: "invoice", RecordType: "invoice", TxType: "invoice", Table: "transaction", Filter: "t.type = 'CustInvc'", Keys: []string{"id"},
		Columns: []string{"tranid", "entity", "status", "foreigntotal", "currency", "createdfrom", "externalid"}},
	{Name: "inventory", TxType: "inventory", Table: "inventoryitemlocations", Keys: []string{"item", "location"},
		Columns: []string{"quantityavailable", "quantityonhand", "quantitycommitted", "quantityonorder"}, JoinItemID: true},
}

// LookupEntity finds an entity by name.
func LookupEntity(name string) (Entity, bool) {
	i := slices.IndexFunc(Entities, func(e Entity) bool { return e.Name == name })
	if i < 0 {
		return Entity{}, false
	}
	return Entities[i], true
}

// EntityNames lists the entity names.
func EntityNames() []string {
	out := make([]string, len(Entities))
	for i, e := range Entities {
		out[i] = e.Name
	}
	return out
}

// selectList is the generated query's SELECT list: keys, the modification
// time as 'YYYY-MM-DD HH24:MI:SS' (SuiteQL shows datetimes in the user's
// date format without the time otherwise), and, unless the rows are only
// ids to expand, the entity's columns.
func (e Entity) selectList(idsOnly bool) string {
	cols := make([]string, 0, len(e.Keys)+len(e.Columns)+1)
	for _, k := range e.Keys {
		cols = append(cols, "t."+k)
	}
	cols = append(cols, "TO_CHAR(t.lastmodifieddate, '"+sqlTimeFormat+"') AS lastmodifieddate")
	if !idsOnly {
		for _, c := range e.Columns {
			cols = append(cols, "t."+c)
		}
	}
	return strings.Join(cols, ", ")
}
