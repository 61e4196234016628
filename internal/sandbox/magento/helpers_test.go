package magento

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
	"github.com/datawald/datawald/internal/sandbox/seed"
)

// catalogEnd fixes the seed's history so tests do not depend on the day.
var catalogEnd = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

var (
	catalogOnce sync.Once
	catalog     *seed.Catalog
)

func testCatalog() *seed.Catalog {
	catalogOnce.Do(func() {
		catalog = seed.Generate(seed.Config{Seed: 42, End: catalogEnd})
	})
	return catalog
}

// newTestClock returns a settable clock a day and a half after the seed's
// history ends.
func newTestClock() *sandboxtest.Clock { return sandboxtest.NewClock(catalogEnd.Add(36 * time.Hour)) }

// sim is a running simulator with its contract validator in front.
type sim struct {
	t      *testing.T
	v      *Vendor
	srv    *sandbox.Server
	base   string
	clock  *sandboxtest.Clock
	token  string
	nonce  atomic.Int64
	checks *ContractValidator
}

var (
	contractOnce sync.Once
	contractPath string
	contractErr  error
)

// contract returns the path of the official schema or skips the test.
func contract(t *testing.T) string {
	t.Helper()
	contractOnce.Do(func() { contractPath, contractErr = FindContract(".") })
	if errors.Is(contractErr, ErrContractAbsent) {
		t.Skipf("skipping contract check: %v", contractErr)
	}
	require.NoError(t, contractErr)
	return contractPath
}

// startSim serves a simulator behind the contract validator; every request
// and response of the test is checked against the official schema, and any
// violation fails the test. Without ../shared/contracts the simulator runs
// unchecked (the dedicated contract tests skip with a message).
func startSim(t *testing.T, mod func(*Options)) *sim {
	t.Helper()
	clock := newTestClock()
	o := Options{Catalog: testCatalog(), Clock: clock.Now}
	if mod != nil {
		mod(&o)
	}
	v := New(o)
	srv := sandbox.NewServer(v, sandbox.Options{})
	var h http.Handler = srv
	s := &sim{t: t, v: v, srv: srv, clock: clock}
	if p, err := FindContract("."); err == nil {
		s.checks, err = NewContractValidator(p)
		require.NoError(t, err)
		h = s.checks.Middleware(srv)
	} else {
		t.Logf("contract validation off: %v", err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	s.base = ts.URL
	if s.checks != nil {
		t.Cleanup(func() {
			assert.Empty(t, s.checks.Violations(), "every request and response must match the Magento admin schema")
		})
	}
	return s
}

// adminToken returns (and caches) an admin bearer token.
func (s *sim) adminToken() string {
	if s.token == "" {
		status, body := s.call("POST", "/rest/V1/integration/admin/token", "",
			map[string]string{"username": s.v.opts.AdminUsername, "password": s.v.opts.AdminPassword})
		require.Equal(s.t, http.StatusOK, status, string(body))
		require.NoError(s.t, json.Unmarshal(body, &s.token))
	}
	return s.token
}

// call sends a request with the given Authorization header value (empty for
// none) and a JSON body (nil for none).
func (s *sim) call(method, path, auth string, body any) (int, []byte) {
	s.t.Helper()
	h := map[string]string{}
	var payload any // JSON-encoded here, so a string body is sent as a JSON string
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(s.t, err)
		payload = raw
		h["Content-Type"] = "application/json"
	}
	if auth != "" {
		h["Authorization"] = auth
	}
	r := sandboxtest.Do(s.t, nil, method, s.base+path, payload, h)
	return r.Status, r.Body
}

// admin sends a request authenticated with an admin token.
func (s *sim) admin(method, path string, body any) (int, []byte) {
	s.t.Helper()
	return s.call(method, path, "Bearer "+s.adminToken(), body)
}

// mustAdmin sends an admin request and requires want.
func (s *sim) mustAdmin(want int, method, path string, body any, out any) {
	s.t.Helper()
	status, raw := s.admin(method, path, body)
	require.Equal(s.t, want, status, "%s %s: %s", method, path, raw)
	if out != nil {
		require.NoError(s.t, json.Unmarshal(raw, out), string(raw))
	}
}

// errBody is Magento's error body as a client decodes it.
type errBody struct {
	Message    string          `json:"message"`
	Parameters json.RawMessage `json:"parameters"`
	Errors     []struct {
		Message    string          `json:"message"`
		Parameters json.RawMessage `json:"parameters"`
	} `json:"errors"`
}

func decodeErr(t *testing.T, raw []byte) errBody {
	t.Helper()
	var e errBody
	require.NoError(t, json.Unmarshal(raw, &e), string(raw))
	return e
}

// criteria builds a searchCriteria query string.
type criteria struct {
	groups   [][][3]string // group → filters of {field, value, condition_type}
	sorts    [][2]string
	pageSize int
	page     int
}

func (c criteria) query() string {
	q := url.Values{}
	for g, fs := range c.groups {
		for i, f := range fs {
			p := fmt.Sprintf("searchCriteria[filter_groups][%d][filters][%d]", g, i)
			q.Set(p+"[field]", f[0])
			q.Set(p+"[value]", f[1])
			if f[2] != "" {
				q.Set(p+"[condition_type]", f[2])
			}
		}
	}
	for i, s := range c.sorts {
		q.Set(fmt.Sprintf("searchCriteria[sortOrders][%d][field]", i), s[0])
		q.Set(fmt.Sprintf("searchCriteria[sortOrders][%d][direction]", i), s[1])
	}
	if c.pageSize > 0 {
		q.Set("searchCriteria[pageSize]", strconv.Itoa(c.pageSize))
	}
	if c.page > 0 {
		q.Set("searchCriteria[currentPage]", strconv.Itoa(c.page))
	}
	if len(q) == 0 {
		return "searchCriteria="
	}
	return q.Encode()
}

// listResult decodes a search response with items kept generic.
type listResult struct {
	Items          []map[string]any `json:"items"`
	TotalCount     int              `json:"total_count"`
	SearchCriteria map[string]any   `json:"search_criteria"`
}

func (s *sim) list(path string, c criteria) listResult {
	s.t.Helper()
	var out listResult
	s.mustAdmin(http.StatusOK, "GET", path+"?"+c.query(), nil, &out)
	return out
}

// signOAuth returns an OAuth 1.0a Authorization header for a request to
// rawURL, made by the test signer, which is computed independently of the
// simulator's verifier.
func signOAuth(method, rawURL, consumerKey, consumerSecret, token, tokenSecret, sigMethod, nonce string, ts int64) string {
	return sandboxtest.OAuth1{
		ConsumerKey: consumerKey, ConsumerSecret: consumerSecret,
		Token: token, TokenSecret: tokenSecret, SignatureMethod: sigMethod,
	}.Header(method, rawURL, nonce, ts)
}

// oauth signs a request to path with the integration credentials.
func (s *sim) oauth(method, path string) string {
	o := s.v.opts
	n := s.nonce.Add(1)
	return signOAuth(method, s.base+path, o.ConsumerKey, o.ConsumerSecret, o.AccessToken, o.AccessTokenSecret,
		"HMAC-SHA256", fmt.Sprintf("nonce%010d", n), s.clock.Now().Unix())
}

func itoa(n int) string { return strconv.Itoa(n) }

// expectViolation asserts that the contract validator flagged the last
// request (sent invalid on purpose) and clears the record; without the
// contract files it does nothing.
func (s *sim) expectViolation(contains string) {
	s.t.Helper()
	if s.checks == nil {
		return
	}
	v := s.checks.TakeViolations()
	require.Len(s.t, v, 1, "exactly the deliberate violation")
	assert.Contains(s.t, v[0], contains)
}
