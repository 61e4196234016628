package netsuite

import (
	"strconv"
	"time"
)

// sqlColumn is one column of a SuiteQL table.
type sqlColumn struct {
	name string
	get  func(r *Record, loc *time.Location) sqlValue
}

// sqlTable is a SuiteQL table backed by records of the store.
type sqlTable struct {
	name    string
	types   []string                  // record types whose records are rows
	rows    func(r *Record) []*Record // rows of one record; nil means the record itself
	columns []sqlColumn
	index   map[string]int
}

func (t *sqlTable) column(name string) (int, bool) {
	i, ok := t.index[name]
	return i, ok
}

func field(name string) func(*Record, *time.Location) sqlValue {
	return func(r *Record, _ *time.Location) sqlValue { return jsonToSQL(r.Fields[name]) }
}

func refField(name string) func(*Record, *time.Location) sqlValue {
	return func(r *Record, _ *time.Location) sqlValue {
		id := refString(r.Fields[name])
		if id == "" {
			return sqlValue{}
		}
		return numOrString(id)
	}
}

func boolField(name string) func(*Record, *time.Location) sqlValue {
	return func(r *Record, _ *time.Location) sqlValue {
		b, _ := r.Fields[name].(bool)
		return boolVal(b)
	}
}

// dateField reads a "YYYY-MM-DD" body field as a date column.
func dateField(name string) func(*Record, *time.Location) sqlValue {
	return func(r *Record, loc *time.Location) sqlValue {
		s := scalarString(r.Fields[name])
		t, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			return sqlValue{}
		}
		return dateVal(t)
	}
}

func idCol(r *Record, _ *time.Location) sqlValue         { return numVal(float64(r.ID)) }
func modifiedCol(r *Record, _ *time.Location) sqlValue   { return dateTimeVal(r.Modified) }
func createdCol(r *Record, _ *time.Location) sqlValue    { return dateTimeVal(r.Created) }
func externalIDCol(r *Record, _ *time.Location) sqlValue { return optString(r.ExternalID) }

func optString(s string) sqlValue {
	if s == "" {
		return sqlValue{}
	}
	return strVal(s)
}

func numOrString(s string) sqlValue {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return numVal(f)
	}
	return strVal(s)
}

// jsonToSQL converts a stored JSON value to a SuiteQL value; references
// become their id, objects and arrays null.
func jsonToSQL(v any) sqlValue {
	switch x := v.(type) {
	case nil:
		return sqlValue{}
	case string:
		if x == "" {
			return sqlValue{}
		}
		return strVal(x)
	case float64:
		return numVal(x)
	case bool:
		return boolVal(x)
	case map[string]any:
		if id := scalarString(x["id"]); id != "" {
			return numOrString(id)
		}
	}
	return sqlValue{}
}

func newTable(name string, types []string, rows func(*Record) []*Record, cols ...sqlColumn) *sqlTable {
	t := &sqlTable{name: name, types: types, rows: rows, columns: cols, index: map[string]int{}}
	for i, c := range cols {
		t.index[c.name] = i
	}
	return t
}

// transactionStatus maps a record's status reference to the one-letter
// status SuiteQL shows in transaction.status.
func transactionStatus(r *Record, _ *time.Location) sqlValue {
	if m, ok := r.Fields["status"].(map[string]any); ok {
		return optString(scalarString(m["id"]))
	}
	return sqlValue{}
}

// suiteQLTables are the tables the simulator's SuiteQL can read: the ones
// the connectors use.
var suiteQLTables = map[string]*sqlTable{
	"transaction": newTable("transaction", []string{"salesOrder", "itemFulfillment", "invoice"}, nil,
		sqlColumn{"id", idCol},
		sqlColumn{"tranid", field("tranId")},
		sqlColumn{"type", func(r *Record, _ *time.Location) sqlValue { return strVal(recordTypes[r.Type].tranType) }},
		sqlColumn{"entity", refField("entity")},
		sqlColumn{"trandate", dateField("tranDate")},
		sqlColumn{"status", transactionStatus},
		sqlColumn{"currency", refField("currency")},
		sqlColumn{"foreigntotal", field("total")},
		sqlColumn{"memo", field("memo")},
		sqlColumn{"otherrefnum", field("otherRefNum")},
		sqlColumn{"createdfrom", refField("createdFrom")},
		sqlColumn{"email", field("email")},
		sqlColumn{"externalid", externalIDCol},
		sqlColumn{"createddate", createdCol},
		sqlColumn{"lastmodifieddate", modifiedCol},
	),
	"customer": newTable("customer", []string{"customer"}, nil,
		sqlColumn{"id", idCol},
		sqlColumn{"entityid", field("entityId")},
		sqlColumn{"companyname", field("companyName")},
		sqlColumn{"firstname", field("firstName")},
		sqlColumn{"lastname", field("lastName")},
		sqlColumn{"email", field("email")},
		sqlColumn{"phone", field("phone")},
		sqlColumn{"isperson", boolField("isPerson")},
		sqlColumn{"isinactive", boolField("isInactive")},
		sqlColumn{"currency", refField("currency")},
		sqlColumn{"externalid", externalIDCol},
		sqlColumn{"datecreated", createdCol},
		sqlColumn{"lastmodifieddate", modifiedCol},
	),
	"item": newTable("item", []string{"inventoryItem"}, nil,
		sqlColumn{"id", idCol},
		sqlColumn{"itemid", field("itemId")},
		sqlColumn{"displayname", field("displayName")},
		sqlColumn{"description", field("salesDescription")},
		sqlColumn{"itemtype", func(*Record, *time.Location) sqlValue { return strVal("InvtPart") }},
		sqlColumn{"upccode", field("upcCode")},
		sqlColumn{"baseprice", field("basePrice")},
		sqlColumn{"isinactive", boolField("isInactive")},
		sqlColumn{"externalid", externalIDCol},
		sqlColumn{"createddate", createdCol},
		sqlColumn{"lastmodifieddate", modifiedCol},
	),
	"location": newTable("location", []string{"location"}, nil,
		sqlColumn{"id", idCol},
		sqlColumn{"name", field("name")},
		sqlColumn{"isinactive", boolField("isInactive")},
		sqlColumn{"externalid", externalIDCol},
		sqlColumn{"lastmodifieddate", modifiedCol},
	),
	"transactionline": newTable("transactionline", []string{"salesOrder", "itemFulfillment", "invoice"}, transactionLineRows,
		sqlColumn{"uniquekey", func(r *Record, _ *time.Location) sqlValue {
			n, _ := number(r.Fields["line"])
			return numVal(float64(r.ID)*10_000 + n)
		}},
		sqlColumn{"transaction", field("transaction")},
		sqlColumn{"id", field("line")},
		sqlColumn{"linesequencenumber", field("line")},
		sqlColumn{"mainline", boolField("mainline")},
		sqlColumn{"taxline", func(*Record, *time.Location) sqlValue { return boolVal(false) }},
		sqlColumn{"item", refField("item")},
		sqlColumn{"quantity", field("quantity")},
		sqlColumn{"rate", field("rate")},
		sqlColumn{"netamount", field("netamount")},
		sqlColumn{"location", refField("location")},
		sqlColumn{"memo", field("memo")},
		sqlColumn{"linelastmodifieddate", modifiedCol},
	),
	// inventoryitemlocations has one row per item and location. Its
	// lastmodifieddate is the item's: a quantity change touches the item.
	"inventoryitemlocations": newTable("inventoryitemlocations", []string{"inventoryItem"}, inventoryRows,
		sqlColumn{"item", func(r *Record, _ *time.Location) sqlValue { return jsonToSQL(r.Fields["item"]) }},
		sqlColumn{"location", func(r *Record, _ *time.Location) sqlValue { return jsonToSQL(r.Fields["location"]) }},
		sqlColumn{"quantityonhand", field("quantityOnHand")},
		sqlColumn{"quantityavailable", field("quantityAvailable")},
		sqlColumn{"quantitycommitted", field("quantityCommitted")},
		sqlColumn{"quantityonorder", field("quantityOnOrder")},
		sqlColumn{"lastmodifieddate", modifiedCol},
	),
}

// transactionLineRows turns a transaction into its transactionline rows:
// the main line (mainline 'T', line 0, carrying the total) and one row per
// item line. As in NetSuite, quantities and net amounts of item lines on
// sales transactions (orders, fulfillments, invoices) are negative.
func transactionLineRows(r *Record) []*Record {
	lines := r.Sublists["item"]
	out := make([]*Record, 0, len(lines)+1)
	mk := func(f map[string]any) *Record {
		f["transaction"] = float64(r.ID)
		return &Record{Type: r.Type, ID: r.ID, Fields: f, Created: r.Created, Modified: r.Modified}
	}
	main := map[string]any{"line": 0.0, "mainline": true, "location": r.Fields["location"], "memo": r.Fields["memo"]}
	if total, ok := number(r.Fields["total"]); ok {
		main["netamount"] = total
	}
	out = append(out, mk(main))
	for i, l := range lines {
		f := map[string]any{"mainline": false, "item": l["item"], "location": l["location"], "memo": l["description"], "rate": l["rate"]}
		seq, ok := number(l["line"])
		if !ok {
			seq = float64(i + 1)
		}
		f["line"] = seq
		if q, ok := number(l["quantity"]); ok {
			f["quantity"] = -q
		}
		if a, ok := number(l["amount"]); ok {
			f["netamount"] = -a
		}
		out = append(out, mk(f))
	}
	return out
}

// inventoryRows turns an inventory item's locations sublist into rows.
func inventoryRows(r *Record) []*Record {
	lines := r.Sublists["locations"]
	out := make([]*Record, 0, len(lines))
	for _, l := range lines {
		f := map[string]any{"item": float64(r.ID)}
		for k, v := range l {
			f[k] = v
		}
		out = append(out, &Record{Type: r.Type, ID: r.ID, Fields: f, Created: r.Created, Modified: r.Modified})
	}
	return out
}
