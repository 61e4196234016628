package magento

import (
	"reflect"
	"strings"
)

// table holds one entity's records in key order (insertion order, which is
// id order) together with the flattened fields searchCriteria filters and
// sorts on. Callers hold the vendor's lock; after changing a record in place
// they call touch so the search sees the change.
type table[K comparable, T any] struct {
	rows    map[K]*T
	keys    []K
	flat    map[K]map[string]any
	enc     map[K][]byte             // each record's JSON, kept current by touch
	extra   func(*T, map[string]any) // adds derived searchable fields, may be nil
	known   map[string]bool          // fields that exist on the entity
	missing func(string) error       // the error for an unknown field
	scalars []scalarField            // the top-level scalar fields, searchable
	renames map[string]string        // JSON name → column name searchCriteria uses
}

// column makes the JSON field name searchable as column instead: EAV
// entities (products, customers) answer "id" but filter and sort on their
// table's "entity_id", and "id" is an invalid attribute (magento2#7530).
func (t *table[K, T]) column(name, column string) {
	if t.renames == nil {
		t.renames = map[string]string{}
	}
	t.renames[name] = column
	delete(t.known, name)
	t.known[column] = true
}

// scalarField is a top-level string, number or bool field of a record, with
// the JSON name searchCriteria uses for it. Numbers are held as float64, as
// decoded JSON would hold them.
type scalarField struct {
	index     int
	name      string
	omitEmpty bool
}

func newTable[K comparable, T any](extra func(*T, map[string]any), extraFields []string, missing func(string) error) *table[K, T] {
	known := map[string]bool{}
	var zero T
	rt := reflect.TypeOf(zero)
	var scalars []scalarField
	for i := range rt.NumField() {
		f := rt.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		known[name] = true
		kind := f.Type.Kind()
		if kind == reflect.Pointer {
			kind = f.Type.Elem().Kind()
		}
		switch kind {
		case reflect.String, reflect.Int, reflect.Int64, reflect.Float64, reflect.Bool:
			scalars = append(scalars, scalarField{index: i, name: name, omitEmpty: strings.Contains(opts, "omitempty")})
		}
	}
	for _, f := range extraFields {
		known[f] = true
	}
	return &table[K, T]{rows: map[K]*T{}, flat: map[K]map[string]any{}, enc: map[K][]byte{}, extra: extra, known: known, missing: missing, scalars: scalars}
}

func (t *table[K, T]) len() int { return len(t.keys) }

func (t *table[K, T]) get(k K) (*T, bool) {
	v, ok := t.rows[k]
	return v, ok
}

// put inserts or replaces the record under k.
func (t *table[K, T]) put(k K, v *T) {
	if _, ok := t.rows[k]; !ok {
		t.keys = append(t.keys, k)
	}
	t.rows[k] = v
	t.touch(k)
}

// add inserts a record without indexing it; the caller touches it once it
// is complete (renderCatalog, which changes orders while it adds their
// invoices and shipments).
func (t *table[K, T]) add(k K, v *T) {
	if _, ok := t.rows[k]; !ok {
		t.keys = append(t.keys, k)
	}
	t.rows[k] = v
}

// touch recomputes the searchable fields and the JSON of k after an
// in-place change.
func (t *table[K, T]) touch(k K) {
	v := t.rows[k]
	raw, err := encodeJSON(v)
	if err != nil {
		// Records are plain structs of strings and numbers: failing to
		// encode one is a programming error.
		panic("magento sandbox: encoding record: " + err.Error())
	}
	t.enc[k] = raw
	m := make(map[string]any, len(t.scalars))
	rv := reflect.ValueOf(v).Elem()
	for _, f := range t.scalars {
		fv := rv.Field(f.index)
		if fv.Kind() == reflect.Pointer {
			if fv.IsNil() {
				continue
			}
			fv = fv.Elem()
		}
		switch fv.Kind() {
		case reflect.String:
			if s := fv.String(); s != "" || !f.omitEmpty {
				m[f.name] = s
			}
		case reflect.Int, reflect.Int64:
			m[f.name] = float64(fv.Int())
		case reflect.Float64:
			m[f.name] = fv.Float()
		case reflect.Bool:
			m[f.name] = fv.Bool()
		}
	}
	for from, to := range t.renames {
		if val, ok := m[from]; ok {
			delete(m, from)
			m[to] = val
		}
	}
	if t.extra != nil {
		t.extra(v, m)
	}
	t.flat[k] = m
}

// each calls fn for every record in key order.
func (t *table[K, T]) each(fn func(K, *T)) {
	for _, k := range t.keys {
		fn(k, t.rows[k])
	}
}

// encoded returns the JSON of k.
func (t *table[K, T]) encoded(k K) ([]byte, bool) {
	b, ok := t.enc[k]
	return b, ok
}

// search evaluates sc over the table; the result's items are the records'
// cached JSON ([]byte).
func (t *table[K, T]) search(sc searchCriteria, defaultPageSize int) (searchResult, error) {
	rows := make([]searchable, len(t.keys))
	for i, k := range t.keys {
		rows[i] = searchable{fields: t.flat[k], item: t.enc[k], pos: i}
	}
	return evalSearch(rows, sc, func(f string) bool { return t.known[f] }, t.missing, defaultPageSize)
}
