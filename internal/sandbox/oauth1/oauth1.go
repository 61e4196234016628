// Package oauth1 holds the server side of OAuth 1.0a (RFC 5849) signature
// verification shared by the sandbox simulators that speak it: Magento
// integrations and NetSuite Token-Based Authentication. It covers only what
// the RFC fixes (percent-encoding, the signature base string, the HMAC);
// each vendor keeps its own header parsing, its rules (which signature
// methods, timestamp window, nonce replay) and its own error bodies.
//
// It is written independently of internal/httpx's client-side signer on
// purpose, and must not call httpx.SignatureBaseString or share code with
// it: the simulators are there to catch a bug in our client signer, and a
// verifier built on the same code would agree with that bug.
package oauth1

import (
	"cmp"
	"crypto/hmac"
	"hash"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// PercentEncode is RFC 3986 percent-encoding as OAuth 1.0a (RFC 5849 §3.6)
// requires: everything but ALPHA, DIGIT, '-', '.', '_' and '~' is escaped
// with upper-case hex.
func PercentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	clean := true
	for i := 0; i < len(s) && clean; i++ {
		clean = unreserved(s[i])
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) * 3)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func unreserved(c byte) bool {
	return ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~'
}

// BaseURL is the base string URI of r (RFC 5849 §3.4.1.2): lower-case
// scheme and host, the port only when it is not the scheme's default, the
// path as sent, no query. The scheme is https when r came over TLS, or the
// X-Forwarded-Proto header's when it is set.
func BaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		scheme = strings.ToLower(p)
	}
	host := strings.ToLower(r.Host)
	if (scheme == "http" && strings.HasSuffix(host, ":80")) || (scheme == "https" && strings.HasSuffix(host, ":443")) {
		host = host[:strings.LastIndexByte(host, ':')]
	}
	return scheme + "://" + host + r.URL.EscapedPath()
}

// BaseString builds the RFC 5849 §3.4.1 signature base string of r: the
// upper-case method, BaseURL(r) and the normalized parameters, which are the
// query parameters of r, form (the decoded form body; nil when the request
// has none) and oauth (the Authorization header's parameters, decoded),
// leaving out oauth_signature and realm.
func BaseString(r *http.Request, form url.Values, oauth map[string]string) string {
	var pairs [][2]string // percent-encoded name and value
	add := func(k, v string) { pairs = append(pairs, [2]string{PercentEncode(k), PercentEncode(v)}) }
	query, _ := url.ParseQuery(r.URL.RawQuery)
	for _, vals := range []url.Values{query, form} {
		for k, vs := range vals {
			for _, v := range vs {
				add(k, v)
			}
		}
	}
	for k, v := range oauth {
		if k != "oauth_signature" && k != "realm" {
			add(k, v)
		}
	}
	// §3.4.1.3.2: sorted by encoded name, then encoded value, in byte order.
	slices.SortFunc(pairs, func(a, b [2]string) int {
		return cmp.Or(strings.Compare(a[0], b[0]), strings.Compare(a[1], b[1]))
	})
	var params strings.Builder
	for i, p := range pairs {
		if i > 0 {
			params.WriteByte('&')
		}
		params.WriteString(p[0] + "=" + p[1])
	}
	return strings.ToUpper(r.Method) + "&" + PercentEncode(BaseURL(r)) + "&" + PercentEncode(params.String())
}

// Signature is the raw HMAC (newHash: sha1.New for HMAC-SHA1, sha256.New
// for HMAC-SHA256) of base, keyed by the percent-encoded consumer secret and
// token secret joined with '&' (RFC 5849 §3.4.2). The oauth_signature
// parameter carries it base64-encoded; compare with hmac.Equal.
func Signature(newHash func() hash.Hash, base, consumerSecret, tokenSecret string) []byte {
	m := hmac.New(newHash, []byte(PercentEncode(consumerSecret)+"&"+PercentEncode(tokenSecret)))
	m.Write([]byte(base))
	return m.Sum(nil)
}
