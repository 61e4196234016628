package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/datawald/datawald/internal/httpx"
)

// simulator is one line of `datawald sandbox --json`.
type simulator struct {
	Vendor      string            `json:"vendor"`
	BaseURL     string            `json:"base_url"`
	Credentials map[string]string `json:"credentials"`
}

// parseSimulators reads the sandbox's JSON lines into vendor → simulator.
func parseSimulators(lines []string) (map[string]simulator, error) {
	sims := map[string]simulator{}
	for _, l := range lines {
		var s simulator
		if err := json.Unmarshal([]byte(l), &s); err != nil {
			return nil, fmt.Errorf("parsing sandbox line %q: %w", l, err)
		}
		sims[s.Vendor] = s
	}
	for _, v := range []string{"magento", "netsuite"} {
		if _, ok := sims[v]; !ok {
			return nil, fmt.Errorf("parsing sandbox output: no %s simulator", v)
		}
	}
	return sims, nil
}

func magentoSigner(s simulator) *httpx.OAuth1 {
	c := s.Credentials
	return &httpx.OAuth1{ConsumerKey: c["consumer_key"], ConsumerSecret: c["consumer_secret"],
		Token: c["access_token"], TokenSecret: c["access_token_secret"], Method: c["signature_method"]}
}

func netsuiteSigner(s simulator) *httpx.OAuth1 {
	c := s.Credentials
	return &httpx.OAuth1{ConsumerKey: c["consumer_key"], ConsumerSecret: c["consumer_secret"],
		Token: c["token_id"], TokenSecret: c["token_secret"], Realm: c["realm"]}
}

// do sends a request signed by signer (nil: unsigned) and decodes a 2xx JSON
// answer into out.
func do(ctx context.Context, signer httpx.Signer, method, u string, body []byte, header http.Header, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if signer != nil {
		if err := signer.Sign(req); err != nil {
			return err
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %.300s", method, req.URL.Path, res.Status, data)
	}
	return json.Unmarshal(data, out)
}

// magentoOrders fetches up to n orders, as the Magento input receives them
// (elements of GET /V1/orders items[]), each as its raw JSON.
func magentoOrders(ctx context.Context, s simulator, n int) ([]json.RawMessage, error) {
	q := url.Values{}
	q.Set("searchCriteria[pageSize]", strconv.Itoa(n))
	q.Set("searchCriteria[currentPage]", "1")
	u := s.BaseURL + "/rest/" + s.Credentials["store_code"] + "/V1/orders?" + q.Encode()
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := do(ctx, magentoSigner(s), http.MethodGet, u, nil, nil, &page); err != nil {
		return nil, fmt.Errorf("fetching sample Magento orders: %w", err)
	}
	if len(page.Items) == 0 {
		return nil, fmt.Errorf("fetching sample Magento orders: the simulator returned none")
	}
	return page.Items, nil
}

// suiteQLCount runs a SELECT COUNT(*) AS n ... query against the NetSuite
// simulator the way the connectors do (TBA-signed, Prefer: transient).
func suiteQLCount(ctx context.Context, s simulator, where string) (int, error) {
	q := "SELECT COUNT(*) AS n FROM transaction WHERE " + where
	body, err := json.Marshal(map[string]string{"q": q})
	if err != nil {
		return 0, err
	}
	h := http.Header{"Prefer": {"transient"}, "Content-Type": {"application/json"}}
	var res struct {
		Items []map[string]any `json:"items"`
	}
	if err := do(ctx, netsuiteSigner(s), http.MethodPost, s.BaseURL+"/services/rest/query/v1/suiteql", body, h, &res); err != nil {
		return 0, fmt.Errorf("counting NetSuite transactions (%s): %w", q, err)
	}
	if len(res.Items) != 1 {
		return 0, fmt.Errorf("counting NetSuite transactions (%s): %d rows", q, len(res.Items))
	}
	switch v := res.Items[0]["n"].(type) {
	case float64:
		return int(v), nil
	case string:
		return strconv.Atoi(v)
	default:
		return 0, fmt.Errorf("counting NetSuite transactions (%s): n is %T %v", q, v, v)
	}
}

// endpointCount is one row of GET /_sandbox/stats.
type endpointCount struct {
	Endpoint string `json:"endpoint"`
	Status   int    `json:"status"`
	Count    int64  `json:"count"`
}

// sandboxStats reads a simulator's request counts.
func sandboxStats(ctx context.Context, s simulator) ([]endpointCount, int64, error) {
	var st struct {
		Requests       []endpointCount `json:"requests"`
		MaxConcurrency int64           `json:"max_concurrency"`
	}
	if err := do(ctx, nil, http.MethodGet, s.BaseURL+"/_sandbox/stats", nil, nil, &st); err != nil {
		return nil, 0, fmt.Errorf("reading %s stats: %w", s.Vendor, err)
	}
	return st.Requests, st.MaxConcurrency, nil
}

// withTimeout is a short context for one admin request.
func withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, 30*time.Second)
}

// magentoCountByState counts the Magento orders whose state is one of
// states (searchCriteria condition in), from total_count of a one-item page.
func magentoCountByState(ctx context.Context, s simulator, states string) (int, error) {
	q := url.Values{}
	q.Set("searchCriteria[filter_groups][0][filters][0][field]", "state")
	q.Set("searchCriteria[filter_groups][0][filters][0][value]", states)
	q.Set("searchCriteria[filter_groups][0][filters][0][condition_type]", "in")
	q.Set("searchCriteria[pageSize]", "1")
	u := s.BaseURL + "/rest/" + s.Credentials["store_code"] + "/V1/orders?" + q.Encode()
	var page struct {
		TotalCount int `json:"total_count"`
	}
	if err := do(ctx, magentoSigner(s), http.MethodGet, u, nil, nil, &page); err != nil {
		return 0, fmt.Errorf("counting Magento orders in state %s: %w", states, err)
	}
	return page.TotalCount, nil
}
