package sapb1

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/datawald/datawald/internal/httpx"
)

// MaxPageSize bounds the page size a client asks for. The Service Layer
// has no documented maximum; larger pages hold a session's node longer.
const MaxPageSize = 1000

// Query holds OData system query options of a collection read.
type Query struct {
	// Filter is a $filter expression, e.g. "NumAtCard eq '100000042'".
	Filter string
	// Select limits the properties returned ($select).
	Select []string
	// OrderBy lists $orderby terms ("UpdateDate", "DocEntry desc").
	OrderBy []string
}

// encode renders q as a query string. Values are percent-encoded with %20
// for spaces: OData does not read '+' as a space.
func (q Query) encode() string {
	var parts []string
	add := func(name, value string) {
		if value != "" {
			parts = append(parts, name+"="+strings.ReplaceAll(url.QueryEscape(value), "+", "%20"))
		}
	}
	add("$filter", q.Filter)
	add("$select", strings.Join(q.Select, ","))
	add("$orderby", strings.Join(q.OrderBy, ","))
	return strings.Join(parts, "&")
}

// Page is one server-driven page of a collection.
type Page struct {
	// Values are the records, undecoded.
	Values []json.RawMessage `json:"value"`
	// NextLink is the relative address of the next page (odata.nextLink),
	// empty on the last page.
	NextLink string `json:"odata.nextLink"`
}

// List reads the first page of set matching q, asking for at most
// pageSize records (Prefer: odata.maxpagesize; 0 keeps the server's page
// size).
func (c *Client) List(ctx context.Context, set string, q Query, pageSize int) (Page, error) {
	path := set
	if qs := q.encode(); qs != "" {
		path += "?" + qs
	}
	return c.page(ctx, set, path, pageSize)
}

// NextPage reads the page at next, a Page.NextLink of set.
func (c *Client) NextPage(ctx context.Context, set, next string, pageSize int) (Page, error) {
	path, err := c.relative(next)
	if err != nil {
		return Page{}, fmt.Errorf("reading sap b1 %s: %w", set, err)
	}
	return c.page(ctx, set, path, pageSize)
}

// All reads every record of set matching q, following odata.nextLink from
// page to page. It is meant for small result sets (lookups); use a Scan
// to read an entity set incrementally.
func (c *Client) All(ctx context.Context, set string, q Query, pageSize int) ([]json.RawMessage, error) {
	p, err := c.List(ctx, set, q, pageSize)
	if err != nil {
		return nil, err
	}
	out := p.Values
	for p.NextLink != "" {
		if p, err = c.NextPage(ctx, set, p.NextLink, pageSize); err != nil {
			return nil, err
		}
		out = append(out, p.Values...)
	}
	return out, nil
}

func (c *Client) page(ctx context.Context, set, path string, pageSize int) (Page, error) {
	h := http.Header{}
	if pageSize > 0 {
		h.Set("Prefer", "odata.maxpagesize="+strconv.Itoa(min(pageSize, MaxPageSize)))
	}
	var p Page
	if _, err := c.do(ctx, call{method: http.MethodGet, path: path, endpoint: "/" + set, header: h, entity: set}, &p); err != nil {
		return Page{}, err
	}
	return p, nil
}

// relative turns an odata.nextLink into a path under the service root. An
// absolute link must point into the same service (the session cookies go
// with it).
func (c *Client) relative(link string) (string, error) {
	if strings.HasPrefix(link, "http://") || strings.HasPrefix(link, "https://") {
		rest, ok := strings.CutPrefix(link, c.base+"/")
		if !ok {
			return "", fmt.Errorf("odata.nextLink %s points outside the service root", httpx.RedactURL(link))
		}
		return rest, nil
	}
	return strings.TrimPrefix(strings.TrimPrefix(link, ServicePath), "/"), nil
}
