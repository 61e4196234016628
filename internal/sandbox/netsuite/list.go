package netsuite

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/datawald/datawald/internal/sandbox"
)

// handleList answers GET /record/v1/{type}: the ids and links of the
// records, in pages (limit ≤ 1000, offset), filtered by q. Collections carry
// no field values: a client needs one GET per record for its content.
func (v *Vendor) handleList(w http.ResponseWriter, r *http.Request) {
	t, aerr := recordTypeFrom(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	limit, offset, aerr := pageParams(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	var filter *qFilter
	if q := r.URL.Query().Get("q"); q != "" {
		if filter, aerr = parseQFilter(t, q, v.prefs()); aerr != nil {
			writeError(w, aerr)
			return
		}
	}
	var ids []int64
	v.store.snapshot(func(_ uint64, tables map[string]*typeTable) {
		tt := tables[t.name]
		for id, rec := range tt.recs {
			if filter == nil || filter.match(rec) {
				ids = append(ids, id)
			}
		}
	})
	sortIDs(ids)
	base := sandbox.BaseURL(r)
	end := min(offset+limit, len(ids))
	items := []map[string]any{}
	for i := offset; i < end; i++ {
		items = append(items, map[string]any{"links": selfLinks(recordURL(base, t, ids[i])), "id": strconv.FormatInt(ids[i], 10)})
	}
	href := base + recordPath + t.name
	if q := r.URL.Query().Get("q"); q != "" {
		href += "?q=" + strings.ReplaceAll(q, " ", "%20")
	}
	hasMore := end < len(ids)
	writeJSON(w, http.StatusOK, page{
		Links: pageLinks(href, limit, offset, len(ids), hasMore), Count: len(items), HasMore: hasMore,
		Items: items, Offset: offset, TotalResults: len(ids),
	})
}

func sortIDs(ids []int64) { slices.Sort(ids) }

// qFilter is a parsed record collection filter: conditions "field OPERATOR
// value" joined by AND or OR (AND binds tighter), with parentheses.
type qFilter struct {
	op          string // "AND", "OR" or "" for a condition
	left, right *qFilter
	field       string
	operator    string
	values      []string
	times       []time.Time
}

// qDateOps are the operators of date fields; the value is read in the
// account's date format (M/D/YYYY, optionally with h:mm am|pm), in its time
// zone.
var qDateOps = map[string]bool{"AFTER": true, "BEFORE": true, "ON": true, "ON_OR_AFTER": true, "ON_OR_BEFORE": true}

var qOtherOps = map[string]bool{"IS": true, "IS_NOT": true, "EQUAL": true, "ANY_OF": true, "START_WITH": true, "CONTAIN": true,
	"GREATER": true, "GREATER_OR_EQUAL": true, "LESS": true, "LESS_OR_EQUAL": true}

func qError(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: codeInvalidParameter, QueryParam: "q",
		Detail: "Invalid query parameter 'q'. " + fmt.Sprintf(format, args...)}
}

// qTokens splits q into words, quoted strings and parentheses.
func qTokens(q string) ([]string, *apiError) {
	var out []string
	for i := 0; i < len(q); {
		switch c := q[i]; {
		case c == ' ':
			i++
		case c == '(' || c == ')':
			out = append(out, string(c))
			i++
		case c == '"':
			j := strings.IndexByte(q[i+1:], '"')
			if j < 0 {
				return nil, qError("Unterminated string.")
			}
			out = append(out, q[i:i+j+2])
			i += j + 2
		default:
			j := i
			for j < len(q) && q[j] != ' ' && q[j] != '(' && q[j] != ')' {
				j++
			}
			out = append(out, q[i:j])
			i = j
		}
	}
	return out, nil
}

func parseQFilter(t *recordType, q string, prefs userPrefs) (*qFilter, *apiError) {
	toks, aerr := qTokens(q)
	if aerr != nil {
		return nil, aerr
	}
	p := &qParser{t: t, toks: toks, prefs: prefs}
	f, aerr := p.or()
	if aerr != nil {
		return nil, aerr
	}
	if p.i != len(p.toks) {
		return nil, qError("Unexpected '%s'.", p.toks[p.i])
	}
	return f, nil
}

type qParser struct {
	t     *recordType
	toks  []string
	i     int
	prefs userPrefs
}

func (p *qParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *qParser) or() (*qFilter, *apiError) {
	l, err := p.and()
	for err == nil && strings.EqualFold(p.peek(), "OR") {
		p.i++
		var r *qFilter
		if r, err = p.and(); err == nil {
			l = &qFilter{op: "OR", left: l, right: r}
		}
	}
	return l, err
}

func (p *qParser) and() (*qFilter, *apiError) {
	l, err := p.cond()
	for err == nil && strings.EqualFold(p.peek(), "AND") {
		p.i++
		var r *qFilter
		if r, err = p.cond(); err == nil {
			l = &qFilter{op: "AND", left: l, right: r}
		}
	}
	return l, err
}

func (p *qParser) cond() (*qFilter, *apiError) {
	if p.peek() == "(" {
		p.i++
		f, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, qError("Missing ')'.")
		}
		p.i++
		return f, nil
	}
	if p.i+2 > len(p.toks) {
		return nil, qError("Incomplete condition.")
	}
	field, op := p.toks[p.i], strings.ToUpper(p.toks[p.i+1])
	p.i += 2
	switch field {
	case "id", "externalId", "lastModifiedDate", "createdDate":
	default:
		if !slices.Contains(p.t.filterable, field) && !strings.HasPrefix(field, "cust") {
			return nil, &apiError{Status: http.StatusBadRequest, Code: "NONEXISTENT_FIELD", QueryParam: "q",
				Detail: fmt.Sprintf("Unknown field name '%s'. The field is not available for filtering on record type %s.", field, p.t.name)}
		}
	}
	isDate := field == "lastModifiedDate" || field == "createdDate"
	if isDate && !qDateOps[op] || !isDate && !qOtherOps[op] {
		return nil, qError("Operator '%s' cannot be used with field '%s'.", op, field)
	}
	f := &qFilter{field: field, operator: op}
	for p.i < len(p.toks) {
		tok := p.toks[p.i]
		if tok == ")" || strings.EqualFold(tok, "AND") || strings.EqualFold(tok, "OR") {
			break
		}
		p.i++
		for _, v := range strings.Split(tok, ",") {
			v = strings.Trim(v, `"`)
			if v != "" {
				f.values = append(f.values, v)
			}
		}
	}
	if len(f.values) == 0 {
		return nil, qError("Missing value for field '%s'.", field)
	}
	if isDate {
		for _, v := range f.values {
			tm, err := parseAccountDate(v, p.prefs)
			if err != nil {
				return nil, qError("Unparseable date: \"%s\". Use the user's date format (%s), optionally followed by h:mm am or pm.", v, p.prefs.dateLayout)
			}
			f.times = append(f.times, tm)
		}
	}
	return f, nil
}

func parseAccountDate(s string, p userPrefs) (time.Time, error) {
	var err error
	for _, layout := range p.dateLayouts() {
		var t time.Time
		if t, err = time.ParseInLocation(layout, s, p.loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

func (f *qFilter) match(r *Record) bool {
	switch f.op {
	case "AND":
		return f.left.match(r) && f.right.match(r)
	case "OR":
		return f.left.match(r) || f.right.match(r)
	}
	switch f.field {
	case "lastModifiedDate", "createdDate":
		t := r.Modified
		if f.field == "createdDate" {
			t = r.Created
		}
		x := f.times[0]
		switch f.operator {
		case "AFTER":
			return t.After(x)
		case "BEFORE":
			return t.Before(x)
		case "ON_OR_AFTER":
			return !t.Before(x)
		case "ON_OR_BEFORE":
			return !t.After(x)
		case "ON":
			return !t.Before(x) && t.Before(x.AddDate(0, 0, 1))
		}
		return false
	}
	var got string
	switch f.field {
	case "id":
		got = strconv.FormatInt(r.ID, 10)
	case "externalId":
		got = r.ExternalID
	default:
		if ref := refString(r.Fields[f.field]); ref != "" {
			got = ref
		} else {
			got = scalarString(r.Fields[f.field])
		}
	}
	want := f.values[0]
	switch f.operator {
	case "IS", "EQUAL":
		return got == want
	case "IS_NOT":
		return got != want
	case "ANY_OF":
		for _, v := range f.values {
			if got == v {
				return true
			}
		}
		return false
	case "START_WITH":
		return strings.HasPrefix(got, want)
	case "CONTAIN":
		return strings.Contains(got, want)
	}
	g, gerr := strconv.ParseFloat(got, 64)
	w, werr := strconv.ParseFloat(want, 64)
	if gerr != nil || werr != nil {
		return false
	}
	switch f.operator {
	case "GREATER":
		return g > w
	case "GREATER_OR_EQUAL":
		return g >= w
	case "LESS":
		return g < w
	case "LESS_OR_EQUAL":
		return g <= w
	}
	return false
}
