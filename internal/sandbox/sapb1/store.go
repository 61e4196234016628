package sapb1

import (
	"sort"
	"strconv"
)

// entitySet holds the records of one entity set, in key order (the order
// the Service Layer returns without $orderby).
type entitySet struct {
	def   *entityDef
	byKey map[string]entity
	keys  []string
}

// store holds the company database. It is not safe for concurrent use: the
// Vendor's mutex guards it. While a $batch changeset runs, a journal
// records the previous state of everything changed, so a failed changeset
// rolls back as a whole.
type store struct {
	sets    map[string]*entitySet
	nextDoc map[string]int // next DocEntry (and DocNum) per document set
	journal *journal
}

type journalEntry struct {
	set, key string
	prev     entity // nil when the record did not exist
}

type journal struct {
	entries []journalEntry
	seen    map[string]bool
	nextDoc map[string]int
}

func newStore() *store {
	s := &store{sets: map[string]*entitySet{}, nextDoc: map[string]int{}}
	for _, name := range entitySetNames {
		s.sets[name] = &entitySet{def: entitySets[name], byKey: map[string]entity{}}
		if entitySets[name].keyKind == edmInt32 {
			s.nextDoc[name] = 1
		}
	}
	return s
}

// keyString is the map key of a record's key value.
func keyString(def *entityDef, e entity) string {
	switch k := e[def.key].(type) {
	case int:
		return strconv.Itoa(k)
	case string:
		return k
	}
	return ""
}

func (s *store) get(set, key string) (entity, bool) {
	e, ok := s.sets[set].byKey[key]
	return e, ok
}

// put stores a record under its key, journaling the previous state.
func (s *store) put(set string, e entity) {
	es := s.sets[set]
	key := keyString(es.def, e)
	s.remember(set, key)
	if _, exists := es.byKey[key]; !exists {
		i := sort.Search(len(es.keys), func(i int) bool { return keyLess(es.def, key, es.keys[i]) })
		es.keys = append(es.keys, "")
		copy(es.keys[i+1:], es.keys[i:])
		es.keys[i] = key
	}
	es.byKey[key] = e
	if es.def.keyKind == edmInt32 {
		if n, _ := strconv.Atoi(key); n >= s.nextDoc[set] {
			s.nextDoc[set] = n + 1
		}
	}
}

// remove deletes a record, journaling it.
func (s *store) remove(set, key string) {
	es := s.sets[set]
	if _, ok := es.byKey[key]; !ok {
		return
	}
	s.remember(set, key)
	delete(es.byKey, key)
	for i, k := range es.keys {
		if k == key {
			es.keys = append(es.keys[:i], es.keys[i+1:]...)
			break
		}
	}
}

func keyLess(def *entityDef, a, b string) bool {
	if def.keyKind == edmInt32 {
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return x < y
	}
	return a < b
}

// remember journals the state of a record before its first change in the
// running changeset.
func (s *store) remember(set, key string) {
	j := s.journal
	if j == nil || j.seen[set+"\x00"+key] {
		return
	}
	j.seen[set+"\x00"+key] = true
	var prev entity
	if e, ok := s.sets[set].byKey[key]; ok {
		prev = deepCopy(e)
	}
	j.entries = append(j.entries, journalEntry{set, key, prev})
}

// begin starts journaling for a changeset.
func (s *store) begin() {
	next := make(map[string]int, len(s.nextDoc))
	for k, v := range s.nextDoc {
		next[k] = v
	}
	s.journal = &journal{seen: map[string]bool{}, nextDoc: next}
}

// commit keeps the changeset's changes.
func (s *store) commit() { s.journal = nil }

// rollback undoes every change since begin, newest first.
func (s *store) rollback() {
	j := s.journal
	s.journal = nil
	for i := len(j.entries) - 1; i >= 0; i-- {
		e := j.entries[i]
		if e.prev == nil {
			s.remove(e.set, e.key)
		} else {
			s.put(e.set, e.prev)
		}
	}
	s.nextDoc = j.nextDoc
}

// clone copies the store, for Reset to keep a pristine seeded copy.
func (s *store) clone() *store {
	out := newStore()
	for name, es := range s.sets {
		dst := out.sets[name]
		dst.keys = append([]string(nil), es.keys...)
		for k, e := range es.byKey {
			dst.byKey[k] = deepCopy(e)
		}
	}
	for k, v := range s.nextDoc {
		out.nextDoc[k] = v
	}
	return out
}
