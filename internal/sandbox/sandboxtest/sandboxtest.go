// Package sandboxtest starts sandbox simulators inside Go tests and talks to
// their /_sandbox/ routes.
package sandboxtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("encoding %s %s body: %v", method, url, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatalf("building %s %s: %v", method, url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("calling %s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading %s %s answer: %v", method, url, err)
	}
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %s", method, url, statusError(resp.StatusCode, b))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("decoding %s %s answer: %v", method, url, err)
		}
	}
}

func statusError(status int, body []byte) error {
	return fmt.Errorf("status %d: %s", status, bytes.TrimSpace(body))
}
