package sandbox_test

import (
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/datawald/datawald/internal/sandbox"
)

// serve runs one request through srv in-process.
func serve(srv *sandbox.Server, method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec
}

// Ensure the fault writer type satisfies the optional interface.
var _ sandbox.FaultBodyWriter = faultyVendor{}

// Ensure the vendor types satisfy the interface.
var (
	_ sandbox.Vendor = (*fakeVendor)(nil)
	_ sandbox.Vendor = faultyVendor{}
	_ http.Handler   = (*sandbox.Server)(nil)
)
