// Package sandboxtest holds test-only utilities for the sandbox simulators:
// starting them inside Go tests, talking to their /_sandbox/ routes, a
// settable Clock, Do for plain HTTP calls, an independent OAuth 1.0a test
// signer and the benchmark harnesses the vendor packages share. Only tests
// import it.
package sandboxtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/datawald/datawald/internal/sandbox"
)

// Start serves v on a random 127.0.0.1 port and returns the server and its
// base URL ("http://127.0.0.1:PORT"). The server is closed when the test
// ends. Start fails the test when the server cannot start.
func Start(t testing.TB, v sandbox.Vendor, o sandbox.Options) (*sandbox.Server, string) {
	t.Helper()
	s := sandbox.NewServer(v, o)
	baseURL, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("starting %s sandbox: %v", v.Name(), err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, baseURL
}

// Stats fetches GET {baseURL}/_sandbox/stats, for tests that only hold the
// URL of a sandbox (a connector under test, a subprocess).
func Stats(t testing.TB, baseURL string) sandbox.Stats {
	t.Helper()
	var st sandbox.Stats
	call(t, http.MethodGet, baseURL+"/_sandbox/stats", nil, &st)
	return st
}

// SetFaults replaces the faults of the sandbox at baseURL through
// PUT /_sandbox/faults.
func SetFaults(t testing.TB, baseURL string, f sandbox.Faults) {
	t.Helper()
	call(t, http.MethodPut, baseURL+"/_sandbox/faults", f, nil)
}

// Mutate changes records through POST /_sandbox/mutate and returns what
// changed.
func Mutate(t testing.TB, baseURL string, req sandbox.MutateRequest) sandbox.MutateResult {
	t.Helper()
	var res sandbox.MutateResult
	call(t, http.MethodPost, baseURL+"/_sandbox/mutate", req, &res)
	return res
}

// Reset restores the seeded data and clears the stats through
// POST /_sandbox/reset.
func Reset(t testing.TB, baseURL string) {
	t.Helper()
	call(t, http.MethodPost, baseURL+"/_sandbox/reset", nil, nil)
}

// call sends body as JSON and decodes a 2xx answer into out; any other
// answer fails the test with the body.
func call(t testing.TB, method, url string, body, out any) {
	t.Helper()
	r := Do(t, nil, method, url, body, map[string]string{"Content-Type": "application/json"})
	if r.Status/100 != 2 {
		t.Fatalf("%s %s: status %d: %s", method, url, r.Status, bytes.TrimSpace(r.Body))
	}
	if out != nil {
		if err := json.Unmarshal(r.Body, out); err != nil {
			t.Fatalf("decoding %s %s answer: %v", method, url, err)
		}
	}
}
