package sandboxtest_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox/oauth1"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
)

func TestClockStandsStillUntilAdvanced(t *testing.T) {
	start := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	c := sandboxtest.NewClock(start)
	assert.Equal(t, start, c.Now())
	assert.Equal(t, start, c.Now())
	c.Advance(90 * time.Second)
	assert.Equal(t, start.Add(90*time.Second), c.Now())
}

func TestDoSendsJSONOrRawBodiesWithTheGivenHeadersOnly(t *testing.T) {
	type seen struct{ body, contentType, auth string }
	var got seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = seen{string(b), r.Header.Get("Content-Type"), r.Header.Get("Authorization")}
		w.Header().Set("X-Answer", "yes")
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte("short and stout"))
	}))
	t.Cleanup(srv.Close)

	r := sandboxtest.Do(t, nil, http.MethodPost, srv.URL, map[string]int{"a": 1}, map[string]string{"Authorization": "Bearer x"})
	assert.Equal(t, seen{`{"a":1}`, "", "Bearer x"}, got)
	assert.Equal(t, http.StatusTeapot, r.Status)
	assert.Equal(t, "yes", r.Header.Get("X-Answer"))
	assert.Equal(t, "short and stout", string(r.Body))

	sandboxtest.Do(t, srv.Client(), http.MethodPost, srv.URL, "a=1&b=2", map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	assert.Equal(t, seen{"a=1&b=2", "application/x-www-form-urlencoded", ""}, got)
}

// TestOAuth1HeaderIsAcceptedByTheSimulatorsVerifier cross-checks the two
// independent RFC 5849 implementations: the test signer and the verifier
// the simulators use.
func TestOAuth1HeaderIsAcceptedByTheSimulatorsVerifier(t *testing.T) {
	for method, newHash := range map[string]func() hash.Hash{"HMAC-SHA256": sha256.New, "HMAC-SHA1": sha1.New} {
		t.Run(method, func(t *testing.T) {
			o := sandboxtest.OAuth1{ConsumerKey: "ck", ConsumerSecret: "cs&~ ü", Token: "tk", TokenSecret: "ts+/", SignatureMethod: method, Realm: "123_SB1"}
			rawURL := "http://127.0.0.1:8480/rest/V1/orders?searchCriteria[pageSize]=2&q=a+b%2Bc~"
			h := o.Header(http.MethodGet, rawURL, "n-1", 1_700_000_000)
			require.True(t, strings.HasPrefix(h, `OAuth realm="123_SB1", oauth_consumer_key="ck", `), h)

			params := map[string]string{}
			for _, part := range strings.Split(strings.TrimPrefix(h, "OAuth "), ", ") {
				k, v, _ := strings.Cut(part, "=")
				dv, err := url.PathUnescape(strings.Trim(v, `"`))
				require.NoError(t, err)
				params[k] = dv
			}
			assert.Equal(t, method, params["oauth_signature_method"])
			r := httptest.NewRequest(http.MethodGet, rawURL, nil)
			want := oauth1.Signature(newHash, oauth1.BaseString(r, nil, params), o.ConsumerSecret, o.TokenSecret)
			got, err := base64.StdEncoding.DecodeString(params["oauth_signature"])
			require.NoError(t, err)
			assert.True(t, hmac.Equal(want, got), "the verifier must accept the test signer's signature")
		})
	}
}
