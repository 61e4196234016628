package magento

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
)

// benchGet measures simple authenticated GETs against a served simulator
// (no faults, no contract validation), reporting requests per second.
func benchGet(b *testing.B, path string) {
	v := New(Options{Catalog: testCatalog()})
	_, base := sandboxtest.Start(b, v, sandbox.Options{})
	resp, err := http.Post(base+"/rest/V1/integration/admin/token", "application/json",
		strings.NewReader(`{"username":"admin","password":"sandbox-admin-123"}`))
	if err != nil {
		b.Fatal(err)
	}
	var tok string
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	sandboxtest.BenchHTTP(b, sandboxtest.BenchClient(b), func() *http.Request {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		return req
	})
}

func BenchmarkGetOrderByID(b *testing.B) { benchGet(b, "/rest/default/V1/orders/42") }

// searchPage is an incremental read: orders updated after a date, sorted,
// third page of 20.
const searchPage = "/rest/default/V1/orders?searchCriteria[filter_groups][0][filters][0][field]=updated_at&searchCriteria[filter_groups][0][filters][0][value]=2026-10-01%2000:00:00&searchCriteria[filter_groups][0][filters][0][condition_type]=gt&searchCriteria[sortOrders][0][field]=updated_at&searchCriteria[sortOrders][0][direction]=ASC&searchCriteria[pageSize]=20&searchCriteria[currentPage]=3"

func BenchmarkSearchOrdersPage(b *testing.B) { benchGet(b, searchPage) }

// benchHandler measures the simulator's own cost per request, in process
// (no TCP, no client), through the same sandbox.Server as a real run.
func benchHandler(b *testing.B, path string) {
	v := New(Options{Catalog: testCatalog()})
	srv := sandbox.NewServer(v, sandbox.Options{})
	tok := v.tokens.issue(adminUserID, v.now(), time.Hour)
	sandboxtest.BenchHandler(b, srv, func() *http.Request {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		return req
	})
}

func BenchmarkHandlerGetOrderByID(b *testing.B) { benchHandler(b, "/rest/default/V1/orders/42") }

func BenchmarkHandlerSearchOrdersPage(b *testing.B) { benchHandler(b, searchPage) }
