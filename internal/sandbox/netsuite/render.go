package netsuite

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"
)

// marshalJSON encodes v as writeJSON does.
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return b.Bytes(), err
}

// renderCache keeps rendered record bodies of the current data version;
// any write makes them stale. It holds at most max bodies.
type renderCache struct {
	mu      sync.Mutex
	max     int
	version uint64
	bodies  map[string][]byte
}

func (c *renderCache) get(key string, version uint64) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if version != c.version {
		return nil, false
	}
	b, ok := c.bodies[key]
	return b, ok
}

func (c *renderCache) put(key string, version uint64, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if version != c.version || len(c.bodies) >= c.max || c.bodies == nil {
		if version < c.version {
			return // rendered from older data than the cache holds
		}
		c.version, c.bodies = version, map[string][]byte{}
	}
	c.bodies[key] = body
}

// render is the REST representation of a record.
func (v *Vendor) render(base string, t *recordType, rec *Record, expand bool, fields map[string]bool) map[string]any {
	self := recordURL(base, t, rec.ID)
	out := map[string]any{
		"links": selfLinks(self),
		"id":    strconv.FormatInt(rec.ID, 10),
	}
	want := func(f string) bool { return fields == nil || fields[f] }
	if rec.ExternalID != "" && want("externalId") {
		out["externalId"] = rec.ExternalID
	}
	if want("lastModifiedDate") {
		out["lastModifiedDate"] = rec.Modified.UTC().Format(time.RFC3339)
	}
	if want("createdDate") {
		out["createdDate"] = rec.Created.UTC().Format(time.RFC3339)
	}
	for k, val := range rec.Fields {
		if !want(k) {
			continue
		}
		switch {
		case t.isSubrecord(k):
			if expand {
				m := deepCopyMap(val.(map[string]any))
				m["links"] = selfLinks(self + "/" + k)
				out[k] = m
			} else {
				out[k] = map[string]any{"links": selfLinks(self + "/" + k)}
			}
		case t.refs[k] != "":
			out[k] = v.renderRef(base, t.refs[k], refString(val))
		default:
			out[k] = val
		}
	}
	for name, def := range t.sublists {
		if !want(name) {
			continue
		}
		href := self + "/" + name
		if !expand {
			out[name] = map[string]any{"links": selfLinks(href)}
			continue
		}
		lines := rec.Sublists[name]
		items := make([]any, len(lines))
		for i, l := range lines {
			item := map[string]any{"links": []link{}}
			for fk, fv := range l {
				if typ := def.refs[fk]; typ != "" {
					item[fk] = v.renderRef(base, typ, refString(fv))
				} else {
					item[fk] = fv
				}
			}
			items[i] = item
		}
		out[name] = map[string]any{
			"links": selfLinks(href), "items": items,
			"count": len(items), "hasMore": false, "offset": 0, "totalResults": len(items),
		}
	}
	return out
}

// renderRef renders a reference to record id of type typ with its refName.
func (v *Vendor) renderRef(base, typ, id string) map[string]any {
	t := recordTypes[typ]
	ref := map[string]any{"id": id}
	n, err := strconv.ParseInt(id, 10, 64)
	if err == nil {
		ref["links"] = selfLinks(recordURL(base, t, n))
	}
	if name := v.store.refName(t, id); name != "" {
		ref["refName"] = name
	}
	return ref
}

// refName is the display name NetSuite gives a referenced record.
func refName(t *recordType, rec *Record) string {
	s := func(k string) string { return scalarString(rec.Fields[k]) }
	switch t.name {
	case "customer":
		if c := s("companyName"); c != "" {
			return c
		}
		if n := strings.TrimSpace(s("firstName") + " " + s("lastName")); n != "" {
			return n
		}
		return s("entityId")
	case "inventoryItem":
		return s("itemId")
	case "location":
		return s("name")
	case "salesOrder":
		return "Sales Order #" + s("tranId")
	case "invoice":
		return "Invoice #" + s("tranId")
	case "itemFulfillment":
		return "Item Fulfillment #" + s("tranId")
	}
	return ""
}
