package hubspot

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// HubSpot's search request limits (August 2024 changelog).
const (
	maxFilterGroups     = 5
	maxFiltersPerGroup  = 10
	maxFiltersInRequest = 25
)

// searchRequest is PublicObjectSearchRequest.
type searchRequest struct {
	FilterGroups []filterGroup  `json:"filterGroups"`
	Sorts        []searchSort   `json:"sorts"`
	Query        string         `json:"query"`
	Properties   []string       `json:"properties"`
	Limit        *int           `json:"limit"`
	After        flexibleString `json:"after"`
}

type filterGroup struct {
	Filters []filter `json:"filters"`
}

type filter struct {
	PropertyName string   `json:"propertyName"`
	Operator     string   `json:"operator"`
	Value        any      `json:"value"`
	HighValue    any      `json:"highValue"`
	Values       []any    `json:"values"`
	values       []string // Values as strings
}

// searchSort accepts both forms HubSpot takes: {"propertyName","direction"}
// and a bare property name, "-" prefixed for descending.
type searchSort struct {
	PropertyName string `json:"propertyName"`
	Direction    string `json:"direction"`
}

func (s *searchSort) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err == nil {
		s.Direction = "ASCENDING"
		if rest, ok := strings.CutPrefix(name, "-"); ok {
			name, s.Direction = rest, "DESCENDING"
		}
		s.PropertyName = name
		return nil
	}
	type plain searchSort
	return json.Unmarshal(b, (*plain)(s))
}

// flexibleString takes a JSON string or number (clients send after both
// ways).
type flexibleString string

func (f *flexibleString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexibleString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexibleString(n.String())
	return nil
}

// handleSearch serves POST /crm/v3/objects/{objectType}/search over the
// search index, which lags the store by Options.SearchLag.
func (v *Vendor) handleSearch(w http.ResponseWriter, r *http.Request) *apiError {
	t, err := v.objectTypeOf(r, "objectType")
	if err != nil {
		return err
	}
	var req searchRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	limit, offset, err := validateSearch(t, &req)
	if err != nil {
		return err
	}
	now := v.clock().UTC()

	type hit struct {
		id int64
		v  indexVersion
	}
	v.mu.RLock()
	var hits []hit
	for _, id := range v.store.ids[t.name] {
		rec := v.store.records[t.name][id]
		ver, ok := rec.indexed(now)
		if !ok || ver.archived {
			continue
		}
		if matchesSearch(t, &req, ver.props) {
			hits = append(hits, hit{id, ver})
		}
	}
	v.mu.RUnlock()

	if len(req.Sorts) == 1 {
		s := req.Sorts[0]
		kind := t.properties[s.PropertyName].kind
		desc := strings.EqualFold(s.Direction, "DESCENDING")
		sort.SliceStable(hits, func(i, j int) bool {
			c := compareValues(kind, hits[i].v.props[s.PropertyName], hits[j].v.props[s.PropertyName])
			if c == 0 {
				return hits[i].id < hits[j].id
			}
			if desc {
				return c > 0
			}
			return c < 0
		})
	}

	out := struct {
		Total   int          `json:"total"`
		Results []objectJSON `json:"results"`
		Paging  *pagingJSON  `json:"paging,omitempty"`
	}{Total: len(hits), Results: []objectJSON{}}
	// Results past the 10,000th are never served; the cursor still points
	// past them, and following it answers 400.
	end := min(offset+limit, len(hits), maxSearchResults)
	for i := offset; i < end; i++ {
		h := hits[i]
		out.Results = append(out.Results, render(t, h.id, h.v.props, h.v.createdAt, h.v.updatedAt, false, time.Time{}, req.Properties))
	}
	if end < len(hits) {
		out.Paging = &pagingJSON{Next: &pagingNext{After: strconv.Itoa(end)}}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// validateSearch applies HubSpot's request limits and returns the page size
// and offset. Paging to or past the 10,000th result is a 400, however many
// records match.
func validateSearch(t *objectType, req *searchRequest) (limit, offset int, err *apiError) {
	limit = 10
	if req.Limit != nil {
		limit = *req.Limit
	}
	if limit < 1 || limit > maxSearchLimit {
		return 0, 0, validationError("Invalid input: limit must be between 1 and %d, got %d", maxSearchLimit, limit)
	}
	if req.After != "" {
		n, perr := strconv.Atoi(string(req.After))
		if perr != nil || n < 0 {
			return 0, 0, validationError("Invalid input: after %q is not a valid search paging cursor", string(req.After))
		}
		offset = n
	}
	if offset >= maxSearchResults {
		return 0, 0, validationError("Cannot page past %d results: the search endpoints return at most %d results for a query (after=%d). Narrow the query, for example with a filter on hs_object_id or on the last modified date",
			maxSearchResults, maxSearchResults, offset)
	}
	if len(req.FilterGroups) > maxFilterGroups {
		return 0, 0, validationError("Invalid input: too many filter groups (%d); the maximum is %d", len(req.FilterGroups), maxFilterGroups)
	}
	total := 0
	for gi := range req.FilterGroups {
		g := &req.FilterGroups[gi]
		if len(g.Filters) > maxFiltersPerGroup {
			return 0, 0, validationError("Invalid input: filterGroups[%d] has %d filters; the maximum per group is %d", gi, len(g.Filters), maxFiltersPerGroup)
		}
		total += len(g.Filters)
		for fi := range g.Filters {
			if err := validateFilter(t, &g.Filters[fi]); err != nil {
				return 0, 0, err
			}
		}
	}
	if total > maxFiltersInRequest {
		return 0, 0, validationError("Invalid input: %d filters in total; the maximum is %d", total, maxFiltersInRequest)
	}
	if len(req.Sorts) > 1 {
		return 0, 0, validationError("Invalid input: only one sort is supported, got %d", len(req.Sorts))
	}
	for _, s := range req.Sorts {
		if _, ok := t.properties[s.PropertyName]; !ok {
			return 0, 0, validationError("Invalid input: cannot sort by unknown property %q", s.PropertyName)
		}
		if d := strings.ToUpper(s.Direction); d != "" && d != "ASCENDING" && d != "DESCENDING" {
			return 0, 0, validationError("Invalid input: sort direction must be ASCENDING or DESCENDING, got %q", s.Direction)
		}
	}
	return limit, offset, nil
}

var filterOperators = map[string]bool{
	"EQ": true, "NEQ": true, "LT": true, "LTE": true, "GT": true, "GTE": true, "BETWEEN": true,
	"IN": true, "NOT_IN": true, "HAS_PROPERTY": true, "NOT_HAS_PROPERTY": true,
	"CONTAINS_TOKEN": true, "NOT_CONTAINS_TOKEN": true,
}

func validateFilter(t *objectType, f *filter) *apiError {
	if _, ok := t.properties[f.PropertyName]; !ok {
		return validationError("Invalid input: filter on unknown property %q of %s", f.PropertyName, t.name)
	}
	if !filterOperators[f.Operator] {
		return validationError("Invalid input: unknown filter operator %q", f.Operator)
	}
	for _, raw := range f.Values {
		s, err := propertyString(kindString, raw)
		if err != nil {
			return validationError("Invalid input: filter value for %s: %v", f.PropertyName, err)
		}
		f.values = append(f.values, s)
	}
	switch f.Operator {
	case "IN", "NOT_IN":
		if len(f.values) == 0 {
			return validationError("Invalid input: operator %s on %s needs values", f.Operator, f.PropertyName)
		}
	case "HAS_PROPERTY", "NOT_HAS_PROPERTY":
	case "BETWEEN":
		if f.Value == nil || f.HighValue == nil {
			return validationError("Invalid input: operator BETWEEN on %s needs value and highValue", f.PropertyName)
		}
	default:
		if f.Value == nil {
			return validationError("Invalid input: operator %s on %s needs a value", f.Operator, f.PropertyName)
		}
	}
	return nil
}

// matchesSearch applies the free-text query and the filter groups (OR of
// groups, AND within a group).
func matchesSearch(t *objectType, req *searchRequest, props map[string]string) bool {
	if q := strings.ToLower(strings.TrimSpace(req.Query)); q != "" {
		found := false
		for _, name := range t.defaults {
			if strings.Contains(strings.ToLower(props[name]), q) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if len(req.FilterGroups) == 0 {
		return true
	}
	for _, g := range req.FilterGroups {
		all := true
		for _, f := range g.Filters {
			if !matchesFilter(t.properties[f.PropertyName].kind, f, props) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func matchesFilter(kind propKind, f filter, props map[string]string) bool {
	val, has := props[f.PropertyName]
	value, _ := propertyString(kindString, f.Value)
	switch f.Operator {
	case "HAS_PROPERTY":
		return has
	case "NOT_HAS_PROPERTY":
		return !has
	case "IN", "NOT_IN":
		in := false
		for _, candidate := range f.values {
			if has && compareValues(kind, val, candidate) == 0 {
				in = true
				break
			}
		}
		return in == (f.Operator == "IN")
	case "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN":
		token := strings.ToLower(strings.Trim(value, "*"))
		contains := has && strings.Contains(strings.ToLower(val), token)
		return contains == (f.Operator == "CONTAINS_TOKEN")
	case "NEQ":
		return !has || compareValues(kind, val, value) != 0
	}
	if !has {
		return false
	}
	c := compareValues(kind, val, value)
	switch f.Operator {
	case "EQ":
		return c == 0
	case "LT":
		return c < 0
	case "LTE":
		return c <= 0
	case "GT":
		return c > 0
	case "GTE":
		return c >= 0
	case "BETWEEN":
		high, _ := propertyString(kindString, f.HighValue)
		return c >= 0 && compareValues(kind, val, high) <= 0
	}
	return false
}

// compareValues orders two property values by the property's type:
// numbers numerically, datetimes by instant (either side may be epoch
// milliseconds or ISO 8601), strings case-insensitively. Missing values sort
// first.
func compareValues(kind propKind, a, b string) int {
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	case b == "":
		return 1
	}
	switch kind {
	case kindNumber:
		x, errA := strconv.ParseFloat(a, 64)
		y, errB := strconv.ParseFloat(b, 64)
		if errA == nil && errB == nil {
			return cmpOrdered(x, y)
		}
	case kindDateTime:
		x, errA := parseDateTime(a)
		y, errB := parseDateTime(b)
		if errA == nil && errB == nil {
			return x.Compare(y)
		}
	}
	return strings.Compare(strings.ToLower(a), strings.ToLower(b))
}

func cmpOrdered(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}
