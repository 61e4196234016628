package netsuite

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Record is one record instance of the simulated account.
//
// Fields hold body fields as decoded JSON values (string, float64, bool,
// map[string]any, []any). A reference to another record is a map with an
// "id" string ({"id": "42"}). Address subrecords are maps. Sublists hold
// their lines in order; each line is a map of line fields.
type Record struct {
	Type       string
	ID         int64
	ExternalID string
	Fields     map[string]any
	Sublists   map[string][]map[string]any
	Created    time.Time
	Modified   time.Time // second precision, as NetSuite keeps it
}

// DataSet is the content of the simulated account, restored by Reset.
type DataSet struct {
	Records []Record
}

func (r *Record) clone() *Record {
	c := *r
	c.Fields = deepCopyMap(r.Fields)
	c.Sublists = make(map[string][]map[string]any, len(r.Sublists))
	for k, lines := range r.Sublists {
		cl := make([]map[string]any, len(lines))
		for i, l := range lines {
			cl[i] = deepCopyMap(l)
		}
		c.Sublists[k] = cl
	}
	return &c
}

func deepCopyMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = deepCopy(v)
	}
	return c
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return deepCopyMap(x)
	case []any:
		c := make([]any, len(x))
		for i, e := range x {
			c[i] = deepCopy(e)
		}
		return c
	default:
		return v
	}
}

// typeTable holds the records of one type.
type typeTable struct {
	recs   map[int64]*Record
	byExt  map[string]int64
	sorted []int64 // ids in ascending order; nil when stale
}

// store is the account's records. Readers take snapshots under the read
// lock; version changes on every write so query results can be cached.
type store struct {
	mu      sync.RWMutex
	seed    *DataSet
	tables  map[string]*typeTable
	nextID  map[string]int64 // next internal id per record family
	version uint64
}

func newStore(seed *DataSet) *store {
	s := &store{seed: seed}
	s.reset()
	return s
}

func (s *store) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tables = map[string]*typeTable{}
	for name := range recordTypes {
		s.tables[name] = &typeTable{recs: map[int64]*Record{}, byExt: map[string]int64{}}
	}
	s.nextID = map[string]int64{}
	if s.seed != nil {
		for i := range s.seed.Records {
			r := s.seed.Records[i].clone()
			t := s.tables[r.Type]
			if t == nil {
				continue // unreachable: New validated the types
			}
			computeTotals(recordTypes[r.Type], r)
			t.recs[r.ID] = r
			if r.ExternalID != "" {
				t.byExt[r.ExternalID] = r.ID
			}
			if fam := recordTypes[r.Type].family; r.ID >= s.nextID[fam] {
				s.nextID[fam] = r.ID + 1
			}
		}
	}
	s.version++
}

// get returns a copy of the record of type typ addressed by ref: an internal
// id ("42") or an external id ("eid:SO-1001").
func (s *store) get(typ, ref string) (*Record, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.lookup(typ, ref)
	if r == nil {
		return nil, false
	}
	return r.clone(), true
}

// peek returns the internal id of the record addressed by ref and the data
// version, without copying the record.
func (s *store) peek(typ, ref string) (int64, uint64, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.lookup(typ, ref)
	if r == nil {
		return 0, s.version, false
	}
	return r.ID, s.version, true
}

// getVersion is get that also returns the data version the copy was taken
// from.
func (s *store) getVersion(typ, ref string) (*Record, uint64, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.lookup(typ, ref)
	if r == nil {
		return nil, s.version, false
	}
	return r.clone(), s.version, true
}

// refName is the display name of the record of type t with internal id
// id, or "" when there is none.
func (s *store) refName(t *recordType, id string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.lookup(t.name, id)
	if r == nil {
		return ""
	}
	return refName(t, r)
}

// lookup finds a record under the lock held by the caller.
func (s *store) lookup(typ, ref string) *Record {
	t := s.tables[typ]
	if t == nil {
		return nil
	}
	if eid, ok := cutPrefix(ref, "eid:"); ok {
		id, found := t.byExt[eid]
		if !found {
			return nil
		}
		return t.recs[id]
	}
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil {
		return nil
	}
	return t.recs[id]
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):], true
	}
	return "", false
}

// ids returns the ids of type typ in ascending order.
func (s *store) ids(typ string) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[typ]
	if t.sorted == nil {
		t.sorted = make([]int64, 0, len(t.recs))
		for id := range t.recs {
			t.sorted = append(t.sorted, id)
		}
		sort.Slice(t.sorted, func(i, j int) bool { return t.sorted[i] < t.sorted[j] })
	}
	return t.sorted
}

// snapshot calls fn with every record of the given types under the read
// lock, with the store version. fn must not keep or modify the records.
func (s *store) snapshot(fn func(version uint64, tables map[string]*typeTable)) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	fn(s.version, s.tables)
}

func (s *store) currentVersion() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.version
}

// writeOp is one change to the store, applied under the write lock by
// store.write. It returns the id of the record it touched.
type writeOp func(tx *storeTx) (int64, *apiError)

// storeTx gives a writeOp access to the store while the lock is held.
type storeTx struct {
	s   *store
	now time.Time
}

func (s *store) write(now time.Time, op writeOp) (int64, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := op(&storeTx{s: s, now: now.UTC().Truncate(time.Second)})
	if err == nil {
		s.version++
	}
	return id, err
}

// nextID is the internal id the next record of type typ will get.
func (tx *storeTx) nextID(typ string) int64 {
	return max(tx.s.nextID[recordTypes[typ].family], 1)
}

func (tx *storeTx) lookup(typ, ref string) *Record { return tx.s.lookup(typ, ref) }

// insert stores a new record, giving it the next internal id.
func (tx *storeTx) insert(r *Record) *apiError {
	t := tx.s.tables[r.Type]
	if r.ExternalID != "" {
		if _, dup := t.byExt[r.ExternalID]; dup {
			return errorf(400, codeUserError, "Error while accessing resource: A %s with external ID %q already exists.", r.Type, r.ExternalID)
		}
	}
	r.ID = tx.nextID(r.Type)
	tx.s.nextID[recordTypes[r.Type].family] = r.ID + 1
	r.Created, r.Modified = tx.now, tx.now
	t.recs[r.ID] = r
	if r.ExternalID != "" {
		t.byExt[r.ExternalID] = r.ID
	}
	t.sorted = nil
	return nil
}

// replaceExternalID moves r's external id index entry to eid.
func (tx *storeTx) replaceExternalID(r *Record, eid string) *apiError {
	t := tx.s.tables[r.Type]
	if eid == r.ExternalID {
		return nil
	}
	if other, dup := t.byExt[eid]; dup && other != r.ID {
		return errorf(400, codeUserError, "Error while accessing resource: A %s with external ID %q already exists.", r.Type, eid)
	}
	if r.ExternalID != "" {
		delete(t.byExt, r.ExternalID)
	}
	r.ExternalID = eid
	if eid != "" {
		t.byExt[eid] = r.ID
	}
	return nil
}

func (tx *storeTx) remove(r *Record) {
	t := tx.s.tables[r.Type]
	delete(t.recs, r.ID)
	if r.ExternalID != "" {
		delete(t.byExt, r.ExternalID)
	}
	t.sorted = nil
}

// touch marks r as modified now.
func (tx *storeTx) touch(r *Record) { r.Modified = tx.now }

// refString returns the id of a stored reference value ({"id": "42"}).
func refString(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	return scalarString(m["id"])
}

// scalarString renders a JSON scalar as NetSuite would in a string context.
func scalarString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "T"
		}
		return "F"
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	default:
		return fmt.Sprint(x)
	}
}

// number reads a JSON number field, reporting whether it is one.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}
