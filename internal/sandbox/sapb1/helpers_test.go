package sapb1_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
	"github.com/datawald/datawald/internal/sandbox/sapb1"
	"github.com/datawald/datawald/internal/sandbox/seed"
)

// newFakeClock returns a settable clock for session expiry and timestamps.
func newFakeClock() *sandboxtest.Clock {
	return sandboxtest.NewClock(time.Date(2026, 11, 20, 21, 0, 0, 0, time.UTC))
}

var smallCatalog = seed.Generate(seed.Config{Seed: 11, End: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
	Counts: seed.Counts{Products: 30, Customers: 25, Orders: 45, Companies: 5, Contacts: 25, Deals: 5}})

// company starts a Service Layer sandbox.
func company(t *testing.T, o sapb1.Options) (*sapb1.Vendor, string) {
	t.Helper()
	if o.Catalog == nil {
		o.Catalog = smallCatalog
	}
	v := sapb1.New(o)
	_, base := sandboxtest.Start(t, v, sandbox.Options{})
	return v, base
}

// client is a Service Layer client with its own cookie jar.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func newClient(t *testing.T, base string) *client {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &client{t: t, base: base + "/b1s/v1/", http: &http.Client{Jar: jar}}
}

// loggedIn returns a client with a live session.
func loggedIn(t *testing.T, base string) *client {
	c := newClient(t, base)
	r := c.do(http.MethodPost, "Login", map[string]any{"CompanyDB": sapb1.DefaultCompanyDB, "UserName": sapb1.DefaultUserName, "Password": sapb1.DefaultPassword}, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	return c
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (c *client) do(method, path string, body any, header map[string]string) response {
	c.t.Helper()
	r := sandboxtest.Do(c.t, c.http, method, c.base+path, body, header)
	out := response{status: r.Status, header: r.Header, raw: r.Body}
	if len(r.Body) > 0 && r.Header.Get("Content-Type") != "" && bytes.HasPrefix(bytes.TrimSpace(r.Body), []byte("{")) {
		require.NoError(c.t, json.Unmarshal(r.Body, &out.body), "body: %s", r.Body)
	}
	return out
}

func (c *client) get(path string) response { return c.do(http.MethodGet, path, nil, nil) }

func values(t *testing.T, r response) []map[string]any {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	list := r.body["value"].([]any)
	out := make([]map[string]any, len(list))
	for i, x := range list {
		out[i] = x.(map[string]any)
	}
	return out
}

// requireSAPError checks the status and the Service Layer's error body.
func requireSAPError(t *testing.T, r response, status int, code int) string {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.raw)
	e, ok := r.body["error"].(map[string]any)
	require.True(t, ok, "no error object in %s", r.raw)
	require.EqualValues(t, code, e["code"], "body: %s", r.raw)
	msg := e["message"].(map[string]any)
	require.Equal(t, "en-us", msg["lang"])
	require.NotEmpty(t, msg["value"])
	return msg["value"].(string)
}
