package oauth1

import (
	"crypto/sha1"
	"encoding/base64"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPercentEncodeFollowsRFC3986(t *testing.T) {
	assert.Equal(t, "abc-._~XYZ019", PercentEncode("abc-._~XYZ019"))
	assert.Equal(t, "a%20b%2Bc%2A%25%C3%BC", PercentEncode("a b+c*%ü"))
}

func TestBaseURLLowerCasesSchemeAndHostAndDropsTheDefaultPort(t *testing.T) {
	r := httptest.NewRequest("GET", "http://Example.COM:80/Path/a%2Fb?x=1", nil)
	assert.Equal(t, "http://example.com/Path/a%2Fb", BaseURL(r))

	r = httptest.NewRequest("GET", "http://example.com:8480/p", nil)
	assert.Equal(t, "http://example.com:8480/p", BaseURL(r))

	r = httptest.NewRequest("GET", "http://example.com:443/p", nil)
	r.Header.Set("X-Forwarded-Proto", "HTTPS")
	assert.Equal(t, "https://example.com/p", BaseURL(r))
}

func TestSignatureMatchesTheWorkedExampleOfTwittersSigningGuide(t *testing.T) {
	// HMAC-SHA1 with form body parameters in the base string; the oauth map
	// may carry oauth_signature and realm, which the base string leaves out.
	body := "status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21"
	r := httptest.NewRequest("POST", "https://api.twitter.com/1.1/statuses/update.json?include_entities=true", strings.NewReader(body))
	form, err := url.ParseQuery(body)
	require.NoError(t, err)
	params := map[string]string{
		"oauth_consumer_key":     "xvz1evFS4wEEPTGEFPHBog",
		"oauth_nonce":            "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
		"oauth_signature_method": "HMAC-SHA1",
		"oauth_timestamp":        "1318622958",
		"oauth_token":            "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
		"oauth_version":          "1.0",
		"oauth_signature":        "ignored",
		"realm":                  "ignored",
	}
	base := BaseString(r, form, params)
	assert.True(t, strings.HasPrefix(base, "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3D"), base)
	assert.NotContains(t, base, "ignored")
	sig := Signature(sha1.New, base, "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw", "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE")
	assert.Equal(t, "hCtSmYh+iHYCEqBWrE7C7hYmtUk=", base64.StdEncoding.EncodeToString(sig))
}
