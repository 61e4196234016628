package netsuite

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/httpx"
	"github.com/datawald/datawald/internal/sandbox"
	sbnetsuite "github.com/datawald/datawald/internal/sandbox/netsuite"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
	"github.com/datawald/datawald/internal/sandbox/seed"
)

// testAccount is a sandbox account and the credentials it accepts.
type testAccount struct {
	vendor *sbnetsuite.Vendor
	server *sandbox.Server
	url    string
	creds  map[string]string
}

func startAccount(t testing.TB, vo sbnetsuite.Options, so sandbox.Options) *testAccount {
	t.Helper()
	v, err := sbnetsuite.New(vo)
	require.NoError(t, err)
	srv, url := sandboxtest.Start(t, v, so)
	return &testAccount{vendor: v, server: srv, url: url, creds: v.Credentials()}
}

func (a *testAccount) config(t testing.TB, mode string) Config {
	t.Helper()
	acct, err := ParseAccountID(a.creds["account_id"])
	require.NoError(t, err)
	cfg := Config{Account: acct, BaseURL: a.url, HTTP: fastRetries(), Auth: Auth{Mode: mode}}
	cfg.Auth.TBA = TBA{ConsumerKey: a.creds["consumer_key"], ConsumerSecret: a.creds["consumer_secret"], TokenID: a.creds["token_id"], TokenSecret: a.creds["token_secret"]}
	cfg.Auth.OAuth2 = ClientCredentials{ClientID: a.creds["client_id"], CertificateID: a.creds["certificate_id"], PrivateKeyPEM: a.creds["private_key_pem"]}
	return cfg
}

func (a *testAccount) client(t testing.TB, mode string) *Client {
	t.Helper()
	c, err := New(a.config(t, mode))
	require.NoError(t, err)
	return c
}

func fastRetries() httpx.Settings {
	return httpx.Settings{Timeout: 5 * time.Second, Retry: httpx.RetryPolicy{MaxAttempts: 6, InitialInterval: 5 * time.Millisecond, MaxInterval: 50 * time.Millisecond, MaxElapsed: 20 * time.Second}}
}

func TestTBAAndOAuth2BothAuthenticateAgainstTheSandbox(t *testing.T) {
	acct := startAccount(t, sbnetsuite.Options{}, sandbox.Options{})
	for _, mode := range []string{AuthTBA, AuthOAuth2} {
		t.Run(mode, func(t *testing.T) {
			c := acct.client(t, mode)
			st, err := c.ServerTime(t.Context())
			require.NoError(t, err)
			assert.WithinDuration(t, time.Now(), st, time.Minute)
			page, err := c.SuiteQL(t.Context(), "SELECT t.id FROM location t", 10, 0)
			require.NoError(t, err)
			assert.Equal(t, 0, page.Count, "the account is empty")
		})
	}
	assert.EqualValues(t, 2, acct.server.Stats().Count("GET /services/rest/system/v1/serverTime", http.StatusOK))
	assert.EqualValues(t, 1, acct.server.Stats().Count("POST "+TokenPath, http.StatusOK), "one token for both OAuth 2.0 requests")
}

func TestWrongTBASecretIsA401NamingTheAccountNotTheSecret(t *testing.T) {
	acct := startAccount(t, sbnetsuite.Options{}, sandbox.Options{})
	cfg := acct.config(t, AuthTBA)
	cfg.Auth.TBA.TokenSecret = "not-the-token-secret-1f2e"
	c, err := New(cfg)
	require.NoError(t, err)
	_, err = c.ServerTime(t.Context())
	require.Error(t, err)
	var ne *Error
	require.True(t, errors.As(err, &ne))
	assert.Equal(t, http.StatusUnauthorized, ne.HTTP.Status)
	assert.Equal(t, CodeInvalidLogin, ne.Code)
	assert.False(t, IsRetryable(err))
	assert.Contains(t, err.Error(), "netsuite account 1234567_SB1")
	assert.Contains(t, err.Error(), "401")
	assert.NotContains(t, err.Error(), "not-the-token-secret-1f2e")
	assert.NotContains(t, err.Error(), acct.creds["consumer_secret"])
	t.Log(err)
}

func TestWrongOAuth2KeyIsARefusedTokenNamingTheAccountNotTheKey(t *testing.T) {
	acct := startAccount(t, sbnetsuite.Options{}, sandbox.Options{})
	other := startAccount(t, sbnetsuite.Options{}, sandbox.Options{}) // a different generated key
	cfg := acct.config(t, AuthOAuth2)
	cfg.Auth.OAuth2.PrivateKeyPEM = other.creds["private_key_pem"]
	c, err := New(cfg)
	require.NoError(t, err)
	_, err = c.ServerTime(t.Context())
	require.Error(t, err)
	var he *httpx.HTTPError
	require.True(t, errors.As(err, &he))
	assert.Equal(t, http.StatusUnauthorized, he.Status)
	assert.Equal(t, "invalid_client", he.Code)
	assert.Contains(t, err.Error(), "netsuite account 1234567_SB1")
	assert.NotContains(t, err.Error(), "PRIVATE KEY")
	t.Log(err)
}

func TestOAuth2TokenIsRenewedBeforeItExpiresAndAfterA401(t *testing.T) {
	clock := &manualClock{t: time.Now()}
	acct := startAccount(t, sbnetsuite.Options{Clock: clock.Now, TokenTTL: 10 * time.Minute}, sandbox.Options{})
	c := acct.client(t, AuthOAuth2)
	c.tokens.now = clock.Now
	_, err := c.ServerTime(t.Context())
	require.NoError(t, err)

	clock.Add(9*time.Minute + 30*time.Second) // within a minute of expiry: renewed before use
	_, err = c.ServerTime(t.Context())
	require.NoError(t, err)
	st := acct.server.Stats()
	assert.EqualValues(t, 2, st.Count("POST "+TokenPath, http.StatusOK))
	assert.EqualValues(t, 0, st.Count("GET /services/rest/system/v1/serverTime", http.StatusUnauthorized))

	acct.vendor.Reset() // the account forgets its tokens: ours is refused once, then renewed
	_, err = c.ServerTime(t.Context())
	require.NoError(t, err)
	st = acct.server.Stats()
	assert.EqualValues(t, 3, st.Count("POST "+TokenPath, http.StatusOK))
	assert.EqualValues(t, 1, st.Count("GET /services/rest/system/v1/serverTime", http.StatusUnauthorized))
}

func TestAccountIDFormsAreNormalised(t *testing.T) {
	for _, in := range []string{"1234567_SB1", "1234567-sb1", "1234567_sb1", " 1234567-SB1 "} {
		a, err := ParseAccountID(in)
		require.NoError(t, err, in)
		assert.Equal(t, "1234567_SB1", a.Realm())
		assert.Equal(t, "1234567-sb1", a.Host())
		assert.Equal(t, "https://1234567-sb1.suitetalk.api.netsuite.com", a.BaseURL())
	}
	for _, bad := range []string{"", "1234567_", "12.34", "evil.com/x", "1_2_3", "a b"} {
		_, err := ParseAccountID(bad)
		assert.Error(t, err, bad)
	}
}

func TestUnknownItemIsAPermanentErrorWithCodeDetailAndPath(t *testing.T) {
	cat := seed.Generate(seed.Config{Counts: seed.Counts{Orders: 2, Customers: 2, Products: 3}})
	acct := startAccount(t, sbnetsuite.Options{Catalog: cat}, sandbox.Options{})
	c := acct.client(t, AuthTBA)
	cust := "CUST-1"
	_, err := c.Upsert(t.Context(), "customer", cust, []byte(`{"companyName":"ACME"}`), WriteOptions{})
	require.NoError(t, err)
	body := `{"entity":{"externalId":"CUST-1"},"item":{"items":[{"item":{"externalId":"NO-SUCH-SKU"},"quantity":1,"rate":2}]}}`
	_, err = c.Upsert(t.Context(), "salesOrder", "SO-X", []byte(body), WriteOptions{Replace: []string{"item"}})
	require.Error(t, err)
	var ne *Error
	require.True(t, errors.As(err, &ne))
	assert.False(t, ne.Retryable())
	assert.Equal(t, "INVALID_CONTENT", ne.Code)
	assert.Contains(t, ne.Detail, "NO-SUCH-SKU")
	assert.Equal(t, "item.items[0].item", ne.Path)
	assert.True(t, strings.HasPrefix(err.Error(), "upserting salesOrder SO-X: netsuite account 1234567_SB1"), err.Error())
}

type manualClock struct {
	mu chan struct{}
	t  time.Time
}

func (c *manualClock) Now() time.Time { c.lock(); defer c.unlock(); return c.t }
func (c *manualClock) Add(d time.Duration) {
	c.lock()
	c.t = c.t.Add(d)
	c.unlock()
}
func (c *manualClock) lock() {
	if c.mu == nil {
		c.mu = make(chan struct{}, 1)
	}
	c.mu <- struct{}{}
}
func (c *manualClock) unlock() { <-c.mu }

var _ = context.Background

func TestOAuth2WithAnRSACertificateSignsPS256AndRS256IsRefusedUpFront(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	acct := startAccount(t, sbnetsuite.Options{PublicKey: &key.PublicKey}, sandbox.Options{})

	cfg := acct.config(t, AuthOAuth2)
	cfg.Auth.OAuth2.PrivateKeyPEM = pemKey
	c, err := New(cfg)
	require.NoError(t, err)
	_, err = c.ServerTime(t.Context())
	require.NoError(t, err, "PS256 assertion accepted")

	cfg.Auth.OAuth2.Algorithm = "RS256"
	_, err = New(cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "RS256")
}

func TestExternalIDsWithSlashesAndSpacesAddressOneRecord(t *testing.T) {
	acct := startAccount(t, sbnetsuite.Options{}, sandbox.Options{})
	c := acct.client(t, AuthTBA)
	for _, eid := range []string{"shop/de/C-1", "C 2?x=1#y", "100%"} {
		res, err := c.Upsert(t.Context(), "customer", eid, []byte(`{"companyName":"ACME"}`), WriteOptions{})
		require.NoError(t, err, eid)
		again, err := c.Upsert(t.Context(), "customer", eid, []byte(`{"companyName":"ACME 2"}`), WriteOptions{})
		require.NoError(t, err, eid)
		assert.Equal(t, res.ID, again.ID, "%q is one record", eid)
		raw, err := c.GetRecord(t.Context(), "customer", "eid:"+eid, false)
		require.NoError(t, err, eid)
		assert.Contains(t, string(raw), `"externalId":"`+eid+`"`)
	}
}
