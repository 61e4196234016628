package sandbox_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/datawald/datawald/internal/sandbox"
)

// BenchmarkServer_Overhead measures what the core adds to a vendor request
// (routing, accounting, the fault check) in-process, with no network.
//
//	go test ./internal/sandbox/ -run '^$' -bench BenchmarkServer_Overhead
func BenchmarkServer_Overhead(b *testing.B) {
	srv := sandbox.NewServer(newFakeVendor(), sandbox.Options{})
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest(http.MethodGet, "/items/1", nil)
		for pb.Next() {
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Errorf("status %d", rec.Code)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
