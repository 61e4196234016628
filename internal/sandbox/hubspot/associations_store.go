package hubspot

import "sort"

// associationType is one typed edge label, as v4 returns it in
// associationTypes: {category, typeId, label}.
type associationType struct {
	Category string  `json:"category"`
	TypeID   int     `json:"typeId"`
	Label    *string `json:"label"`
}

// associationDef is a HUBSPOT_DEFINED association type between two object
// types, with the id of the same edge read in the other direction.
type associationDef struct {
	from, to  string
	typeID    int
	inverseID int
	label     string // "" for the unlabeled default, "Primary" for primary
}

// hubspotDefined lists the HUBSPOT_DEFINED association types between the
// object types the simulator serves. The first entry for a pair is its
// unlabeled default, used by "associate default" endpoints.
var hubspotDefined = []associationDef{
	{"contacts", "companies", 279, 280, ""},
	{"contacts", "companies", 1, 2, "Primary"},
	{"companies", "contacts", 280, 279, ""},
	{"companies", "contacts", 2, 1, "Primary"},
	{"deals", "contacts", 3, 4, ""},
	{"contacts", "deals", 4, 3, ""},
	{"deals", "companies", 341, 342, ""},
	{"deals", "companies", 5, 6, "Primary"},
	{"companies", "deals", 342, 341, ""},
	{"companies", "deals", 6, 5, "Primary"},
	{"line_items", "deals", 20, 19, ""},
	{"deals", "line_items", 19, 20, ""},
}

const categoryHubSpotDefined = "HUBSPOT_DEFINED"

// lookupAssociationDef finds a HUBSPOT_DEFINED type by pair and id.
func lookupAssociationDef(from, to string, typeID int) (associationDef, bool) {
	for _, d := range hubspotDefined {
		if d.from == from && d.to == to && d.typeID == typeID {
			return d, true
		}
	}
	return associationDef{}, false
}

// defaultAssociationDef is the unlabeled type for a pair.
func defaultAssociationDef(from, to string) (associationDef, bool) {
	for _, d := range hubspotDefined {
		if d.from == from && d.to == to && d.label == "" {
			return d, true
		}
	}
	return associationDef{}, false
}

func (d associationDef) asType() associationType {
	t := associationType{Category: categoryHubSpotDefined, TypeID: d.typeID}
	if d.label != "" {
		label := d.label
		t.Label = &label
	}
	return t
}

type edgeKey struct {
	fromType string
	fromID   int64
	toType   string
}

// associationStore keeps directed edges: (from type, from id, to type) →
// to id → type ids. Every edge is stored in both directions.
type associationStore map[edgeKey]map[int64][]int

// add records an edge of the given type and its inverse.
func (a associationStore) add(d associationDef, fromID, toID int64) {
	a.addDirected(edgeKey{d.from, fromID, d.to}, toID, d.typeID)
	a.addDirected(edgeKey{d.to, toID, d.from}, fromID, d.inverseID)
}

func (a associationStore) addDirected(k edgeKey, to int64, typeID int) {
	m := a[k]
	if m == nil {
		m = map[int64][]int{}
		a[k] = m
	}
	for _, t := range m[to] {
		if t == typeID {
			return
		}
	}
	m[to] = append(m[to], typeID)
	sort.Ints(m[to])
}

// remove deletes every edge between two objects, both directions.
func (a associationStore) remove(fromType string, fromID int64, toType string, toID int64) {
	delete(a[edgeKey{fromType, fromID, toType}], toID)
	delete(a[edgeKey{toType, toID, fromType}], fromID)
}

// removeObject deletes every edge touching an object, as archiving does.
func (a associationStore) removeObject(typ string, id int64) {
	for k, m := range a {
		if k.fromType == typ && k.fromID == id {
			for to := range m {
				delete(a[edgeKey{k.toType, to, typ}], id)
			}
			delete(a, k)
		}
	}
}

// targets lists the ids an object is associated with, ascending, with the
// types of each edge.
func (a associationStore) targets(fromType string, fromID int64, toType string) ([]int64, map[int64][]int) {
	m := a[edgeKey{fromType, fromID, toType}]
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids, m
}

// typesFor renders the type ids of one edge as v4 associationTypes.
func typesFor(from, to string, typeIDs []int) []associationType {
	out := make([]associationType, 0, len(typeIDs))
	for _, id := range typeIDs {
		if d, ok := lookupAssociationDef(from, to, id); ok {
			out = append(out, d.asType())
			continue
		}
		out = append(out, associationType{Category: "USER_DEFINED", TypeID: id})
	}
	return out
}
