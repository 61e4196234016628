package magento

import (
	"cmp"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// searchCriteria is Magento's framework search criteria as sent in the query
// string: searchCriteria[filter_groups][i][filters][j][field|value|condition_type],
// searchCriteria[sortOrders][k][field|direction], searchCriteria[pageSize],
// searchCriteria[currentPage]. Both the snake_case spelling of the docs and
// the camelCase one of the schema are accepted, as Magento does.
type searchCriteria struct {
	FilterGroups []filterGroup `json:"filter_groups"`
	SortOrders   []sortOrder   `json:"sort_orders,omitempty"`
	PageSize     *int          `json:"page_size,omitempty"`
	CurrentPage  *int          `json:"current_page,omitempty"`
}

// filterGroup ORs its filters; groups are ANDed.
type filterGroup struct {
	Filters []filter `json:"filters"`
}

type filter struct {
	Field         string `json:"field"`
	Value         string `json:"value"`
	ConditionType string `json:"condition_type,omitempty"`
}

type sortOrder struct {
	Field     string `json:"field"`
	Direction string `json:"direction,omitempty"`
}

// searchResult is the {items, search_criteria, total_count} envelope every
// list endpoint answers with.
type searchResult struct {
	Items          []any          `json:"items"`
	SearchCriteria searchCriteria `json:"search_criteria"`
	TotalCount     int            `json:"total_count"`
}

var criteriaKey = regexp.MustCompile(`^searchCriteria((?:\[[^\[\]]*\])*)$`)
var bracket = regexp.MustCompile(`\[([^\[\]]*)\]`)

// normalizeCriteriaKey maps the camelCase and snake_case spellings to one.
func normalizeCriteriaKey(k string) string {
	switch k {
	case "filterGroups":
		return "filter_groups"
	case "conditionType":
		return "condition_type"
	case "sortOrders":
		return "sort_orders"
	case "pageSize":
		return "page_size"
	case "currentPage":
		return "current_page"
	}
	return k
}

// parseSearchCriteria reads the searchCriteria parameters of q. Like Magento,
// it requires at least one searchCriteria parameter (`searchCriteria=` alone
// is enough) and rejects malformed indexes and numbers with a 400.
func parseSearchCriteria(q url.Values) (searchCriteria, error) {
	var sc searchCriteria
	present := false
	groups := map[int]map[int]*filter{}
	sorts := map[int]*sortOrder{}
	for key, vals := range q {
		m := criteriaKey.FindStringSubmatch(key)
		if m == nil {
			continue
		}
		present = true
		if m[1] == "" {
			continue
		}
		var parts []string
		for _, b := range bracket.FindAllStringSubmatch(m[1], -1) {
			parts = append(parts, normalizeCriteriaKey(b[1]))
		}
		val := vals[len(vals)-1]
		switch {
		case len(parts) == 1 && parts[0] == "page_size":
			n, err := criteriaInt("pageSize", val)
			if err != nil {
				return sc, err
			}
			sc.PageSize = &n
		case len(parts) == 1 && parts[0] == "current_page":
			n, err := criteriaInt("currentPage", val)
			if err != nil {
				return sc, err
			}
			sc.CurrentPage = &n
		case len(parts) == 5 && parts[0] == "filter_groups" && parts[2] == "filters":
			gi, err1 := strconv.Atoi(parts[1])
			fi, err2 := strconv.Atoi(parts[3])
			if err1 != nil || err2 != nil || gi < 0 || fi < 0 {
				return sc, errPositional(http.StatusBadRequest, "The %1 value is invalid. Verify the value and try again.", key)
			}
			if groups[gi] == nil {
				groups[gi] = map[int]*filter{}
			}
			f := groups[gi][fi]
			if f == nil {
				f = &filter{}
				groups[gi][fi] = f
			}
			switch parts[4] {
			case "field":
				f.Field = val
			case "value":
				f.Value = val
			case "condition_type":
				f.ConditionType = val
			}
		case len(parts) == 3 && parts[0] == "sort_orders":
			si, err := strconv.Atoi(parts[1])
			if err != nil || si < 0 {
				return sc, errPositional(http.StatusBadRequest, "The %1 value is invalid. Verify the value and try again.", key)
			}
			s := sorts[si]
			if s == nil {
				s = &sortOrder{}
				sorts[si] = s
			}
			switch parts[2] {
			case "field":
				s.Field = val
			case "direction":
				s.Direction = val
			}
		}
	}
	if !present {
		return sc, errInput(errRequiredField("searchCriteria"))
	}
	for _, gi := range sortedKeys(groups) {
		var g filterGroup
		for _, fi := range sortedKeys(groups[gi]) {
			f := groups[gi][fi]
			if f.Field == "" {
				return sc, errInput(errRequiredField("field"))
			}
			g.Filters = append(g.Filters, *f)
		}
		sc.FilterGroups = append(sc.FilterGroups, g)
	}
	for _, si := range sortedKeys(sorts) {
		sc.SortOrders = append(sc.SortOrders, *sorts[si])
	}
	if sc.FilterGroups == nil {
		sc.FilterGroups = []filterGroup{}
	}
	return sc, nil
}

func criteriaInt(name, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, errPositional(http.StatusBadRequest, `The "%1" value's type is invalid. The "%2" type was expected. Verify and try again.`, v, "int")
	}
	return n, nil
}

func sortedKeys[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	return keys
}

// searchable is one record as the search sees it: its JSON fields, flattened
// to the top level (and, for products, custom attributes), plus the rendered
// item the response carries.
type searchable struct {
	fields map[string]any
	item   any
	pos    int // the record's place in primary-key order
}

// fieldSet tells whether a field exists on an entity (filtering on a field
// that exists but is empty matches nothing; filtering on a field that does
// not exist is an error, as Magento's SQL layer makes it).
type fieldSet func(name string) bool

// unknownField builds the error Magento answers for a filter or sort on a
// field the entity does not have.
type unknownField func(name string) error

// evalSearch filters, sorts and pages rows, with Magento's paging rule: a
// currentPage past the last page answers the last page again (Magento's
// collection clamps the page), and a currentPage below 1 answers page 1.
// defaultPageSize (0 = unlimited) applies when pageSize is absent.
func evalSearch(rows []searchable, sc searchCriteria, known fieldSet, unknown unknownField, defaultPageSize int) (searchResult, error) {
	groups := make([][]compiledFilter, 0, len(sc.FilterGroups))
	for _, g := range sc.FilterGroups {
		var cg []compiledFilter
		for _, f := range g.Filters {
			if !known(f.Field) {
				return searchResult{}, unknown(f.Field)
			}
			value := f.Value
			if strings.HasSuffix(f.Field, "_at") {
				value = normalizeDateTime(value)
			}
			pred, err := conditionFor(f.ConditionType, value)
			if err != nil {
				return searchResult{}, err
			}
			cg = append(cg, compiledFilter{field: f.Field, pred: pred})
		}
		if len(cg) > 0 {
			groups = append(groups, cg)
		}
	}
	for _, s := range sc.SortOrders {
		if !known(s.Field) {
			return searchResult{}, unknown(s.Field)
		}
	}
	matched := make([]searchable, 0, len(rows))
	for _, r := range rows {
		if matchesAll(r.fields, groups) {
			matched = append(matched, r)
		}
	}
	// The page is clamped the way Magento's collection does: below 1 is
	// page 1, past the last page is the last page again.
	total := len(matched)
	size := defaultPageSize
	if sc.PageSize != nil && *sc.PageSize > 0 {
		size = *sc.PageSize
	}
	page := 1
	if size > 0 {
		last := int(math.Max(1, math.Ceil(float64(total)/float64(size))))
		if sc.CurrentPage != nil {
			page = *sc.CurrentPage
		}
		page = max(1, min(page, last))
	}
	if len(sc.SortOrders) > 0 {
		// Extract the sort keys once and sort indexes, so comparisons avoid
		// map lookups and swaps move integers, not records.
		keys := make([][]any, len(matched))
		idx := make([]int, len(matched))
		for i, r := range matched {
			k := make([]any, len(sc.SortOrders))
			for j, so := range sc.SortOrders {
				k[j] = r.fields[so.Field]
			}
			keys[i], idx[i] = k, i
		}
		desc := make([]bool, len(sc.SortOrders))
		for j, so := range sc.SortOrders {
			desc[j] = strings.EqualFold(so.Direction, "DESC")
		}
		slices.SortFunc(idx, func(a, b int) int {
			for j := range desc {
				c := compareValues(keys[a][j], keys[b][j])
				if c == 0 {
					continue
				}
				if desc[j] {
					return -c
				}
				return c
			}
			// Rows the sort orders leave tied come back in no defined order,
			// as from MySQL with ORDER BY ... LIMIT on a non-unique key: the
			// order differs from one page to the next, so a sort that is not
			// total repeats some rows and skips others (magento2#25001).
			return cmp.Compare(tieRank(matched[a].pos, page), tieRank(matched[b].pos, page))
		})
		sorted := make([]searchable, len(matched))
		for i, j := range idx {
			sorted[i] = matched[j]
		}
		matched = sorted
	}
	out := matched
	if size > 0 {
		start := (page - 1) * size
		end := min(start+size, total)
		out = matched[start:end]
	}
	items := make([]any, len(out))
	for i, r := range out {
		items[i] = r.item
	}
	return searchResult{Items: items, SearchCriteria: sc, TotalCount: total}, nil
}

// compiledFilter is one filter with its value parsed once per search.
type compiledFilter struct {
	field string
	pred  func(field any) bool
}

func matchesAll(fields map[string]any, groups [][]compiledFilter) bool {
	for _, g := range groups {
		matched := false
		for _, f := range g {
			if f.pred(fields[f.field]) {
				matched = true
				break
			}
		}
		if !matched {
			return false
		}
	}
	return true
}

// tieRank orders rows tied by the sort orders for one page request: a
// splitmix64 hash of the row's position and the page number.
func tieRank(pos, page int) uint64 {
	z := uint64(pos)*0x9e3779b97f4a7c15 + uint64(page)*0xbf58476d1ce4e5b9
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// dateTimeInputs are the literal forms MySQL reads as a DATETIME when a
// *_at column is compared with a string.
var dateTimeInputs = []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02T15:04:05Z07:00", "2006-01-02 15:04", "2006-01-02"}

// normalizeDateTime rewrites a datetime filter value to Magento's stored
// form so it compares as MySQL would ("2026-11-01" is midnight, a "T"
// separator is accepted). Values that are no datetime are left alone. A
// zone offset is converted to UTC, where Magento keeps its timestamps.
func normalizeDateTime(v string) string {
	for _, layout := range dateTimeInputs {
		if t, err := time.Parse(layout, strings.TrimSpace(v)); err == nil {
			return t.UTC().Format(timeLayout)
		}
	}
	return v
}
