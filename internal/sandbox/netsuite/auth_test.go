package netsuite

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTBASignedRequestIsAccepted(t *testing.T) {
	_, c, clock, _ := startSandbox(t, nil)
	r := c.do(http.MethodGet, "/system/v1/serverTime", nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(t, clock.Now().UTC().Format("2006-01-02T15:04:05.000Z"), r.json(t)["serverTime"])
}

func TestTBASignatureCoversQueryParameters(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	r := c.do(http.MethodGet, "/record/v1/salesOrder/30?expandSubResources=true&fields=memo,item", nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
}

func assertInvalidLogin(t *testing.T, r response, reason string) {
	t.Helper()
	require.Equal(t, http.StatusUnauthorized, r.status, "body: %s", r.body)
	assert.Equal(t, "INVALID_LOGIN", r.errorCode(t))
	body := r.json(t)
	assert.Equal(t, "Unauthorized", body["title"])
	assert.EqualValues(t, 401, body["status"])
	assert.Contains(t, string(r.body), "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at Setup > Users/Roles")
	assert.Contains(t, r.header.Get(auditHeader), reason)
}

func TestTBAWrongSignatureIsAnInvalidLogin(t *testing.T) {
	_, c, clock, _ := startSandbox(t, nil)
	r := c.doWith(http.MethodGet, "/system/v1/serverTime", nil, randomNonce(), clock.Now().Unix(), "not-the-consumer-secret")
	assertInvalidLogin(t, r, "signature mismatch")
}

func TestTBAReusedNonceIsAnInvalidLogin(t *testing.T) {
	_, c, clock, _ := startSandbox(t, nil)
	nonce := randomNonce()
	first := c.doWith(http.MethodGet, "/system/v1/serverTime", nil, nonce, clock.Now().Unix(), c.creds["consumer_secret"])
	require.Equal(t, http.StatusOK, first.status, "body: %s", first.body)
	clock.Advance(time.Second)
	again := c.doWith(http.MethodGet, "/system/v1/serverTime", nil, nonce, clock.Now().Unix(), c.creds["consumer_secret"])
	assertInvalidLogin(t, again, "nonce already used")
}

func TestTBAStaleTimestampIsAnInvalidLogin(t *testing.T) {
	_, c, clock, _ := startSandbox(t, nil)
	stale := clock.Now().Add(-6 * time.Minute).Unix()
	r := c.doWith(http.MethodGet, "/system/v1/serverTime", nil, randomNonce(), stale, c.creds["consumer_secret"])
	assertInvalidLogin(t, r, "stale timestamp")
	future := clock.Now().Add(6 * time.Minute).Unix()
	r = c.doWith(http.MethodGet, "/system/v1/serverTime", nil, randomNonce(), future, c.creds["consumer_secret"])
	assertInvalidLogin(t, r, "stale timestamp")
}

func TestTBARealmMustBeTheAccountID(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	c.creds["realm"] = "1234567-sb1" // the host form, a common mistake
	assertInvalidLogin(t, c.do(http.MethodGet, "/system/v1/serverTime", nil), "realm")
}

func TestRequestWithoutCredentialsIsAnInvalidLogin(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	resp, err := http.Get(c.base + "/services/rest/system/v1/serverTime")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

// assertion builds a client credentials JWT.
func assertion(t testing.TB, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

func requestToken(t testing.TB, base, assertionJWT string) (int, map[string]any) {
	t.Helper()
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertionJWT},
	}
	resp, err := http.Post(base+tokenPath, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return resp.StatusCode, body
}

func privateKey(t testing.TB, creds map[string]string) *ecdsa.PrivateKey {
	t.Helper()
	blk, _ := pem.Decode([]byte(creds["private_key_pem"]))
	require.NotNil(t, blk)
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	require.NoError(t, err)
	return k.(*ecdsa.PrivateKey)
}

func goodClaims(c *client) jwt.MapClaims {
	now := c.clock()
	return jwt.MapClaims{
		"iss": c.creds["client_id"], "scope": "rest_webservices",
		"aud": c.base + tokenPath, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
}

func TestClientCredentialsTokenAuthenticatesRequests(t *testing.T) {
	_, c, clock, _ := startSandbox(t, nil)
	status, body := requestToken(t, c.base, assertion(t, jwt.SigningMethodES256, privateKey(t, c.creds), c.creds["certificate_id"], goodClaims(c)))
	require.Equal(t, http.StatusOK, status, "body: %v", body)
	assert.Equal(t, "Bearer", body["token_type"])
	assert.Equal(t, "3600", body["expires_in"])

	c.bearer = body["access_token"].(string)
	r := c.do(http.MethodGet, "/record/v1/customer/10", nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(t, "Müller GmbH", r.json(t)["companyName"])

	clock.Advance(time.Hour)
	assertInvalidLogin(t, c.do(http.MethodGet, "/record/v1/customer/10", nil), "expired")
}

func TestClientCredentialsAssertionSignedWithAnotherKeyIsRefused(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	status, body := requestToken(t, c.base, assertion(t, jwt.SigningMethodES256, other, c.creds["certificate_id"], goodClaims(c)))
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "invalid_client", body["error"])
}

func TestClientCredentialsAssertionChecksKidAudExpAndAlgorithm(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	key := privateKey(t, c.creds)
	cases := map[string]string{}
	cases["unknown kid"] = assertion(t, jwt.SigningMethodES256, key, "another-certificate", goodClaims(c))
	wrongAud := goodClaims(c)
	wrongAud["aud"] = "https://other.suitetalk.api.netsuite.com" + tokenPath
	cases["wrong aud"] = assertion(t, jwt.SigningMethodES256, key, c.creds["certificate_id"], wrongAud)
	expired := goodClaims(c)
	expired["iat"] = c.clock().Add(-2 * time.Hour).Unix()
	expired["exp"] = c.clock().Add(-time.Hour).Unix()
	cases["expired"] = assertion(t, jwt.SigningMethodES256, key, c.creds["certificate_id"], expired)
	tooLong := goodClaims(c)
	tooLong["exp"] = c.clock().Add(2 * time.Hour).Unix()
	cases["lifetime over an hour"] = assertion(t, jwt.SigningMethodES256, key, c.creds["certificate_id"], tooLong)
	noScope := goodClaims(c)
	noScope["scope"] = "restlets"
	cases["no rest_webservices scope"] = assertion(t, jwt.SigningMethodES256, key, c.creds["certificate_id"], noScope)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	cases["RS256"] = assertion(t, jwt.SigningMethodRS256, rsaKey, c.creds["certificate_id"], goodClaims(c))
	for name, a := range cases {
		t.Run(name, func(t *testing.T) {
			status, body := requestToken(t, c.base, a)
			assert.Equal(t, http.StatusUnauthorized, status)
			assert.Equal(t, "invalid_client", body["error"])
		})
	}
}

func TestClientCredentialsAcceptsThePS256ProductionAudience(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	_, c, _, _ := startSandbox(t, func(o *Options) { o.PublicKey = &rsaKey.PublicKey })
	claims := goodClaims(c)
	claims["aud"] = "https://1234567-sb1.suitetalk.api.netsuite.com" + tokenPath
	status, body := requestToken(t, c.base, assertion(t, jwt.SigningMethodPS256, rsaKey, c.creds["certificate_id"], claims))
	require.Equal(t, http.StatusOK, status, "body: %v", body)
	assert.NotContains(t, c.creds, "private_key_pem")
}
