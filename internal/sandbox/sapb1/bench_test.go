package sapb1_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
	"github.com/datawald/datawald/internal/sandbox/sapb1"
)

// BenchmarkGetItem measures simple GETs by key over real HTTP with one
// session and no faults; the issue asks for at least 5,000 per second.
//
//	go test ./internal/sandbox/sapb1/ -run '^$' -bench GetItem -benchtime 20000x
func BenchmarkGetItem(b *testing.B) {
	v := sapb1.New(sapb1.Options{Catalog: smallCatalog})
	_, base := sandboxtest.Start(b, v, sandbox.Options{})
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	resp, err := client.Post(base+"/b1s/v1/Login", "application/json", strings.NewReader(
		`{"CompanyDB":"`+sapb1.DefaultCompanyDB+`","UserName":"`+sapb1.DefaultUserName+`","Password":"`+sapb1.DefaultPassword+`"}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("login: %v %v", err, resp)
	}
	resp.Body.Close()
	url := base + "/b1s/v1/Items('" + smallCatalog.Products[0].SKU + "')?$select=ItemCode,ItemName,UpdateDate,UpdateTime"
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(url)
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
