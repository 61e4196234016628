package netsuite

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// writeMode says how a request body is applied to a record.
type writeMode struct {
	create  bool
	replace map[string]bool // sublists named in ?replace=
}

// parseReplace reads the replace query parameter: a comma-separated list of
// sublist names whose lines the request replaces instead of merging.
func parseReplace(t *recordType, q string) (map[string]bool, *apiError) {
	out := map[string]bool{}
	if q == "" {
		return out, nil
	}
	for _, name := range strings.Split(q, ",") {
		name = strings.TrimSpace(name)
		if _, ok := t.sublists[name]; !ok {
			return nil, &apiError{
				Status: http.StatusBadRequest, Code: codeInvalidParameter, QueryParam: "replace",
				Detail: fmt.Sprintf("Invalid value for the parameter 'replace'. Sublist '%s' does not exist on record type %s.", name, t.name),
			}
		}
		out[name] = true
	}
	return out, nil
}

// apply writes body onto r (a new record when mode.create) following
// NetSuite's rules:
//   - read-only fields (id, lastModifiedDate, ...) are ignored;
//   - a reference ({"id": "7"} or {"externalId": "C-7"}) must point to an
//     existing record, else 400 INVALID_CONTENT with the JSON path;
//   - a keyed sublist merges lines by key and appends the rest; an unkeyed
//     sublist appends every line; a sublist named in replace keeps only the
//     lines of the request (keyed lines still merge); {"items": null}
//     removes every line;
//   - an address subrecord is merged field by field;
//   - any other field is set, and null unsets it.
func apply(tx *storeTx, r *Record, body map[string]any, mode writeMode) *apiError {
	t := recordTypes[r.Type]
	for k, val := range body {
		switch {
		case ignoredOnWrite[k]:
		case k == "externalId":
			eid := scalarString(val)
			if mode.create {
				r.ExternalID = eid
			} else if err := tx.replaceExternalID(r, eid); err != nil {
				return err
			}
		case hasSublist(t, k):
			if err := applySublist(tx, r, k, val, mode.replace[k] || mode.create); err != nil {
				return err
			}
		case t.isSubrecord(k):
			m, ok := val.(map[string]any)
			if val != nil && !ok {
				return invalidContent(k, "Invalid value for the subrecord %s: an object is expected.", k)
			}
			if val == nil {
				delete(r.Fields, k)
				continue
			}
			cur, _ := r.Fields[k].(map[string]any)
			if cur == nil {
				cur = map[string]any{}
			}
			for sk, sv := range m {
				if ignoredOnWrite[sk] {
					continue
				}
				if sv == nil {
					delete(cur, sk)
				} else {
					cur[sk] = deepCopy(sv)
				}
			}
			r.Fields[k] = cur
		case t.refs[k] != "":
			if val == nil {
				delete(r.Fields, k)
				continue
			}
			ref, err := resolveRef(tx, t.refs[k], val, k)
			if err != nil {
				return err
			}
			r.Fields[k] = ref
		default:
			if val == nil {
				delete(r.Fields, k)
			} else {
				r.Fields[k] = deepCopy(val)
			}
		}
	}
	if mode.create {
		if err := checkRequired(t, r); err != nil {
			return err
		}
	}
	computeTotals(t, r)
	return nil
}

func hasSublist(t *recordType, name string) bool {
	_, ok := t.sublists[name]
	return ok
}

func invalidContent(path, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: codeInvalidContent, Path: path, Detail: fmt.Sprintf(format, args...)}
}

// resolveRef turns a reference value into the stored form {"id": "N"},
// checking that the record exists. path names the field for the error.
func resolveRef(tx *storeTx, typ string, val any, path string) (map[string]any, *apiError) {
	m, ok := val.(map[string]any)
	if !ok {
		return nil, invalidContent(path, "Error while accessing resource: Invalid value for the reference field %s: an object with id or externalId is expected.", lastPathElem(path))
	}
	var rec *Record
	var shown string
	switch {
	case m["id"] != nil:
		shown = scalarString(m["id"])
		rec = tx.lookup(typ, shown)
		if strings.HasPrefix(shown, "eid:") {
			rec = nil // eid: is a URL form, not a reference form
		}
	case m["externalId"] != nil:
		shown = scalarString(m["externalId"])
		rec = tx.lookup(typ, "eid:"+shown)
	default:
		return nil, invalidContent(path, "Error while accessing resource: Invalid value for the reference field %s: an object with id or externalId is expected.", lastPathElem(path))
	}
	if rec == nil {
		return nil, invalidContent(path, "Error while accessing resource: You have entered an Invalid Field Value %s for the following field: %s", shown, lastPathElem(path))
	}
	return map[string]any{"id": strconv.FormatInt(rec.ID, 10)}, nil
}

func lastPathElem(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// applySublist merges (or, when replace, replaces) the lines of sublist name.
func applySublist(tx *storeTx, r *Record, name string, val any, replace bool) *apiError {
	def := recordTypes[r.Type].sublists[name]
	if val == nil {
		delete(r.Sublists, name)
		return nil
	}
	obj, ok := val.(map[string]any)
	if !ok {
		return invalidContent(name, "Invalid value for the sublist %s: an object with an items array is expected.", name)
	}
	rawItems, present := obj["items"]
	if !present {
		return nil // a sublist object with links only changes nothing
	}
	if rawItems == nil {
		delete(r.Sublists, name)
		return nil
	}
	items, ok := rawItems.([]any)
	if !ok {
		return invalidContent(name+".items", "Invalid value for %s.items: an array is expected.", name)
	}
	existing := r.Sublists[name]
	var result []map[string]any
	if !replace {
		result = existing
	}
	kept := map[string]bool{} // keys of existing lines already in result (replace mode)
	byKey := map[string]map[string]any{}
	if def.key != "" {
		for _, l := range existing {
			if k := scalarString(l[def.key]); k != "" {
				byKey[k] = l
			}
		}
	}
	for i, raw := range items {
		path := fmt.Sprintf("%s.items[%d]", name, i)
		in, ok := raw.(map[string]any)
		if !ok {
			return invalidContent(path, "Invalid value for %s: an object is expected.", path)
		}
		var line map[string]any
		key := ""
		if def.key != "" {
			if k := scalarString(in[def.key]); k != "" {
				if cur, found := byKey[k]; found {
					line, key = cur, k
				}
			}
		}
		isNew := line == nil
		if isNew {
			line = map[string]any{}
		}
		for fk, fv := range in {
			if ignoredOnWrite[fk] {
				continue
			}
			if typ := def.refs[fk]; typ != "" && fv != nil {
				ref, err := resolveRef(tx, typ, fv, path+"."+fk)
				if err != nil {
					return err
				}
				line[fk] = ref
				continue
			}
			if fv == nil {
				delete(line, fk)
			} else {
				line[fk] = deepCopy(fv)
			}
		}
		for _, req := range def.required {
			if line[req] == nil {
				return &apiError{Status: http.StatusBadRequest, Code: codeUserError, Path: path + "." + req,
					Detail: fmt.Sprintf("Please enter value(s) for: %s", req)}
			}
		}
		if isNew {
			result = append(result, line)
		} else if replace && !kept[key] {
			result = append(result, line)
			kept[key] = true
		}
	}
	if def.key == "line" || def.key == "id" {
		next := 1
		for _, l := range result {
			if n, ok := number(l[def.key]); ok && int(n) >= next {
				next = int(n) + 1
			}
		}
		for _, l := range result {
			if l[def.key] == nil {
				l[def.key] = float64(next)
				next++
			}
		}
	}
	if len(result) == 0 {
		delete(r.Sublists, name)
		return nil
	}
	r.Sublists[name] = result
	return nil
}

func checkRequired(t *recordType, r *Record) *apiError {
	for _, req := range t.required {
		alts := strings.Split(req, "|")
		ok := false
		for _, a := range alts {
			if v, set := r.Fields[a]; set && v != nil && v != "" {
				ok = true
				break
			}
		}
		if !ok {
			return &apiError{Status: http.StatusBadRequest, Code: codeUserError, Path: alts[0],
				Detail: fmt.Sprintf("Please enter value(s) for: %s", strings.Join(alts, " or "))}
		}
	}
	return nil
}

// computeTotals recomputes line amounts, subtotal and total of a transaction
// the way NetSuite does on save: amount = quantity × rate when the line has
// no amount, subtotal = Σ amount, total = subtotal + taxTotal + shippingCost
// + discountTotal (discounts are negative).
func computeTotals(t *recordType, r *Record) {
	if t.tranType == "" || t.tranType == "ItemShip" {
		return
	}
	sub := 0.0
	for _, l := range r.Sublists["item"] {
		amt, ok := number(l["amount"])
		if !ok {
			q, _ := number(l["quantity"])
			rate, _ := number(l["rate"])
			amt = round2(q * rate)
			l["amount"] = amt
		}
		sub += amt
	}
	tax, _ := number(r.Fields["taxTotal"])
	ship, _ := number(r.Fields["shippingCost"])
	disc, _ := number(r.Fields["discountTotal"])
	r.Fields["subtotal"] = round2(sub)
	r.Fields["total"] = round2(sub + tax + ship + disc)
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
