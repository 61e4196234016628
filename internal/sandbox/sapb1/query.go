package sapb1

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// field is one name/value pair of an ordered JSON object: the Service
// Layer writes properties in metadata order.
type field struct {
	name  string
	value any
}

type orderedObject []field

// MarshalJSON writes the fields in order. Scalars are appended directly,
// without reflection, because every served response goes through here.
func (o orderedObject) MarshalJSON() ([]byte, error) {
	return o.appendJSON(make([]byte, 0, 256))
}

func (o orderedObject) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	for i, f := range o {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, f.name)
		b = append(b, ':')
		var err error
		if b, err = appendJSONValue(b, f.value); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func appendJSONValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case float64:
		if a := math.Abs(x); a == 0 || (a >= 1e-6 && a < 1e21) {
			return strconv.AppendFloat(b, x, 'f', -1, 64), nil
		}
	case orderedObject:
		return x.appendJSON(b)
	case []orderedObject:
		b = append(b, '[')
		for i, el := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = el.appendJSON(b); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, raw...), nil
}

// appendJSONString appends s as a JSON string, escaping what JSON requires
// (quotes, backslashes, control characters); invalid UTF-8 goes through
// encoding/json, which replaces it.
func appendJSONString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		raw, _ := json.Marshal(s)
		return append(b, raw...)
	}
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

func writeOrdered(w http.ResponseWriter, status int, fields []field) {
	b, _ := orderedObject(fields).MarshalJSON()
	w.Header().Set("Content-Type", "application/json;odata=minimalmetadata;charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// renderEntity lists a record's properties in metadata order, null where
// unset; selected limits them to $select.
func renderEntity(props []propDef, e entity, selected map[string]bool) orderedObject {
	out := make(orderedObject, 0, len(props))
	for i := range props {
		p := &props[i]
		if selected != nil && !selected[p.name] {
			continue
		}
		v := e[p.name]
		if p.kind == edmCollection {
			list, _ := v.([]entity)
			items := make([]orderedObject, len(list))
			for j, el := range list {
				items[j] = renderEntity(p.complex.props, el, nil)
			}
			v = items
		}
		out = append(out, field{p.name, v})
	}
	return out
}

// queryOptions are the parsed OData system query options of a request.
type queryOptions struct {
	filter   filterNode
	selected map[string]bool
	orderBy  []orderKey
	top      int // -1: none
	skip     int
	count    bool
}

type orderKey struct {
	prop *propDef
	desc bool
}

// parseQuery reads $filter, $select, $orderby, $top, $skip and
// $inlinecount. Unknown properties and malformed values answer 400.
func parseQuery(def *entityDef, q url.Values) (queryOptions, *apiError) {
	opts := queryOptions{top: -1}
	for name := range q {
		if strings.HasPrefix(name, "$") {
			switch name {
			case "$filter", "$select", "$orderby", "$top", "$skip", "$inlinecount":
			default:
				return opts, badRequest(codeInvalidRequest, "Query option '%s' is not supported", name)
			}
		}
	}
	if f := q.Get("$filter"); f != "" {
		n, err := parseFilter(def, f)
		if err != nil {
			return opts, badRequest(codeInvalidRequest, "Invalid $filter: %v", err)
		}
		opts.filter = n
	}
	if s := q.Get("$select"); s != "" {
		opts.selected = map[string]bool{}
		for _, name := range strings.Split(s, ",") {
			name = strings.TrimSpace(name)
			if _, ok := def.prop(name); !ok {
				return opts, badRequest(codeInvalidRequest, "Property '%s' of '%s' is invalid", name, def.typeName)
			}
			opts.selected[name] = true
		}
	}
	if s := q.Get("$orderby"); s != "" {
		for _, part := range strings.Split(s, ",") {
			words := strings.Fields(part)
			if len(words) == 0 || len(words) > 2 {
				return opts, badRequest(codeInvalidRequest, "Invalid $orderby: '%s'", part)
			}
			p, ok := def.prop(words[0])
			if !ok || p.kind == edmCollection {
				return opts, badRequest(codeInvalidRequest, "Property '%s' of '%s' is invalid", words[0], def.typeName)
			}
			k := orderKey{prop: p}
			if len(words) == 2 {
				switch strings.ToLower(words[1]) {
				case "asc":
				case "desc":
					k.desc = true
				default:
					return opts, badRequest(codeInvalidRequest, "Invalid $orderby direction '%s'", words[1])
				}
			}
			opts.orderBy = append(opts.orderBy, k)
		}
	}
	var err *apiError
	if opts.top, err = intOption(q, "$top", -1); err != nil {
		return opts, err
	}
	if opts.skip, err = intOption(q, "$skip", 0); err != nil {
		return opts, err
	}
	switch q.Get("$inlinecount") {
	case "", "none":
	case "allpages":
		opts.count = true
	default:
		return opts, badRequest(codeInvalidRequest, "Invalid $inlinecount '%s'", q.Get("$inlinecount"))
	}
	return opts, nil
}

func intOption(q url.Values, name string, def int) (int, *apiError) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, badRequest(codeInvalidRequest, "Invalid %s value '%s'", name, s)
	}
	return n, nil
}

var maxPageSizePref = regexp.MustCompile(`(?i)odata\.maxpagesize\s*=\s*(\d+)`)

// pageSize is the server-driven page size: the client's
// Prefer: odata.maxpagesize when given (0 switches paging off), else the
// configured default.
func (v *Vendor) pageSize(h http.Header) (size int, applied bool) {
	for _, pref := range h.Values("Prefer") {
		if m := maxPageSizePref.FindStringSubmatch(pref); m != nil {
			n, _ := strconv.Atoi(m[1])
			return n, true
		}
	}
	return v.opts.PageSize, false
}

// list answers a collection GET: filter, order, $skip/$top, then one
// server-driven page and an odata.nextLink to the rest.
func (v *Vendor) list(req request) result {
	es := v.store.sets[req.set]
	opts, err := parseQuery(es.def, req.query)
	if err != nil {
		return errorResult(err)
	}
	var rows []entity
	for _, key := range es.keys {
		e := es.byKey[key]
		if opts.filter == nil || opts.filter.eval(e) {
			rows = append(rows, e)
		}
	}
	if len(opts.orderBy) > 0 {
		sort.SliceStable(rows, func(i, j int) bool {
			for _, k := range opts.orderBy {
				a, b := comparable(k.prop, rows[i][k.prop.name]), comparable(k.prop, rows[j][k.prop.name])
				c := compareNullable(a, b)
				if c != 0 {
					return (c < 0) != k.desc
				}
			}
			return false
		})
	}
	total := len(rows)
	rows = rows[min(opts.skip, len(rows)):]
	if opts.top >= 0 && opts.top < len(rows) {
		rows = rows[:opts.top]
	}
	size, applied := v.pageSize(req.header)
	var next string
	if size > 0 && len(rows) > size {
		rows = rows[:size]
		next = nextLink(req.set, req.query, opts, size)
	}
	values := make([]orderedObject, len(rows))
	for i, e := range rows {
		values[i] = renderEntity(es.def.props, e, opts.selected)
	}
	fields := []field{{"odata.metadata", req.metadataURL(req.set)}}
	if opts.count {
		fields = append(fields, field{"odata.count", strconv.Itoa(total)})
	}
	fields = append(fields, field{"value", values})
	if next != "" {
		fields = append(fields, field{"odata.nextLink", next})
	}
	res := jsonResult(http.StatusOK, fields)
	if applied {
		res.header.Set("Preference-Applied", fmt.Sprintf("odata.maxpagesize=%d", size))
	}
	return res
}

// compareNullable orders nulls first.
func compareNullable(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return compareValues(a, b)
}

// nextLink is the relative URL of the next page: the same query with $skip
// moved past this page and $top reduced by it.
func nextLink(set string, q url.Values, opts queryOptions, served int) string {
	var parts []string
	add := func(name, value string) {
		parts = append(parts, name+"="+strings.ReplaceAll(url.QueryEscape(value), "+", "%20"))
	}
	for _, name := range []string{"$select", "$filter", "$orderby", "$inlinecount"} {
		if v := q.Get(name); v != "" {
			add(name, v)
		}
	}
	if opts.top >= 0 {
		add("$top", strconv.Itoa(opts.top-served))
	}
	add("$skip", strconv.Itoa(opts.skip+served))
	return set + "?" + strings.Join(parts, "&")
}

// getOne answers a GET by key, with $select.
func (v *Vendor) getOne(req request) result {
	es := v.store.sets[req.set]
	opts, err := parseQuery(es.def, req.query)
	if err != nil {
		return errorResult(err)
	}
	if opts.filter != nil || opts.orderBy != nil || opts.top >= 0 || opts.skip > 0 {
		return errorResult(badRequest(codeInvalidRequest, "Query options $filter, $orderby, $top and $skip apply to collections only"))
	}
	e, ok := v.store.get(req.set, req.key)
	if !ok {
		return errorResult(notFound())
	}
	return v.entityResult(http.StatusOK, req, e, opts.selected)
}

func (v *Vendor) entityResult(status int, req request, e entity, selected map[string]bool) result {
	def := v.store.sets[req.set].def
	fields := append([]field{{"odata.metadata", req.metadataURL(req.set + "/@Element")}}, renderEntity(def.props, e, selected)...)
	return jsonResult(status, fields)
}
