package hubspot

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// PropObjectID is the property holding an object's id; it has unique
// values and is the default id property of reads and updates.
const PropObjectID = "hs_object_id"

// ObjectType describes one CRM object type as datawald reads and writes it.
type ObjectType struct {
	// Name is the path name ("contacts").
	Name string
	// TxType is the canonical entity name (sync-task tx_type).
	TxType string
	// ModifiedProperty is the last-modified datetime property, the
	// incremental cursor: lastmodifieddate for contacts,
	// hs_lastmodifieddate for the other objects.
	ModifiedProperty string
}

// ReadOnlyProperties are properties HubSpot maintains itself; writes
// never send them.
func (t ObjectType) ReadOnlyProperties() []string {
	return []string{PropObjectID, "createdate", "lastmodifieddate", "hs_lastmodifieddate"}
}

var objectTypes = map[string]ObjectType{
	"contacts":  {Name: "contacts", TxType: "customer", ModifiedProperty: "lastmodifieddate"},
	"companies": {Name: "companies", TxType: "company", ModifiedProperty: "hs_lastmodifieddate"},
	"deals":     {Name: "deals", TxType: "deal", ModifiedProperty: "hs_lastmodifieddate"},
	"products":  {Name: "products", TxType: "product", ModifiedProperty: "hs_lastmodifieddate"},
}

// LookupObjectType returns the ObjectType of a path name.
func LookupObjectType(name string) (ObjectType, bool) {
	t, ok := objectTypes[name]
	return t, ok
}

// ObjectTypeNames lists the supported object types, sorted.
func ObjectTypeNames() []string {
	names := make([]string, 0, len(objectTypes))
	for n := range objectTypes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Object is HubSpot's SimplePublicObject: the id, property values (nil for
// a requested property without a value), and timestamps. Raw is the object
// as HubSpot sent it.
type Object struct {
	ID         string             `json:"id"`
	Properties map[string]*string `json:"properties"`
	CreatedAt  time.Time          `json:"createdAt"`
	UpdatedAt  time.Time          `json:"updatedAt"`
	Archived   bool               `json:"archived"`
	Raw        json.RawMessage    `json:"-"`
}

// Property returns a property's value and whether it has one.
func (o Object) Property(name string) (string, bool) {
	v, ok := o.Properties[name]
	if !ok || v == nil {
		return "", false
	}
	return *v, true
}

// decodeObject decodes raw into an Object keeping raw.
func decodeObject(raw json.RawMessage) (Object, error) {
	var o Object
	if err := json.Unmarshal(raw, &o); err != nil {
		return Object{}, err
	}
	if o.ID == "" {
		return Object{}, fmt.Errorf("object has no id")
	}
	o.Raw = raw
	return o, nil
}

// ParseDateTime reads a datetime property value as HubSpot writes it (ISO
// 8601 in UTC with milliseconds) or as epoch milliseconds.
func ParseDateTime(s string) (time.Time, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither an ISO 8601 datetime nor epoch milliseconds", s)
	}
	return t.UTC(), nil
}

// epochMillis renders t as the epoch milliseconds HubSpot filters take.
func epochMillis(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
