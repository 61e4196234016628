package httpx

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The base string example of RFC 5849 §3.4.1.1.
func TestSignatureBaseString_RFC5849Example(t *testing.T) {
	u, err := url.Parse("http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b")
	require.NoError(t, err)
	form, err := url.ParseQuery("c2&a3=2+q")
	require.NoError(t, err)
	got := SignatureBaseString("POST", u, map[string]string{
		"oauth_consumer_key":     "9djdj82h48djs9d2",
		"oauth_token":            "kkk9d7dh3k39sjv7",
		"oauth_signature_method": "HMAC-SHA1",
		"oauth_timestamp":        "137131201",
		"oauth_nonce":            "7d8f3e4a",
	}, form)
	want := "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q" +
		"%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_" +
		"key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m" +
		"ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk" +
		"9d7dh3k39sjv7"
	assert.Equal(t, want, got)
}

// A widely published HMAC-SHA1 example (a status update request) with a
// known signature.
func TestOAuth1_SignsKnownHMACSHA1Example(t *testing.T) {
	body := "status=Hello%20Ladies%20%2B%20Gentlemen%2C%20a%20signed%20OAuth%20request%21"
	req, err := http.NewRequest(http.MethodPost, "https://api.twitter.com/1.1/statuses/update.json?include_entities=true", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	o := &OAuth1{
		ConsumerKey:    "xvz1evFS4wEEPTGEFPHBog",
		ConsumerSecret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
		Token:          "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
		TokenSecret:    "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
		Method:         "HMAC-SHA1",
		Now:            func() time.Time { return time.Unix(1318622958, 0) },
		Nonce:          func() string { return "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg" },
	}
	require.NoError(t, o.Sign(req))
	assert.Contains(t, req.Header.Get("Authorization"), `oauth_signature="`+PercentEncode("hCtSmYh+iHYCEqBWrE7C7hYmtUk=")+`"`)
}

func TestOAuth1_RealmIsSentButNotSignedAndNonceIsFreshPerSign(t *testing.T) {
	req, _ := http.NewRequest(http.MethodGet, "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/record/v1/customer/1", nil)
	o := &OAuth1{ConsumerKey: "ck", ConsumerSecret: "cs", Token: "tk", TokenSecret: "ts", Realm: "1234567_SB1"}
	require.NoError(t, o.Sign(req))
	first := req.Header.Get("Authorization")
	assert.True(t, strings.HasPrefix(first, `OAuth realm="1234567_SB1",`), first)
	assert.Contains(t, first, `oauth_signature_method="HMAC-SHA256"`)
	require.NoError(t, o.Sign(req))
	assert.NotEqual(t, first, req.Header.Get("Authorization"))
}

func TestOAuth1_RejectsUnknownMethod(t *testing.T) {
	req, _ := http.NewRequest(http.MethodGet, "https://x/", nil)
	err := (&OAuth1{Method: "PLAINTEXT"}).Sign(req)
	assert.ErrorContains(t, err, "PLAINTEXT")
}
