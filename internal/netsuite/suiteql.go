package netsuite

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/datawald/datawald/internal/httpx"
)

// MaxPageSize is the most rows SuiteQL returns per page.
const MaxPageSize = 1000

// MaxQueryResults is the most rows one SuiteQL query can page through
// without SuiteAnalytics Connect.
const MaxQueryResults = 100_000

// QueryPage is one page of SuiteQL results. Items are the rows as NetSuite
// sent them: objects with lower-case column names (and a links array).
type QueryPage struct {
	Items        []json.RawMessage `json:"items"`
	Count        int               `json:"count"`
	HasMore      bool              `json:"hasMore"`
	Offset       int               `json:"offset"`
	TotalResults int               `json:"totalResults"`
}

// SuiteQL runs q (POST /query/v1/suiteql, "Prefer: transient") and returns
// the page at offset (a multiple of limit, 1 ≤ limit ≤ MaxPageSize). A
// query is a read, so it is retried like one.
func (c *Client) SuiteQL(ctx context.Context, q string, limit, offset int) (*QueryPage, error) {
	if limit < 1 || limit > MaxPageSize {
		return nil, fmt.Errorf("running suiteql: limit %d is not between 1 and %d", limit, MaxPageSize)
	}
	body, err := json.Marshal(map[string]string{"q": q})
	if err != nil {
		return nil, fmt.Errorf("running suiteql: encoding query: %w", err)
	}
	var page QueryPage
	_, err = c.do(ctx, &httpx.Request{
		Method:     http.MethodPost,
		Path:       "/services/rest/query/v1/suiteql",
		Query:      url.Values{"limit": {strconv.Itoa(limit)}, "offset": {strconv.Itoa(offset)}},
		Header:     http.Header{"Prefer": {"transient"}},
		Body:       body,
		Idempotent: true,
	}, &page)
	if err != nil {
		return nil, fmt.Errorf("running suiteql: %w", err)
	}
	return &page, nil
}
