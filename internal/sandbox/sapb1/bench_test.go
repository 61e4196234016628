package sapb1_test

import (
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
	client := sandboxtest.BenchClient(b)
	client.Jar = jar
	resp, err := client.Post(base+"/b1s/v1/Login", "application/json", strings.NewReader(
		`{"CompanyDB":"`+sapb1.DefaultCompanyDB+`","UserName":"`+sapb1.DefaultUserName+`","Password":"`+sapb1.DefaultPassword+`"}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("login: %v %v", err, resp)
	}
	resp.Body.Close()
	url := base + "/b1s/v1/Items('" + smallCatalog.Products[0].SKU + "')?$select=ItemCode,ItemName,UpdateDate,UpdateTime"
	b.SetParallelism(4)
	sandboxtest.BenchHTTP(b, client, func() *http.Request {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		return req
	})
}
