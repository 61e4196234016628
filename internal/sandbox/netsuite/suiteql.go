package netsuite

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/datawald/datawald/internal/sandbox"
)

const suiteQLPath = "/services/rest/query/v1/suiteql"

// maxPageSize is the largest limit SuiteQL and record collections accept.
const maxPageSize = 1000

// pageParams reads limit (1..1000, default 1000) and offset (≥ 0, a
// multiple of limit) from the query string.
func pageParams(r *http.Request) (limit, offset int, aerr *apiError) {
	q := r.URL.Query()
	limit, offset = maxPageSize, 0
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPageSize {
			return 0, 0, &apiError{Status: http.StatusBadRequest, Code: codeInvalidParameter, QueryParam: "limit",
				Detail: fmt.Sprintf("Invalid value for the parameter 'limit': %s. Provide a value between 1 and %d.", s, maxPageSize)}
		}
		limit = n
	}
	if s := q.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return 0, 0, &apiError{Status: http.StatusBadRequest, Code: codeInvalidParameter, QueryParam: "offset",
				Detail: fmt.Sprintf("Invalid value for the parameter 'offset': %s. Provide a non-negative integer.", s)}
		}
		offset = n
	}
	if offset%limit != 0 {
		return 0, 0, &apiError{Status: http.StatusBadRequest, Code: codeInvalidParameter, QueryParam: "offset",
			Detail: fmt.Sprintf("Invalid value for the parameter 'offset': %d. The offset must be a multiple of the limit (%d).", offset, limit)}
	}
	return limit, offset, nil
}

// page is the collection envelope of SuiteQL results and record lists.
type page struct {
	Links        []link `json:"links"`
	Count        int    `json:"count"`
	HasMore      bool   `json:"hasMore"`
	Items        any    `json:"items"`
	Offset       int    `json:"offset"`
	TotalResults int    `json:"totalResults"`
}

// pageLinks are the previous/first/next/last/self links of a page of a
// collection at href whose reachable size is reachable.
func pageLinks(href string, limit, offset, reachable int, hasMore bool) []link {
	at := func(o int) string {
		sep := "?"
		if strings.Contains(href, "?") {
			sep = "&"
		}
		return fmt.Sprintf("%s%slimit=%d&offset=%d", href, sep, limit, o)
	}
	var ls []link
	if offset > 0 {
		prev := offset - limit
		if prev < 0 {
			prev = 0
		}
		ls = append(ls, link{Rel: "previous", Href: at(prev)})
	}
	ls = append(ls, link{Rel: "first", Href: at(0)})
	if hasMore {
		ls = append(ls, link{Rel: "next", Href: at(offset + limit)})
	}
	last := 0
	if reachable > 0 {
		last = (reachable - 1) / limit * limit
	}
	ls = append(ls, link{Rel: "last", Href: at(last)}, link{Rel: "self", Href: at(offset)})
	return ls
}

// handleSuiteQL answers POST /query/v1/suiteql: the request must say
// "Prefer: transient" and carry {"q": "SELECT ..."}; results come in pages
// of at most 1000 and a query reaches at most MaxQueryResults rows.
func (v *Vendor) handleSuiteQL(w http.ResponseWriter, r *http.Request) {
	if !preferHas(r, "transient") {
		writeError(w, &apiError{Status: http.StatusBadRequest, Code: codeInvalidHeader, Header: "Prefer",
			Detail: "Invalid or missing 'Prefer' header. SuiteQL queries require the header 'Prefer: transient'."})
		return
	}
	limit, offset, aerr := pageParams(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	if err != nil {
		writeError(w, errorf(http.StatusBadRequest, codeInvalidContent, "Error while reading the request body: %v", err))
		return
	}
	var body struct {
		Q *string `json:"q"`
	}
	if err := json.Unmarshal(raw, &body); err != nil || body.Q == nil || strings.TrimSpace(*body.Q) == "" {
		writeError(w, &apiError{Status: http.StatusBadRequest, Code: codeInvalidContent, Path: "q",
			Detail: "Invalid content in the request body. A JSON object with the query in the 'q' property is expected."})
		return
	}
	res, aerr := v.runQuery(*body.Q)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	capped := min(len(res.items), v.opts.MaxQueryResults)
	if offset >= v.opts.MaxQueryResults {
		writeError(w, &apiError{Status: http.StatusBadRequest, Code: codeInvalidParameter, QueryParam: "offset",
			Detail: fmt.Sprintf("Invalid value for the parameter 'offset': %d. A SuiteQL query returns at most %d results; narrow the query to read the rest.", offset, v.opts.MaxQueryResults)})
		return
	}
	end := min(offset+limit, capped)
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%d|%d", *body.Q, limit, offset)
	pageItems := res.page(offset, end, h.Sum64())
	hasMore := end < capped
	writeJSON(w, http.StatusOK, page{
		Links:        pageLinks(sandbox.BaseURL(r)+suiteQLPath, limit, offset, capped, hasMore),
		Count:        len(pageItems),
		HasMore:      hasMore,
		Items:        pageItems,
		Offset:       offset,
		TotalResults: len(res.items),
	})
}

// preferHas reports whether a Prefer header carries the preference token.
func preferHas(r *http.Request, token string) bool {
	for _, h := range r.Header.Values("Prefer") {
		for _, p := range strings.Split(h, ",") {
			name, _, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(name), token) {
				return true
			}
		}
	}
	return false
}

// runQuery compiles and executes q over the current data, reusing the
// result of the same query on the same data version.
func (v *Vendor) runQuery(q string) (*queryResult, *apiError) {
	cq, aerr := compileQuery(q)
	if aerr != nil {
		return nil, aerr
	}
	cacheable := !usesNow(q)
	var (
		rows    [][]sqlValue
		version uint64
		cached  *queryResult
		hit     bool
	)
	v.store.snapshot(func(ver uint64, tables map[string]*typeTable) {
		version = ver
		if cacheable {
			if cached, hit = v.queries.get(q, ver); hit {
				return
			}
		}
		rows = tableRows(cq.table, tables, v.opts)
	})
	if hit {
		return cached, nil
	}
	ctx := &evalCtx{prefs: v.prefs(), now: v.now(), formats: map[string][]fmtElem{}}
	res, err := cq.execute(rows, ctx)
	if err != nil {
		return nil, queryError("%v", err)
	}
	if cacheable {
		v.queries.put(q, version, res)
	}
	return res, nil
}

// prefs are the SuiteQL user's preferences.
func (v *Vendor) prefs() userPrefs {
	return userPrefs{loc: v.opts.TimeZone, dateLayout: v.opts.DateFormat}
}

func usesNow(q string) bool {
	u := strings.ToUpper(q)
	return strings.Contains(u, "SYSDATE") || strings.Contains(u, "CURRENT_") || strings.Contains(u, "SYSTIMESTAMP")
}

// tableRows materializes the rows of t from the store's tables, in id order.
func tableRows(t *sqlTable, tables map[string]*typeTable, o Options) [][]sqlValue {
	var rows [][]sqlValue
	for _, typ := range t.types {
		tt := tables[typ]
		ids := make([]int64, 0, len(tt.recs))
		for id := range tt.recs {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			rec := tt.recs[id]
			srcs := []*Record{rec}
			if t.rows != nil {
				srcs = t.rows(rec)
			}
			for _, src := range srcs {
				row := make([]sqlValue, len(t.columns))
				for i, c := range t.columns {
					row[i] = c.get(src, o.TimeZone)
				}
				rows = append(rows, row)
			}
		}
	}
	return rows
}

// queryCache keeps the results of recent queries for one data version. It
// holds at most max queries and at most maxRows result rows in total.
type queryCache struct {
	mu      sync.Mutex
	max     int
	maxRows int
	rows    int
	entries map[string]cachedQuery
	order   []string
}

type cachedQuery struct {
	version uint64
	res     *queryResult
}

func newQueryCache(max, maxRows int) *queryCache {
	return &queryCache{max: max, maxRows: maxRows, entries: map[string]cachedQuery{}}
}

func (c *queryCache) get(q string, version uint64) (*queryResult, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[q]
	if !ok || e.version != version {
		return nil, false
	}
	return e.res, true
}

func (c *queryCache) put(q string, version uint64, res *queryResult) {
	if len(res.items) > c.maxRows {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[q]; ok {
		c.rows -= len(old.res.items)
		c.order = slices.DeleteFunc(c.order, func(s string) bool { return s == q })
	}
	for len(c.order) > 0 && (len(c.order) >= c.max || c.rows+len(res.items) > c.maxRows) {
		c.rows -= len(c.entries[c.order[0]].res.items)
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
	c.entries[q] = cachedQuery{version: version, res: res}
	c.order = append(c.order, q)
	c.rows += len(res.items)
}

func (c *queryCache) clear() {
	c.mu.Lock()
	c.entries, c.order, c.rows = map[string]cachedQuery{}, nil, 0
	c.mu.Unlock()
}
