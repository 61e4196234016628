package hubspot_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/hubspot"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
	"github.com/datawald/datawald/internal/sandbox/seed"
)

// newFakeClock returns a settable clock for limits, timestamps and the
// search lag.
func newFakeClock() *sandboxtest.Clock {
	return sandboxtest.NewClock(time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC))
}

var smallCatalog = seed.Generate(seed.Config{Seed: 7, End: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
	Counts: seed.Counts{Products: 30, Customers: 20, Orders: 20, Companies: 8, Contacts: 40, Deals: 12}})

// portal starts a HubSpot sandbox. Limits are off unless the options set
// them, so tests that do not test limits are not throttled.
func portal(t *testing.T, o hubspot.Options) (*hubspot.Vendor, string) {
	t.Helper()
	if o.Catalog == nil {
		o.Catalog = smallCatalog
	}
	if o.RateLimit == 0 {
		o.RateLimit = -1
	}
	if o.SearchRateLimit == 0 {
		o.SearchRateLimit = -1
	}
	v := hubspot.New(o)
	_, base := sandboxtest.Start(t, v, sandbox.Options{})
	return v, base
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// call sends a request with the sandbox token and decodes a JSON answer.
func call(t *testing.T, method, url string, body any) response {
	t.Helper()
	return callWithToken(t, hubspot.DefaultToken, method, url, body)
}

func callWithToken(t *testing.T, token, method, url string, body any) response {
	t.Helper()
	r := sandboxtest.Do(t, nil, method, url, body, map[string]string{
		"Authorization": "Bearer " + token,
		"Content-Type":  "application/json",
	})
	out := response{status: r.Status, header: r.Header, raw: r.Body}
	if len(r.Body) > 0 {
		require.NoError(t, json.Unmarshal(r.Body, &out.body), "body: %s", r.Body)
	}
	return out
}

// results returns the results array of a list, search or batch answer.
func results(t *testing.T, r response) []map[string]any {
	t.Helper()
	list, ok := r.body["results"].([]any)
	require.True(t, ok, "no results in %s", r.raw)
	out := make([]map[string]any, len(list))
	for i, item := range list {
		out[i] = item.(map[string]any)
	}
	return out
}

func props(item map[string]any) map[string]any { return item["properties"].(map[string]any) }

// requireHubSpotError checks the status and HubSpot's error body fields.
func requireHubSpotError(t *testing.T, r response, status int, category string) {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.raw)
	require.Equal(t, "error", r.body["status"], "body: %s", r.raw)
	require.Equal(t, category, r.body["category"], "body: %s", r.raw)
	require.NotEmpty(t, r.body["message"])
	require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, r.body["correlationId"])
}
