package hubspot_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/hubspot"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
)

// BenchmarkGetContact measures simple GETs by id over real HTTP with no
// faults and no rate limits; the issue asks for at least 5,000 per second.
//
//	go test ./internal/sandbox/hubspot/ -run '^$' -bench GetContact -benchtime 20000x
func BenchmarkGetContact(b *testing.B) {
	v := hubspot.New(hubspot.Options{Catalog: smallCatalog, RateLimit: -1, SearchRateLimit: -1, DailyLimit: -1})
	_, base := sandboxtest.Start(b, v, sandbox.Options{})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	url := base + "/crm/v3/objects/contacts/1000001?properties=email"
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			req.Header.Set("Authorization", "Bearer "+hubspot.DefaultToken)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
