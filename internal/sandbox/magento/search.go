package magento

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
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
	for _, g := range sc.FilterGroups {
		for _, f := range g.Filters {
			if !known(f.Field) {
				return searchResult{}, unknown(f.Field)
			}
			if _, err := conditionFor(f.ConditionType); err != nil {
				return searchResult{}, err
			}
		}
	}
	for _, s := range sc.SortOrders {
		if !known(s.Field) {
			return searchResult{}, unknown(s.Field)
		}
	}
	matched := make([]searchable, 0, len(rows))
	for _, r := range rows {
		if matchesAll(r.fields, sc.FilterGroups) {
			matched = append(matched, r)
		}
	}
	if len(sc.SortOrders) > 0 {
		sort.SliceStable(matched, func(i, j int) bool {
			for _, s := range sc.SortOrders {
				c := compareValues(matched[i].fields[s.Field], matched[j].fields[s.Field])
				if c == 0 {
					continue
				}
				if strings.EqualFold(s.Direction, "DESC") {
					return c > 0
				}
				return c < 0
			}
			return false
		})
	}
	total := len(matched)
	size := defaultPageSize
	if sc.PageSize != nil && *sc.PageSize > 0 {
		size = *sc.PageSize
	}
	page := matched
	if size > 0 {
		last := int(math.Max(1, math.Ceil(float64(total)/float64(size))))
		cur := 1
		if sc.CurrentPage != nil {
			cur = *sc.CurrentPage
		}
		if cur < 1 {
			cur = 1
		}
		if cur > last {
			cur = last
		}
		start := (cur - 1) * size
		end := min(start+size, total)
		page = matched[start:end]
	}
	items := make([]any, len(page))
	for i, r := range page {
		items[i] = r.item
	}
	return searchResult{Items: items, SearchCriteria: sc, TotalCount: total}, nil
}

func matchesAll(fields map[string]any, groups []filterGroup) bool {
	for _, g := range groups {
		if len(g.Filters) == 0 {
			continue
		}
		matched := false
		for _, f := range g.Filters {
			cond, _ := conditionFor(f.ConditionType)
			if cond(fields[f.Field], f.Value) {
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

type condition func(field any, value string) bool

// conditionFor returns the predicate of a Magento condition_type ("eq" when
// empty). String comparisons ignore case, as MySQL's default collation does;
// a NULL field matches only null (and nin/neq never match NULL, as in SQL).
func conditionFor(ct string) (condition, error) {
	switch strings.ToLower(ct) {
	case "", "eq":
		return func(f any, v string) bool { return f != nil && compareToValue(f, v) == 0 }, nil
	case "neq":
		return func(f any, v string) bool { return f != nil && compareToValue(f, v) != 0 }, nil
	case "gt":
		return func(f any, v string) bool { return f != nil && compareToValue(f, v) > 0 }, nil
	case "gteq", "from", "moreq":
		return func(f any, v string) bool { return f != nil && compareToValue(f, v) >= 0 }, nil
	case "lt":
		return func(f any, v string) bool { return f != nil && compareToValue(f, v) < 0 }, nil
	case "lteq", "to":
		return func(f any, v string) bool { return f != nil && compareToValue(f, v) <= 0 }, nil
	case "in":
		return func(f any, v string) bool { return f != nil && inList(f, v) }, nil
	case "nin":
		return func(f any, v string) bool { return f != nil && !inList(f, v) }, nil
	case "like":
		return func(f any, v string) bool { return f != nil && likeMatch(scalarString(f), v) }, nil
	case "nlike":
		return func(f any, v string) bool { return f != nil && !likeMatch(scalarString(f), v) }, nil
	case "null":
		return func(f any, _ string) bool { return f == nil || f == "" }, nil
	case "notnull":
		return func(f any, _ string) bool { return f != nil && f != "" }, nil
	case "finset":
		return func(f any, v string) bool {
			for _, part := range strings.Split(scalarString(f), ",") {
				if strings.EqualFold(strings.TrimSpace(part), v) {
					return true
				}
			}
			return false
		}, nil
	}
	return nil, errPositional(http.StatusBadRequest, `Invalid value of "%1" provided for the %2 field.`, ct, "conditionType")
}

func inList(f any, v string) bool {
	for _, part := range strings.Split(v, ",") {
		if compareToValue(f, strings.TrimSpace(part)) == 0 {
			return true
		}
	}
	return false
}

// likeMatch is SQL LIKE: % any run, _ one character, case-insensitive.
func likeMatch(s, pattern string) bool {
	var re strings.Builder
	re.WriteString("(?is)^")
	for _, r := range pattern {
		switch r {
		case '%':
			re.WriteString(".*")
		case '_':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re.WriteString("$")
	ok, err := regexp.MatchString(re.String(), s)
	return err == nil && ok
}

func scalarString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return "1"
		}
		return "0"
	}
	return fmt.Sprint(v)
}

// compareToValue compares a field with a filter value: numerically when the
// field is a number and the value parses as one, otherwise as strings
// ignoring case ("YYYY-MM-DD HH:MM:SS" timestamps order correctly as text).
func compareToValue(f any, v string) int {
	if n, ok := f.(float64); ok {
		if x, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
			switch {
			case n < x:
				return -1
			case n > x:
				return 1
			}
			return 0
		}
	}
	return strings.Compare(strings.ToLower(scalarString(f)), strings.ToLower(v))
}

// compareValues orders two field values for sorting; NULL sorts first, as in
// MySQL ascending order.
func compareValues(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	an, aok := a.(float64)
	bn, bok := b.(float64)
	if aok && bok {
		switch {
		case an < bn:
			return -1
		case an > bn:
			return 1
		}
		return 0
	}
	return strings.Compare(strings.ToLower(scalarString(a)), strings.ToLower(scalarString(b)))
}
