package sandboxtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchClient returns an HTTP client whose connection pool keeps enough idle
// connections for parallel benchmarks; its idle connections are closed when
// the benchmark ends. Set Jar on it for vendors with session cookies.
// Test-only utility.
func BenchClient(b *testing.B) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// BenchHTTP measures a simulator over real HTTP: it resets the timer (setup
// before the call is not measured), sends b.N requests built by newRequest
// from b.RunParallel goroutines through c, reads each body in full, fails
// the benchmark on a transport error or a status other than 200, and reports
// the rate as the "req/s" metric. Call b.SetParallelism first to change the
// number of goroutines. Test-only utility.
func BenchHTTP(b *testing.B, c *http.Client, newRequest func() *http.Request) {
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := newRequest()
			resp, err := c.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("%s %s: status %d", req.Method, req.URL.RequestURI(), resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchHandler measures h in process, with no network: like BenchHTTP, but
// each request built by newRequest (httptest.NewRequest) is served by
// h.ServeHTTP into a recorder; a status other than 200 fails the benchmark
// with the body. Test-only utility.
func BenchHandler(b *testing.B, h http.Handler, newRequest func() *http.Request) {
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, rec := newRequest(), httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Errorf("%s %s: status %d: %s", req.Method, req.URL.RequestURI(), rec.Code, rec.Body)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
