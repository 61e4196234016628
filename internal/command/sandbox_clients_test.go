package command

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/httpx"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
)

// vendorClient is how the tests and benchmarks talk to one simulator with
// the credentials `datawald sandbox` prints.
type vendorClient struct {
	// authorize logs in when the vendor needs it and returns a function
	// that authenticates one request.
	authorize func(tb testing.TB, baseURL string, creds map[string]string) func(*http.Request)
	// simpleGET is the path of a cheap read of one record: the request the
	// benchmark measures.
	simpleGET string
	// wantInBody is a fragment simpleGET's answer contains.
	wantInBody string
	// productPath is the path reading one product by SKU, and skuField the
	// JSON field of the answer holding the SKU; empty when the simulator
	// does not serve the shared catalog's products.
	productPath func(sku string) string
	skuField    string
	// mutateEntity is an entity POST /_sandbox/mutate changes; empty when
	// the simulator has no seeded records to change.
	mutateEntity string
}

var vendorClients = map[string]vendorClient{
	"sapb1": {
		// POST /Login, then the session cookies on every request.
		authorize:    sapLogin,
		simpleGET:    "/b1s/v1/BusinessPartners('C00001')",
		wantInBody:   `"CardCode":"C00001"`,
		productPath:  func(sku string) string { return "/b1s/v1/Items('" + sku + "')" },
		skuField:     "ItemCode",
		mutateEntity: "BusinessPartners",
	},
	"netsuite": {
		// Token-based authentication: OAuth 1.0a HMAC-SHA256 with the
		// account id as realm, a fresh nonce per request.
		authorize: func(tb testing.TB, _ string, creds map[string]string) func(*http.Request) {
			return oauth1(tb, &httpx.OAuth1{
				ConsumerKey: creds["consumer_key"], ConsumerSecret: creds["consumer_secret"],
				Token: creds["token_id"], TokenSecret: creds["token_secret"], Realm: creds["realm"],
			})
		},
		simpleGET:    "/services/rest/record/v1/customer/1",
		wantInBody:   `"id":"1"`,
		productPath:  func(sku string) string { return "/services/rest/record/v1/inventoryItem/eid:" + url.PathEscape(sku) },
		skuField:     "itemId",
		mutateEntity: "salesOrder",
	},
	"magento": {
		// An integration's OAuth 1.0a signature, as Magento requires by
		// default.
		authorize: func(tb testing.TB, _ string, creds map[string]string) func(*http.Request) {
			return oauth1(tb, &httpx.OAuth1{
				ConsumerKey: creds["consumer_key"], ConsumerSecret: creds["consumer_secret"],
				Token: creds["access_token"], TokenSecret: creds["access_token_secret"],
			})
		},
		simpleGET:    "/rest/default/V1/customers/1",
		wantInBody:   `"id":1`,
		productPath:  func(sku string) string { return "/rest/default/V1/products/" + url.PathEscape(sku) },
		skuField:     "sku",
		mutateEntity: "orders",
	},
	"hubspot": {
		authorize: func(_ testing.TB, _ string, creds map[string]string) func(*http.Request) {
			return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+creds["access_token"]) }
		},
		simpleGET:  "/crm/v3/objects/contacts/1000001",
		wantInBody: `"id":"1000001"`,
		productPath: func(sku string) string {
			return "/crm/v3/objects/products/" + url.PathEscape(sku) + "?idProperty=hs_sku&properties=hs_sku"
		},
		skuField:     "properties.hs_sku",
		mutateEntity: "contacts",
	},
}

func oauth1(tb testing.TB, signer *httpx.OAuth1) func(*http.Request) {
	return func(r *http.Request) {
		if err := signer.Sign(r); err != nil {
			tb.Errorf("signing %s: %v", r.URL.Path, err)
		}
	}
}

// sapLogin opens a Service Layer session and returns a function adding
// its B1SESSION and ROUTEID cookies to a request.
func sapLogin(tb testing.TB, baseURL string, creds map[string]string) func(*http.Request) {
	tb.Helper()
	body, err := json.Marshal(map[string]string{
		"CompanyDB": creds["company_db"], "UserName": creds["username"], "Password": creds["password"],
	})
	require.NoError(tb, err)
	resp, err := http.Post(baseURL+creds["service_path"]+"/Login", "application/json", bytes.NewReader(body))
	require.NoError(tb, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(tb, err)
	require.Equal(tb, http.StatusOK, resp.StatusCode, "login: %s", b)
	cookies := resp.Cookies()
	require.NotEmpty(tb, cookies, "login set no cookie")
	return func(r *http.Request) {
		for _, c := range cookies {
			r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
	}
}

// doGET sends an authorized GET and returns the status and body.
func doGET(tb testing.TB, url string, authorize func(*http.Request)) (int, string) {
	tb.Helper()
	req, err := http.NewRequestWithContext(tb.Context(), http.MethodGet, url, nil)
	require.NoError(tb, err)
	authorize(req)
	r := sandboxtest.Send(tb, nil, req)
	return r.Status, string(r.Body)
}
