package netsuite

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/httpx"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
)

// The connectors sign with internal/httpx; the simulator must accept what
// that signer produces, query strings and JSON bodies included.
func TestRequestsSignedByTheProjectSignerAreAccepted(t *testing.T) {
	v, c, clock, _ := startSandbox(t, func(o *Options) { o.Catalog = smallCatalog(); o.Data = nil })
	creds := v.Credentials()
	signer := &httpx.OAuth1{
		ConsumerKey: creds["consumer_key"], ConsumerSecret: creds["consumer_secret"],
		Token: creds["token_id"], TokenSecret: creds["token_secret"], Realm: creds["realm"], Now: clock.Now,
	}
	send := func(method, path, body string, headers ...string) (int, string) {
		req, err := http.NewRequest(method, c.base+"/services/rest"+path, strings.NewReader(body))
		require.NoError(t, err)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		require.NoError(t, signer.Sign(req))
		r := sandboxtest.Send(t, nil, req)
		return r.Status, string(r.Body)
	}
	status, body := send(http.MethodGet, "/record/v1/customer/1?expandSubResources=true&fields=email,addressBook", "")
	require.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, body, `"email":`)

	status, body = send(http.MethodPost, "/query/v1/suiteql?limit=5&offset=0",
		`{"q":"SELECT id, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS m FROM transaction WHERE type = 'SalesOrd' ORDER BY lastmodifieddate, id"}`,
		"Content-Type", "application/json", "Prefer", "transient")
	require.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, body, `"hasMore":true`)

	status, body = send(http.MethodGet, "/record/v1/customer?q=email%20START_WITH%20%22a%22&limit=10", "")
	require.Equal(t, http.StatusOK, status, body)
}
