package netsuite

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
)

// benchGet measures signed GETs of path against a sandbox without
// concurrency limit or faults, reporting requests per second.
func benchGet(b *testing.B, path string, bearer bool) {
	v, err := New(Options{ConcurrencyLimit: -1, Data: FromCatalog(smallCatalog())})
	if err != nil {
		b.Fatal(err)
	}
	_, base := sandboxtest.Start(b, v, sandbox.Options{})
	c := &client{t: b, base: base, creds: v.Credentials(), clock: time.Now}
	if bearer {
		c.bearer = issueBenchToken(b, c)
	}
	url := base + "/services/rest" + path
	sandboxtest.BenchHTTP(b, sandboxtest.BenchClient(b), func() *http.Request {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if c.bearer != "" {
			req.Header.Set("Authorization", "Bearer "+c.bearer)
		} else {
			req.Header.Set("Authorization", c.sign(http.MethodGet, url, time.Now().Unix(), randomNonce(), c.creds["consumer_secret"]))
		}
		return req
	})
}

func issueBenchToken(b *testing.B, c *client) string {
	status, body := requestToken(b, c.base, assertion(b, jwt.SigningMethodES256, privateKey(b, c.creds), c.creds["certificate_id"], goodClaims(c)))
	if status != http.StatusOK {
		b.Fatalf("requesting a token: %d %v", status, body)
	}
	return body["access_token"].(string)
}

func BenchmarkGetCustomerTBA(b *testing.B)    { benchGet(b, "/record/v1/customer/3", false) }
func BenchmarkGetCustomerBearer(b *testing.B) { benchGet(b, "/record/v1/customer/3", true) }
func BenchmarkGetSalesOrderTBA(b *testing.B) {
	benchGet(b, "/record/v1/salesOrder/3?expandSubResources=true", false)
}
func BenchmarkServerTimeBearer(b *testing.B) { benchGet(b, "/system/v1/serverTime", true) }

// BenchmarkHandlerGetCustomerTBA measures the server alone: signed GETs
// served through sandbox.Server.ServeHTTP without a network round trip.
func BenchmarkHandlerGetCustomerTBA(b *testing.B) {
	v, err := New(Options{ConcurrencyLimit: -1, Data: FromCatalog(smallCatalog())})
	if err != nil {
		b.Fatal(err)
	}
	srv := sandbox.NewServer(v, sandbox.Options{})
	c := &client{t: b, creds: v.Credentials(), clock: time.Now}
	const url = "http://127.0.0.1:8080/services/rest/record/v1/customer/3"
	sandboxtest.BenchHandler(b, srv, func() *http.Request {
		req := httptest.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", c.sign(http.MethodGet, url, time.Now().Unix(), randomNonce(), c.creds["consumer_secret"]))
		return req
	})
}
