package hubspot

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// timeLayout is how HubSpot writes datetime property values and the
// createdAt/updatedAt fields: UTC with milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z"

// record is one CRM object. Property values are strings, as HubSpot keeps
// and returns them.
type record struct {
	id         int64
	typ        *objectType
	props      map[string]string
	createdAt  time.Time
	updatedAt  time.Time
	archived   bool
	archivedAt time.Time
	// index holds the versions the search index knows, oldest first. A
	// version becomes searchable at its visibleAt, which trails the change
	// by the configured search lag.
	index []indexVersion
}

// indexVersion is a snapshot of a record as the search index holds it.
type indexVersion struct {
	visibleAt time.Time
	props     map[string]string
	updatedAt time.Time
	createdAt time.Time
	archived  bool
}

// store holds one portal's objects. It is not safe for concurrent use: the
// Vendor's mutex guards it.
type store struct {
	types   map[string]*objectType
	records map[string]map[int64]*record
	ids     map[string][]int64 // ascending, archived included
	// unique maps type → property → lower-cased value → id, for properties
	// with unique values.
	unique map[string]map[string]map[string]int64
	nextID map[string]int64
	assoc  associationStore
	lag    time.Duration
}

// idBase is the id range of each object type: object n of a type (the
// seed's ID n, or the n-th object created) has id idBase + n. Real HubSpot
// ids are large numbers too; separate ranges make sandbox ids easy to read
// and keep ids unique across types.
var idBase = map[string]int64{
	"contacts": 1_000_000, "companies": 2_000_000, "deals": 3_000_000,
	"products": 4_000_000, "line_items": 5_000_000,
}

func newStore(types map[string]*objectType, lag time.Duration) *store {
	s := &store{
		types:   types,
		records: map[string]map[int64]*record{},
		ids:     map[string][]int64{},
		unique:  map[string]map[string]map[string]int64{},
		nextID:  map[string]int64{},
		assoc:   associationStore{},
		lag:     lag,
	}
	for name, t := range types {
		s.records[name] = map[int64]*record{}
		s.nextID[name] = idBase[name] + 1
		s.unique[name] = map[string]map[string]int64{}
		for _, p := range t.uniqueProperties() {
			s.unique[name][p] = map[string]int64{}
		}
	}
	return s
}

// lookupType resolves a path segment to an object type. HubSpot accepts the
// plural name or the object type id ("0-1").
func (s *store) lookupType(name string) (*objectType, bool) {
	if t, ok := s.types[name]; ok {
		return t, true
	}
	for _, t := range s.types {
		if t.typeID == name {
			return t, true
		}
	}
	return nil, false
}

// get returns a live (not archived) record by id.
func (s *store) get(t *objectType, id string) (*record, bool) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil, false
	}
	r, ok := s.records[t.name][n]
	if !ok || r.archived {
		return nil, false
	}
	return r, true
}

// getBy returns a live record by id or, when idProperty is set, by the value
// of that unique property.
func (s *store) getBy(t *objectType, id, idProperty string) (*record, *apiError) {
	if idProperty == "" || idProperty == "hs_object_id" {
		r, ok := s.get(t, id)
		if !ok {
			return nil, nil
		}
		return r, nil
	}
	idx, ok := s.unique[t.name][idProperty]
	if !ok {
		return nil, validationError("%s is not a unique property of %s; idProperty must have unique values (unique properties: %s)",
			idProperty, t.name, strings.Join(t.uniqueProperties(), ", "))
	}
	n, ok := idx[strings.ToLower(id)]
	if !ok {
		return nil, nil
	}
	r := s.records[t.name][n]
	if r.archived {
		return nil, nil
	}
	return r, nil
}

// normalizeProperties validates input property values against the type and
// converts them to HubSpot's string form. Unknown and read-only properties
// fail the whole input, as the real API does.
func normalizeProperties(t *objectType, in map[string]any) (map[string]string, *apiError) {
	out := make(map[string]string, len(in))
	var invalid []invalidProperty
	names := make([]string, 0, len(in))
	for name := range in {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		def, ok := t.properties[name]
		if !ok {
			invalid = append(invalid, invalidProperty{name, "PROPERTY_DOESNT_EXIST", fmt.Sprintf("Property %q does not exist", name)})
			continue
		}
		if def.readOnly {
			invalid = append(invalid, invalidProperty{name, "READ_ONLY_VALUE", fmt.Sprintf("%q is a read only property; its value cannot be set.", name)})
			continue
		}
		value, err := propertyString(def.kind, in[name])
		if err != nil {
			invalid = append(invalid, invalidProperty{name, "INVALID_" + kindName(def.kind), fmt.Sprintf("%v was not a valid %s for property %q: %v", in[name], strings.ToLower(kindName(def.kind)), name, err)})
			continue
		}
		out[name] = value
	}
	if len(invalid) > 0 {
		return nil, propertyValidationError(invalid)
	}
	return out, nil
}

type invalidProperty struct{ name, code, message string }

// propertyValidationError builds HubSpot's "Property values were not valid"
// error, whose message embeds the per-property results as JSON.
func propertyValidationError(invalid []invalidProperty) *apiError {
	type result struct {
		IsValid bool   `json:"isValid"`
		Message string `json:"message"`
		Error   string `json:"error"`
		Name    string `json:"name"`
	}
	results := make([]result, len(invalid))
	e := validationError("")
	for i, p := range invalid {
		results[i] = result{false, p.message, p.code, p.name}
		e.Errors = append(e.Errors, errorDetail{
			Message: p.message,
			Code:    p.code,
			Context: map[string][]string{"propertyName": {p.name}},
		})
	}
	b, _ := json.Marshal(results)
	e.Message = "Property values were not valid: " + string(b)
	return e
}

func kindName(k propKind) string {
	switch k {
	case kindNumber:
		return "NUMBER"
	case kindDateTime:
		return "DATETIME"
	case kindEnum:
		return "OPTION"
	default:
		return "STRING"
	}
}

// propertyString converts a JSON input value to the stored string.
func propertyString(kind propKind, v any) (string, error) {
	var s string
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		s = x
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		s = strconv.FormatBool(x)
	default:
		return "", fmt.Errorf("unsupported JSON value of type %T", v)
	}
	if s == "" {
		return "", nil
	}
	switch kind {
	case kindNumber:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return "", fmt.Errorf("not a number")
		}
		return s, nil
	case kindDateTime:
		t, err := parseDateTime(s)
		if err != nil {
			return "", err
		}
		return t.UTC().Format(timeLayout), nil
	}
	return s, nil
}

// parseDateTime reads a datetime value as HubSpot accepts it: epoch
// milliseconds, an ISO 8601 timestamp, or a date.
func parseDateTime(s string) (time.Time, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not epoch milliseconds or an ISO 8601 date-time", s)
}

// checkUnique fails when a unique property value is already held by another
// live record. Contacts answer 409 with HubSpot's "Contact already exists"
// message.
func (s *store) checkUnique(t *objectType, props map[string]string, self int64) *apiError {
	for prop, idx := range s.unique[t.name] {
		v, ok := props[prop]
		if !ok || v == "" {
			continue
		}
		if other, taken := idx[strings.ToLower(v)]; taken && other != self {
			if t.name == "contacts" && prop == "email" {
				return newError(http.StatusConflict, categoryConflict, "Contact already exists. Existing ID: %d", other)
			}
			return newError(http.StatusConflict, categoryConflict,
				"A %s with %s %q already exists. Existing ID: %d", strings.ToLower(t.singular), prop, v, other)
		}
	}
	return nil
}

// create adds a record with already normalized properties.
func (s *store) create(t *objectType, props map[string]string, now time.Time) (*record, *apiError) {
	if err := s.checkUnique(t, props, 0); err != nil {
		return nil, err
	}
	r := s.insert(t, s.nextID[t.name], now)
	s.apply(r, props, now)
	return r, nil
}

// insert adds an empty record with the given id, which must be above every
// id of its type.
func (s *store) insert(t *objectType, id int64, created time.Time) *record {
	r := &record{id: id, typ: t, props: map[string]string{}, createdAt: created}
	s.nextID[t.name] = id + 1
	r.props["hs_object_id"] = strconv.FormatInt(r.id, 10)
	r.props["createdate"] = created.Format(timeLayout)
	s.records[t.name][r.id] = r
	s.ids[t.name] = append(s.ids[t.name], r.id)
	return r
}

// seedRecord loads a seeded record, created and last modified at the given
// times and already searchable. Properties with empty values are skipped.
func (s *store) seedRecord(t *objectType, id int64, props map[string]string, created, updated time.Time) *record {
	r := s.insert(t, id, created)
	clean := make(map[string]string, len(props))
	for k, v := range props {
		if v != "" {
			clean[k] = v
		}
	}
	s.apply(r, clean, updated)
	r.index[len(r.index)-1].visibleAt = updated
	return r
}

// update changes the given properties of a live record.
func (s *store) update(r *record, props map[string]string, now time.Time) *apiError {
	if err := s.checkUnique(r.typ, props, r.id); err != nil {
		return err
	}
	s.apply(r, props, now)
	return nil
}

// apply writes properties, bumps the modification time and queues the new
// version for the search index.
func (s *store) apply(r *record, props map[string]string, now time.Time) {
	for prop, idx := range s.unique[r.typ.name] {
		if v, ok := props[prop]; ok {
			if old := r.props[prop]; old != "" {
				delete(idx, strings.ToLower(old))
			}
			if v != "" {
				idx[strings.ToLower(v)] = r.id
			}
		}
	}
	for k, v := range props {
		if v == "" {
			delete(r.props, k)
			continue
		}
		r.props[k] = v
	}
	r.updatedAt = now
	r.props[r.typ.modifiedProp] = now.Format(timeLayout)
	s.reindex(r, now)
}

// archive moves a record to the recycle bin; it stays listable with
// archived=true and leaves the search index.
func (s *store) archive(r *record, now time.Time) {
	for prop, idx := range s.unique[r.typ.name] {
		if v := r.props[prop]; v != "" {
			delete(idx, strings.ToLower(v))
		}
	}
	r.archived = true
	r.archivedAt = now
	r.updatedAt = now
	s.assoc.removeObject(r.typ.name, r.id)
	s.reindex(r, now)
}

func (s *store) reindex(r *record, now time.Time) {
	// Keep only the newest version already visible plus the pending ones.
	keep := 0
	for i, v := range r.index {
		if !v.visibleAt.After(now) {
			keep = i
		}
	}
	r.index = append(r.index[keep:], indexVersion{
		visibleAt: now.Add(s.lag),
		props:     copyProps(r.props),
		updatedAt: r.updatedAt,
		createdAt: r.createdAt,
		archived:  r.archived,
	})
}

// indexed returns the version of r the search index serves at now.
func (r *record) indexed(now time.Time) (indexVersion, bool) {
	for i := len(r.index) - 1; i >= 0; i-- {
		if !r.index[i].visibleAt.After(now) {
			return r.index[i], true
		}
	}
	return indexVersion{}, false
}

func copyProps(p map[string]string) map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		out[k] = v
	}
	return out
}
