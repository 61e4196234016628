package netsuite

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
)

// client signs requests with TBA, written independently of the server's
// verifier from RFC 5849.
type client struct {
	t       testing.TB
	base    string
	creds   map[string]string
	clock   func() time.Time
	bearer  string
	nonceFn func() string
}

func randomNonce() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// sign returns the Authorization header for method and rawURL, made by the
// test signer, which is written independently of the server's verifier.
func (c *client) sign(method, rawURL string, ts int64, nonce, consumerSecret string) string {
	return sandboxtest.OAuth1{
		ConsumerKey: c.creds["consumer_key"], ConsumerSecret: consumerSecret,
		Token: c.creds["token_id"], TokenSecret: c.creds["token_secret"],
		Realm: c.creds["realm"],
	}.Header(method, rawURL, nonce, ts)
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

// errorCode returns o:errorDetails[0].o:errorCode of an error body.
func (r response) errorCode(t testing.TB) string {
	t.Helper()
	m := r.json(t)
	details, ok := m["o:errorDetails"].([]any)
	require.True(t, ok, "no o:errorDetails in %s", r.body)
	require.NotEmpty(t, details)
	return details[0].(map[string]any)["o:errorCode"].(string)
}

// requireErrorCode checks that r is an error answer with status and
// NetSuite error code (o:errorDetails[0].o:errorCode).
func requireErrorCode(t testing.TB, r response, status int, code string) {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.body)
	assert.Equal(t, code, r.errorCode(t))
}

// do sends a signed request; path is relative to /services/rest.
func (c *client) do(method, path string, body any, headers ...string) response {
	c.t.Helper()
	return c.doWith(method, path, body, c.nonce(), c.clock().Unix(), c.creds["consumer_secret"], headers...)
}

func (c *client) nonce() string {
	if c.nonceFn != nil {
		return c.nonceFn()
	}
	return randomNonce()
}

func (c *client) doWith(method, path string, body any, nonce string, ts int64, consumerSecret string, headers ...string) response {
	c.t.Helper()
	u := c.base + "/services/rest" + path
	h := map[string]string{}
	if body != nil {
		h["Content-Type"] = "application/json"
	}
	for i := 0; i+1 < len(headers); i += 2 {
		h[headers[i]] = headers[i+1]
	}
	if c.bearer != "" {
		h["Authorization"] = "Bearer " + c.bearer
	} else {
		h["Authorization"] = c.sign(method, u, ts, nonce, consumerSecret)
	}
	r := sandboxtest.Do(c.t, nil, method, u, body, h)
	return response{status: r.Status, header: r.Header, body: r.Body}
}

// suiteql runs a SuiteQL page with Prefer: transient.
func (c *client) suiteql(q string, limit, offset int) response {
	c.t.Helper()
	return c.do(http.MethodPost, fmt.Sprintf("/query/v1/suiteql?limit=%d&offset=%d", limit, offset),
		map[string]string{"q": q}, "Prefer", "transient")
}

var testEpoch = time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)

// testData is a small account: two locations, three customers, three items
// and two sales orders.
func testData() *DataSet {
	at := func(min int) time.Time { return testEpoch.Add(time.Duration(min) * time.Minute) }
	rec := func(typ string, id int64, eid string, m time.Time, f map[string]any, subs map[string][]map[string]any) Record {
		if subs == nil {
			subs = map[string][]map[string]any{}
		}
		return Record{Type: typ, ID: id, ExternalID: eid, Fields: f, Sublists: subs, Created: m, Modified: m}
	}
	ref := func(id int) map[string]any { return map[string]any{"id": strconv.Itoa(id)} }
	return &DataSet{Records: []Record{
		rec("location", 1, "WH-EAST", at(0), map[string]any{"name": "East Warehouse"}, nil),
		rec("location", 2, "WH-WEST", at(0), map[string]any{"name": "West Warehouse"}, nil),
		rec("customer", 10, "C-10", at(1), map[string]any{"companyName": "Müller GmbH", "email": "einkauf@mueller.example", "entityId": "CUST10"}, nil),
		rec("customer", 11, "C-11", at(2), map[string]any{"firstName": "Zoë", "lastName": "Ñúñez", "isPerson": true, "entityId": "CUST11"}, nil),
		rec("customer", 12, "C-12", at(2), map[string]any{"companyName": "東京商事", "entityId": "CUST12"}, nil),
		rec("inventoryItem", 20, "SKU-RED-M", at(3), map[string]any{"itemId": "SKU-RED-M", "displayName": "Red shirt M", "basePrice": 19.9},
			map[string][]map[string]any{"locations": {
				{"location": ref(1), "quantityOnHand": 40.0, "quantityAvailable": 35.0},
				{"location": ref(2), "quantityOnHand": 7.0, "quantityAvailable": 7.0},
			}}),
		rec("inventoryItem", 21, "SKU-BLU-L", at(3), map[string]any{"itemId": "SKU-BLU-L", "displayName": "Blue shirt L", "basePrice": 21.5}, nil),
		rec("inventoryItem", 22, "SKU-HAT", at(4), map[string]any{"itemId": "SKU-HAT", "displayName": "Hat", "basePrice": 9.0}, nil),
		rec("salesOrder", 30, "SO-1001", at(5), map[string]any{
			"tranId": "SO1001", "entity": ref(10), "tranDate": "2026-11-02", "memo": "first",
			"status":         map[string]any{"id": "B", "refName": "Pending Fulfillment"},
			"billingAddress": map[string]any{"addr1": "Hauptstraße 1", "city": "Berlin", "country": "DE", "zip": "10115"},
		}, map[string][]map[string]any{"item": {
			{"line": 1.0, "item": ref(20), "quantity": 2.0, "rate": 19.9},
			{"line": 2.0, "item": ref(22), "quantity": 1.0, "rate": 9.0},
		}}),
		rec("salesOrder", 31, "SO-1002", at(5), map[string]any{"tranId": "SO1002", "entity": ref(11), "tranDate": "2026-11-02"},
			map[string][]map[string]any{"item": {{"line": 1.0, "item": ref(21), "quantity": 3.0, "rate": 21.5}}}),
	}}
}

// startSandbox serves a vendor with testData and a test clock, and returns a
// TBA client for it.
func startSandbox(t *testing.T, mod func(*Options)) (*Vendor, *client, *sandboxtest.Clock, *sandbox.Server) {
	t.Helper()
	clock := sandboxtest.NewClock(testEpoch.Add(24 * time.Hour))
	o := Options{Clock: clock.Now, Data: testData()}
	if mod != nil {
		mod(&o)
	}
	v, err := New(o)
	require.NoError(t, err)
	srv, base := sandboxtest.Start(t, v, sandbox.Options{})
	return v, &client{t: t, base: base, creds: v.Credentials(), clock: clock.Now}, clock, srv
}
