package magento

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/buger/jsonparser"
)

// MaxPageSize is the largest page Magento serves when input limiting is on
// (webapi/validation/maximum_page_size, default 300).
const MaxPageSize = 300

// Condition types of a searchCriteria filter.
const (
	Eq      = "eq"
	Neq     = "neq"
	Gt      = "gt"
	Gteq    = "gteq"
	Lt      = "lt"
	Lteq    = "lteq"
	In      = "in"
	Nin     = "nin"
	Like    = "like"
	Null    = "null"
	NotNull = "notnull"
)

// Sort directions.
const (
	Asc  = "ASC"
	Desc = "DESC"
)

// TimeLayout is how Magento writes and filters timestamps ("2026-03-01
// 09:30:00"), in UTC.
const TimeLayout = "2006-01-02 15:04:05"

// FormatTime renders t in Magento's UTC layout for a filter value.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// ParseTime reads a Magento timestamp (UTC). RFC 3339 is accepted too.
func ParseTime(s string) (time.Time, error) {
	if t, err := time.ParseInLocation(TimeLayout, s, time.UTC); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parsing magento timestamp %q: want %q", s, TimeLayout)
	}
	return t.UTC(), nil
}

// Filter is one condition on a field.
type Filter struct {
	Field     string
	Condition string // one of the condition constants; empty means eq
	Value     string
}

// Criteria builds a searchCriteria query. Each Where adds a filter group;
// groups are ANDed, the filters of one group ORed. The zero value matches
// everything. Parameters use the camelCase spelling of the admin schema.
type Criteria struct {
	groups      [][]Filter
	sorts       [][2]string
	pageSize    int
	currentPage int
}

// Where adds a group holding one filter (AND).
func (c Criteria) Where(field, condition, value string) Criteria {
	return c.WhereAny(Filter{Field: field, Condition: condition, Value: value})
}

// WhereAny adds a group whose filters are ORed.
func (c Criteria) WhereAny(filters ...Filter) Criteria {
	c.groups = append(append([][]Filter(nil), c.groups...), filters)
	return c
}

// SortBy adds a sort order; earlier orders take precedence.
func (c Criteria) SortBy(field, direction string) Criteria {
	c.sorts = append(append([][2]string(nil), c.sorts...), [2]string{field, direction})
	return c
}

// Page sets the page size and the 1-based page number.
func (c Criteria) Page(size, page int) Criteria {
	c.pageSize, c.currentPage = size, page
	return c
}

// PageSize returns the page size set by Page (0 when unset).
func (c Criteria) PageSize() int { return c.pageSize }

// Values encodes the criteria as query parameters. Magento requires at
// least one searchCriteria parameter, so an empty Criteria encodes as
// "searchCriteria=".
func (c Criteria) Values() url.Values {
	v := url.Values{}
	for i, g := range c.groups {
		for j, f := range g {
			p := fmt.Sprintf("searchCriteria[filterGroups][%d][filters][%d]", i, j)
			v.Set(p+"[field]", f.Field)
			v.Set(p+"[value]", f.Value)
			cond := f.Condition
			if cond == "" {
				cond = Eq
			}
			v.Set(p+"[conditionType]", cond)
		}
	}
	for k, s := range c.sorts {
		p := fmt.Sprintf("searchCriteria[sortOrders][%d]", k)
		v.Set(p+"[field]", s[0])
		v.Set(p+"[direction]", s[1])
	}
	if c.pageSize > 0 {
		v.Set("searchCriteria[pageSize]", strconv.Itoa(c.pageSize))
	}
	if c.currentPage > 0 {
		v.Set("searchCriteria[currentPage]", strconv.Itoa(c.currentPage))
	}
	if len(v) == 0 {
		v.Set("searchCriteria", "")
	}
	return v
}

// RawPage is one page of a search: items as raw JSON, in the server's
// order, and total_count, the number of matches over all pages.
type RawPage struct {
	Items      []json.RawMessage `json:"items"`
	TotalCount int               `json:"total_count"`
}

// Search runs a searchCriteria query on a list route such as "/V1/orders"
// or "/V1/customers/search" and returns one page. Items are sliced out of
// the answer without being decoded (a page of 300 orders is megabytes of
// JSON; callers decode what they need).
func (c *Client) Search(ctx context.Context, route string, cr Criteria) (RawPage, error) {
	body, err := c.doRaw(ctx, call{method: http.MethodGet, path: route, endpoint: route, query: cr.Values()})
	if err != nil {
		return RawPage{}, fmt.Errorf("searching %s: %w", route, err)
	}
	p, err := parsePage(body)
	if err != nil {
		return RawPage{}, fmt.Errorf("searching %s: decoding the answer: %w", route, err)
	}
	return p, nil
}

// parsePage reads {items, total_count} from a search answer.
func parsePage(body []byte) (RawPage, error) {
	var p RawPage
	total, err := jsonparser.GetInt(body, "total_count")
	if err != nil {
		return p, fmt.Errorf("total_count: %w", err)
	}
	p.TotalCount = int(total)
	var itemErr error
	_, err = jsonparser.ArrayEach(body, func(value []byte, dt jsonparser.ValueType, _ int, err error) {
		if itemErr != nil {
			return
		}
		if err != nil || dt != jsonparser.Object {
			itemErr = fmt.Errorf("item %d is not an object", len(p.Items))
			return
		}
		p.Items = append(p.Items, json.RawMessage(value))
	}, "items")
	if errors.Is(err, jsonparser.KeyPathNotFoundError) {
		return p, nil // Magento omits items on an empty page
	}
	if err != nil {
		return p, fmt.Errorf("items: %w", err)
	}
	return p, itemErr
}

// searchTyped runs a query and decodes each item into T.
func searchTyped[T any](ctx context.Context, c *Client, route string, cr Criteria) ([]T, int, error) {
	p, err := c.Search(ctx, route, cr)
	if err != nil {
		return nil, 0, err
	}
	out := make([]T, 0, len(p.Items))
	for i, raw := range p.Items {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, 0, fmt.Errorf("decoding %s item %d: %w", route, i, err)
		}
		out = append(out, v)
	}
	return out, p.TotalCount, nil
}
