package hubspot_test

import (
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
	url := base + "/crm/v3/objects/contacts/1000001?properties=email"
	b.SetParallelism(4)
	sandboxtest.BenchHTTP(b, sandboxtest.BenchClient(b), func() *http.Request {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer "+hubspot.DefaultToken)
		return req
	})
}
