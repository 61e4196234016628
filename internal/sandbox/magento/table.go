package magento

import (
	"encoding/json"
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
	extra   func(*T, map[string]any) // adds derived searchable fields, may be nil
	known   map[string]bool          // fields that exist on the entity
	missing func(string) error       // the error for an unknown field
}

func newTable[K comparable, T any](extra func(*T, map[string]any), extraFields []string, missing func(string) error) *table[K, T] {
	known := map[string]bool{}
	var zero T
	rt := reflect.TypeOf(zero)
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			known[name] = true
		}
	}
	for _, f := range extraFields {
		known[f] = true
	}
	return &table[K, T]{rows: map[K]*T{}, flat: map[K]map[string]any{}, extra: extra, known: known, missing: missing}
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

// touch recomputes the searchable fields of k after an in-place change.
func (t *table[K, T]) touch(k K) {
	v := t.rows[k]
	raw, err := json.Marshal(v)
	if err != nil {
		// The records are plain structs of strings and numbers: a marshal
		// failure is a programming error.
		panic("magento sandbox: flattening record: " + err.Error())
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		panic("magento sandbox: flattening record: " + err.Error())
	}
	for key, val := range m {
		switch val.(type) {
		case map[string]any, []any:
			delete(m, key)
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

// search evaluates sc over the table.
func (t *table[K, T]) search(sc searchCriteria, defaultPageSize int) (searchResult, error) {
	rows := make([]searchable, len(t.keys))
	for i, k := range t.keys {
		rows[i] = searchable{fields: t.flat[k], item: t.rows[k]}
	}
	return evalSearch(rows, sc, func(f string) bool { return t.known[f] }, t.missing, defaultPageSize)
}
