package netsuite

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/datawald/datawald/internal/sandbox/oauth1"
)

// tbaParams are the parameters of an "Authorization: OAuth ..." header.
type tbaParams struct {
	realm     string
	params    map[string]string // oauth_* parameters, percent-decoded
	signature string
}

// parseOAuthHeader splits `OAuth realm="X", oauth_consumer_key="Y", ...` into
// its decoded parameters. It reports false when the header is not an OAuth
// header or a parameter is malformed.
func parseOAuthHeader(h string) (tbaParams, bool) {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "OAuth") {
		return tbaParams{}, false
	}
	p := tbaParams{params: map[string]string{}}
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return tbaParams{}, false
		}
		v = strings.TrimSpace(v)
		if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return tbaParams{}, false
		}
		dv, err := url.PathUnescape(v[1 : len(v)-1])
		if err != nil {
			return tbaParams{}, false
		}
		switch k = strings.TrimSpace(k); k {
		case "realm":
			p.realm = dv
		case "oauth_signature":
			p.signature = dv
		default:
			p.params[k] = dv
		}
	}
	return p, true
}

// nonceCache remembers the nonces of accepted TBA requests for as long as
// their timestamps are inside the accepted window, so a replayed request is
// refused while its timestamp would still pass. Keys are also listed by
// oauth_timestamp so expired ones are dropped a whole second at a time;
// memory is bounded by the request rate times the window.
type nonceCache struct {
	mu      sync.Mutex
	seen    map[string]int64   // consumer key|token|nonce -> oauth_timestamp
	buckets map[int64][]string // oauth_timestamp -> keys
	oldest  int64              // no bucket is older than this
}

// add records key under timestamp ts and reports whether it was new.
// Keys with timestamps older than oldest are forgotten first.
func (c *nonceCache) add(key string, ts, oldest int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen, c.buckets, c.oldest = map[string]int64{}, map[int64][]string{}, oldest
	}
	if oldest > c.oldest {
		drop := func(t int64) {
			for _, k := range c.buckets[t] {
				if c.seen[k] == t {
					delete(c.seen, k)
				}
			}
			delete(c.buckets, t)
		}
		if oldest-c.oldest <= int64(len(c.buckets)) {
			for t := c.oldest; t < oldest; t++ {
				drop(t)
			}
		} else {
			for t := range c.buckets {
				if t < oldest {
					drop(t)
				}
			}
		}
		c.oldest = oldest
	}
	if _, dup := c.seen[key]; dup {
		return false
	}
	c.seen[key] = ts
	c.buckets[ts] = append(c.buckets[ts], key)
	return true
}

func (c *nonceCache) reset() {
	c.mu.Lock()
	c.seen, c.buckets = nil, nil
	c.mu.Unlock()
}

// verifyTBA checks a Token-Based Authentication (OAuth 1.0a) header the way
// NetSuite does: the realm must be the account id, the consumer key and token
// must be the configured ones, the method HMAC-SHA256, the timestamp within
// the allowed skew of the server clock, the signature correct over the
// request, and the nonce not used before with that token. Every failure is
// the same 401 INVALID_LOGIN; the reason goes to auditHeader only.
func (v *Vendor) verifyTBA(r *http.Request, h string) *apiError {
	p, ok := parseOAuthHeader(h)
	if !ok {
		return loginError("malformed OAuth header")
	}
	for _, k := range []string{"oauth_consumer_key", "oauth_token", "oauth_signature_method", "oauth_timestamp", "oauth_nonce"} {
		if p.params[k] == "" {
			return loginError("missing " + k)
		}
	}
	if p.signature == "" {
		return loginError("missing oauth_signature")
	}
	if p.realm != v.opts.AccountID {
		return loginError("realm is not the account id " + v.opts.AccountID)
	}
	if ver, ok := p.params["oauth_version"]; ok && ver != "1.0" {
		return loginError("oauth_version must be 1.0")
	}
	if m := p.params["oauth_signature_method"]; m != "HMAC-SHA256" {
		return loginError("unsupported signature method " + m + " (NetSuite accepts HMAC-SHA256 only)")
	}
	if p.params["oauth_consumer_key"] != v.opts.ConsumerKey {
		return loginError("unknown consumer key")
	}
	if p.params["oauth_token"] != v.opts.TokenID {
		return loginError("unknown or revoked token")
	}
	ts, err := strconv.ParseInt(p.params["oauth_timestamp"], 10, 64)
	if err != nil {
		return loginError("oauth_timestamp is not a number")
	}
	now := v.now().Unix()
	skew := int64(v.opts.TimestampSkew / time.Second)
	if ts < now-skew || ts > now+skew {
		return loginError("stale timestamp: oauth_timestamp is outside the allowed window of the server clock")
	}
	var form url.Values
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") && r.Body != nil {
		if err := r.ParseForm(); err == nil {
			form = r.PostForm
		}
	}
	got, err := base64.StdEncoding.DecodeString(p.signature)
	if err != nil {
		return loginError("oauth_signature is not base64")
	}
	want := oauth1.Signature(sha256.New, oauth1.BaseString(r, form, p.params), v.opts.ConsumerSecret, v.opts.TokenSecret)
	if !hmac.Equal(got, want) {
		return loginError("signature mismatch")
	}
	key := p.params["oauth_consumer_key"] + "|" + p.params["oauth_token"] + "|" + p.params["oauth_nonce"]
	if !v.nonces.add(key, ts, now-skew) {
		return loginError("nonce already used")
	}
	return nil
}
