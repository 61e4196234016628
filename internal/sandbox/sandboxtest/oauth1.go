package sandboxtest

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// OAuth1 holds what a test client signs OAuth 1.0a requests with (Magento
// integrations, NetSuite Token-Based Authentication). Test-only utility.
//
// It is a second, independent implementation of RFC 5849 (url.QueryEscape
// based encoding, string-sorted parameters) that shares no code with the
// simulators' verifier (internal/sandbox/oauth1) nor with the connectors'
// signer (internal/httpx): a simulator test fails when either side drifts
// from the RFC instead of agreeing with its own mistake.
type OAuth1 struct {
	ConsumerKey, ConsumerSecret string
	Token, TokenSecret          string
	// SignatureMethod is "HMAC-SHA256" (also when empty) or "HMAC-SHA1".
	SignatureMethod string
	// Realm goes into the header (never into the signature) when set.
	Realm string
}

// Header returns the "OAuth ..." Authorization header value for a request
// to rawURL signed with nonce and timestamp ts. Only the query parameters of
// rawURL are signed along with the oauth_* ones: the tests send JSON bodies,
// which OAuth 1.0a does not sign.
func (o OAuth1) Header(method, rawURL, nonce string, ts int64) string {
	u, _ := url.Parse(rawURL)
	sigMethod, newHash := o.SignatureMethod, sha256.New
	if sigMethod == "" {
		sigMethod = "HMAC-SHA256"
	}
	if sigMethod == "HMAC-SHA1" {
		newHash = sha1.New
	}
	params := map[string]string{
		"oauth_consumer_key":     o.ConsumerKey,
		"oauth_nonce":            nonce,
		"oauth_signature_method": sigMethod,
		"oauth_timestamp":        strconv.FormatInt(ts, 10),
		"oauth_token":            o.Token,
		"oauth_version":          "1.0",
	}
	var pairs []string
	for k, v := range params {
		pairs = append(pairs, rfc3986(k)+"="+rfc3986(v))
	}
	for k, vs := range u.Query() {
		for _, v := range vs {
			pairs = append(pairs, rfc3986(k)+"="+rfc3986(v))
		}
	}
	sort.Strings(pairs)
	baseURL := u.Scheme + "://" + strings.ToLower(u.Host) + u.EscapedPath()
	base := method + "&" + rfc3986(baseURL) + "&" + rfc3986(strings.Join(pairs, "&"))
	params["oauth_signature"] = sign(newHash, base, rfc3986(o.ConsumerSecret)+"&"+rfc3986(o.TokenSecret))

	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	if o.Realm != "" {
		parts = append(parts, `realm="`+o.Realm+`"`)
	}
	for _, k := range keys {
		parts = append(parts, k+`="`+rfc3986(params[k])+`"`)
	}
	return "OAuth " + strings.Join(parts, ", ")
}

func sign(newHash func() hash.Hash, base, key string) string {
	mac := hmac.New(newHash, []byte(key))
	mac.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// rfc3986 percent-encodes s as RFC 3986 wants: url.QueryEscape writes a
// space as '+' and, in some Go versions, '~' as %7E; both are fixed.
func rfc3986(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(url.QueryEscape(s), "+", "%20"), "%7E", "~")
}
