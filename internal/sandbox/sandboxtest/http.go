package sandboxtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Response is an HTTP answer read in full by Do. Test-only utility.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends a request to url through c (http.DefaultClient when nil) and
// reads the whole answer. A string or []byte body is sent as is, any other
// non-nil body JSON-encoded; header is set on the request as given (Do adds
// no header of its own, not even Content-Type). A request that cannot be
// built or sent fails the test. Test-only utility.
func Do(t testing.TB, c *http.Client, method, url string, body any, header map[string]string) Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("encoding %s %s body: %v", method, url, err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatalf("building %s %s: %v", method, url, err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return Send(t, c, req)
}

// Send sends req through c (http.DefaultClient when nil) and reads the whole
// answer, for requests a test must change before sending (signing them,
// adding cookies). A transport error fails the test. Test-only utility.
func Send(t testing.TB, c *http.Client, req *http.Request) Response {
	t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("sending %s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the answer to %s %s: %v", req.Method, req.URL, err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}
