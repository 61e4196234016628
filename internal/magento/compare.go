package magento

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Contains reports whether the entity Magento holds (existing) already
// carries every value of the write a caller is about to send (desired), so
// the write can be skipped. It compares what Magento echoes back:
//
//   - objects: every desired key must be contained in the existing value;
//   - custom_attributes: matched by attribute_code, not by position;
//   - arrays of scalars (website_ids, category_ids): compared as sets;
//   - other arrays: same length, element i contained in element i;
//   - scalars: equal as numbers when both read as numbers ("10.00" = 10),
//     booleans equal to 1/0, else equal as strings.
//
// A desired null matches a missing or null value. Anything else missing
// from existing is a difference.
func Contains(existing, desired any) bool {
	switch d := desired.(type) {
	case map[string]any:
		e, ok := existing.(map[string]any)
		if !ok {
			return false
		}
		for k, dv := range d {
			ev, present := e[k]
			if dv == nil {
				if present && ev != nil && ev != "" {
					return false
				}
				continue
			}
			if !present {
				return false
			}
			if k == "custom_attributes" {
				if !attributesContain(ev, dv) {
					return false
				}
				continue
			}
			if !Contains(ev, dv) {
				return false
			}
		}
		return true
	case []any:
		e, ok := existing.([]any)
		if !ok {
			return false
		}
		if allScalars(d) && allScalars(e) {
			return sameSet(e, d)
		}
		if len(e) != len(d) {
			return false
		}
		for i := range d {
			if !Contains(e[i], d[i]) {
				return false
			}
		}
		return true
	case nil:
		return existing == nil
	}
	return scalarEqual(existing, desired)
}

// ContainsJSON is Contains on JSON documents; a document that does not
// parse is never contained.
func ContainsJSON(existing, desired json.RawMessage) bool {
	var e, d any
	if json.Unmarshal(existing, &e) != nil || json.Unmarshal(desired, &d) != nil {
		return false
	}
	return Contains(e, d)
}

func attributesContain(existing, desired any) bool {
	byCode := func(v any) (map[string]any, bool) {
		list, ok := v.([]any)
		if !ok {
			return nil, false
		}
		m := make(map[string]any, len(list))
		for _, it := range list {
			o, ok := it.(map[string]any)
			if !ok {
				return nil, false
			}
			code, _ := o["attribute_code"].(string)
			m[code] = o["value"]
		}
		return m, true
	}
	e, ok1 := byCode(existing)
	d, ok2 := byCode(desired)
	if !ok1 || !ok2 {
		return false
	}
	for code, dv := range d {
		ev, ok := e[code]
		if !ok {
			if dv == nil || dv == "" {
				continue
			}
			return false
		}
		if !Contains(ev, dv) {
			return false
		}
	}
	return true
}

func allScalars(list []any) bool {
	for _, v := range list {
		switch v.(type) {
		case map[string]any, []any:
			return false
		}
	}
	return true
}

func sameSet(a, b []any) bool {
	norm := func(list []any) []string {
		out := make([]string, len(list))
		for i, v := range list {
			out[i] = scalarKey(v)
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	return slices.Equal(norm(a), norm(b))
}

func scalarEqual(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return scalarKey(a) == scalarKey(b)
}

// scalarKey renders a scalar so that values Magento treats as equal render
// the same: numbers (and numeric strings) canonically, booleans as 1/0.
func scalarKey(v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "1"
		}
		return "0"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return scalarKey(string(x))
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil && x != "" {
			return strconv.FormatFloat(f, 'f', -1, 64)
		}
		return x
	}
	return fmt.Sprint(v)
}
