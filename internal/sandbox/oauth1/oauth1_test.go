package oauth1

import (
	"crypto/hmac"
	"crypto/sha256"
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

func TestBaseStringMatchesTheExampleOfRFC5849(t *testing.T) {
	// RFC 5849 §3.4.1.1: query and form parameters, a repeated name sorted
	// by value, an encoded name, empty values; realm and oauth_signature
	// are left out.
	r := httptest.NewRequest("POST", "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b", strings.NewReader("c2&a3=2+q"))
	form, err := url.ParseQuery("c2&a3=2+q")
	require.NoError(t, err)
	oauth := map[string]string{
		"realm":                  "Example",
		"oauth_consumer_key":     "9djdj82h48djs9d2",
		"oauth_token":            "kkk9d7dh3k39sjv7",
		"oauth_signature_method": "HMAC-SHA1",
		"oauth_timestamp":        "137131201",
		"oauth_nonce":            "7d8f3e4a",
		"oauth_signature":        "bYT5CMsGcbgUdFHObYMEfcx6bsw=",
	}
	assert.Equal(t, "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q"+
		"%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_"+
		"key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m"+
		"ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk"+
		"9d7dh3k39sjv7", BaseString(r, form, oauth))
}

func TestSignatureKeysTheHMACWithBothEncodedSecrets(t *testing.T) {
	mac := hmac.New(sha256.New, []byte("c%20s%2B&t%26s~"))
	mac.Write([]byte("GET&base"))
	assert.Equal(t, mac.Sum(nil), Signature(sha256.New, "GET&base", "c s+", "t&s~"))
}
