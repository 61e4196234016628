package magento

import (
	"crypto/sha1"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const ordersPage = "/rest/default/V1/orders?searchCriteria[pageSize]=2&searchCriteria[filter_groups][0][filters][0][field]=status&searchCriteria[filter_groups][0][filters][0][value]=complete"

func TestOAuthSignature_MatchesTheRFC5849WorkedExample(t *testing.T) {
	// The worked example of Twitter's "Creating a signature" guide (HMAC-SHA1,
	// form body parameters included in the base string).
	body := "status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21"
	r := httptest.NewRequest("POST", "https://api.twitter.com/1.1/statuses/update.json?include_entities=true", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	params := map[string]string{
		"oauth_consumer_key":     "xvz1evFS4wEEPTGEFPHBog",
		"oauth_nonce":            "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
		"oauth_signature_method": "HMAC-SHA1",
		"oauth_timestamp":        "1318622958",
		"oauth_token":            "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
		"oauth_version":          "1.0",
	}
	got := oauthSignature(sha1.New, r, []byte(body), params,
		"kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw", "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE")
	assert.Equal(t, "hCtSmYh+iHYCEqBWrE7C7hYmtUk=", got)
}

func TestOAuth_SignedHMACSHA256RequestIsAccepted(t *testing.T) {
	s := startSim(t, nil)
	status, body := s.call("GET", ordersPage, s.oauth("GET", ordersPage), nil)
	require.Equal(t, http.StatusOK, status, string(body))
	var res listResult
	require.NoError(t, json.Unmarshal(body, &res))
	assert.Len(t, res.Items, 2)
}

func TestOAuth_BadSignatureIs401WithMagentosMessage(t *testing.T) {
	s := startSim(t, func(o *Options) { o.ConsumerSecret = "server-side-secret-000000000000" })
	o := s.v.opts
	auth := signOAuth("GET", s.base+ordersPage, o.ConsumerKey, "a-different-secret", o.AccessToken, o.AccessTokenSecret,
		"HMAC-SHA256", "nonce-bad-sig", s.clock.Now().Unix())
	status, body := s.call("GET", ordersPage, auth, nil)
	require.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "The signature is invalid. Verify and try again.", decodeErr(t, body).Message)
}

func TestOAuth_QueryParametersAreCoveredByTheSignature(t *testing.T) {
	s := startSim(t, nil)
	auth := s.oauth("GET", ordersPage)
	tampered := strings.Replace(ordersPage, "pageSize]=2", "pageSize]=3", 1)
	status, body := s.call("GET", tampered, auth, nil)
	require.Equal(t, http.StatusUnauthorized, status, string(body))
	assert.Equal(t, "The signature is invalid. Verify and try again.", decodeErr(t, body).Message)
}

func TestOAuth_ReusedNonceIs401(t *testing.T) {
	s := startSim(t, nil)
	auth := s.oauth("GET", ordersPage)
	status, _ := s.call("GET", ordersPage, auth, nil)
	require.Equal(t, http.StatusOK, status)
	status, body := s.call("GET", ordersPage, auth, nil)
	require.Equal(t, http.StatusUnauthorized, status)
	e := decodeErr(t, body)
	assert.Equal(t, "The nonce is already being used by the consumer with ID %1", e.Message)
	assert.JSONEq(t, `[1]`, string(e.Parameters))
}

func TestOAuth_HMACSHA1IsRefusedAsSince244UnlessAllowed(t *testing.T) {
	for _, allow := range []bool{false, true} {
		s := startSim(t, func(o *Options) { o.AllowHMACSHA1 = allow })
		o := s.v.opts
		auth := signOAuth("GET", s.base+ordersPage, o.ConsumerKey, o.ConsumerSecret, o.AccessToken, o.AccessTokenSecret,
			"HMAC-SHA1", "nonce-sha1", s.clock.Now().Unix())
		status, body := s.call("GET", ordersPage, auth, nil)
		if allow {
			assert.Equal(t, http.StatusOK, status, string(body))
			continue
		}
		require.Equal(t, http.StatusBadRequest, status)
		e := decodeErr(t, body)
		assert.Equal(t, "Signature method %1 is not supported", e.Message)
		assert.JSONEq(t, `["HMAC-SHA1"]`, string(e.Parameters))
	}
}

func TestOAuth_TimestampTooFarInTheFutureIs400(t *testing.T) {
	s := startSim(t, nil)
	o := s.v.opts
	auth := signOAuth("GET", s.base+ordersPage, o.ConsumerKey, o.ConsumerSecret, o.AccessToken, o.AccessTokenSecret,
		"HMAC-SHA256", "nonce-future", s.clock.Now().Add(11*time.Minute).Unix())
	status, body := s.call("GET", ordersPage, auth, nil)
	require.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "Incorrect timestamp value in the oauth_timestamp parameter", decodeErr(t, body).Message)
}

func TestOAuth_UnknownConsumerKeyIs401(t *testing.T) {
	s := startSim(t, nil)
	o := s.v.opts
	auth := signOAuth("GET", s.base+ordersPage, "someoneelse00000000000000000000", o.ConsumerSecret, o.AccessToken, o.AccessTokenSecret,
		"HMAC-SHA256", "nonce-consumer", s.clock.Now().Unix())
	status, _ := s.call("GET", ordersPage, auth, nil)
	assert.Equal(t, http.StatusUnauthorized, status)
}

func TestBearerIntegrationToken_IsRefusedUnlessTheSettingIsOn(t *testing.T) {
	off := startSim(t, nil)
	status, body := off.call("GET", ordersPage, "Bearer "+off.v.opts.AccessToken, nil)
	require.Equal(t, http.StatusUnauthorized, status)
	e := decodeErr(t, body)
	assert.Equal(t, "The consumer isn't authorized to access %resources.", e.Message)
	assert.JSONEq(t, `{"resources":"Magento_Sales::actions_view"}`, string(e.Parameters))

	on := startSim(t, func(o *Options) { o.AllowBearerIntegrationToken = true })
	status, body = on.call("GET", ordersPage, "Bearer "+on.v.opts.AccessToken, nil)
	assert.Equal(t, http.StatusOK, status, string(body))
}

func TestNoCredentials_Is401NamingTheRoutesResource(t *testing.T) {
	s := startSim(t, nil)
	status, body := s.call("GET", "/rest/V1/products?searchCriteria=", "", nil)
	require.Equal(t, http.StatusUnauthorized, status)
	assert.JSONEq(t, `{"resources":"Magento_Catalog::products"}`, string(decodeErr(t, body).Parameters))
}

func TestAdminToken_ExpiresAfterItsLifetime(t *testing.T) {
	s := startSim(t, func(o *Options) { o.AdminTokenLifetime = time.Hour })
	tok := s.adminToken()
	assert.Equal(t, 3, len(strings.Split(tok, ".")), "admin tokens are JWTs since 2.4.4")
	status, _ := s.call("GET", ordersPage, "Bearer "+tok, nil)
	require.Equal(t, http.StatusOK, status)

	s.clock.Advance(59 * time.Minute)
	status, _ = s.call("GET", ordersPage, "Bearer "+tok, nil)
	require.Equal(t, http.StatusOK, status)

	s.clock.Advance(time.Minute)
	status, body := s.call("GET", ordersPage, "Bearer "+tok, nil)
	require.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "The consumer isn't authorized to access %resources.", decodeErr(t, body).Message)
}

func TestAdminToken_WrongPasswordIs401AndMissingFieldsAre400(t *testing.T) {
	s := startSim(t, nil)
	status, body := s.call("POST", "/rest/V1/integration/admin/token", "", map[string]string{"username": "admin", "password": "nope"})
	require.Equal(t, http.StatusUnauthorized, status)
	assert.Contains(t, decodeErr(t, body).Message, "The account sign-in was incorrect")

	status, body = s.call("POST", "/rest/V1/integration/admin/token", "", map[string]string{"username": "", "password": ""})
	require.Equal(t, http.StatusBadRequest, status)
	e := decodeErr(t, body)
	assert.Equal(t, "One or more input exceptions have occurred.", e.Message)
	require.Len(t, e.Errors, 2)
	assert.JSONEq(t, `{"fieldName":"username"}`, string(e.Errors[0].Parameters))
}

func TestTamperedAdminToken_IsRefused(t *testing.T) {
	s := startSim(t, nil)
	tok := s.adminToken()
	parts := strings.Split(tok, ".")
	forged := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
	status, _ := s.call("GET", ordersPage, "Bearer "+forged, nil)
	assert.Equal(t, http.StatusUnauthorized, status)
}
