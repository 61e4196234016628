package httpx

import (
	"net/url"
	"sort"
	"strings"
)

// Redacted is what a secret is replaced with.
const Redacted = "REDACTED"

// secretParamHints are substrings of query parameter names whose values are
// credentials. Matching is case-insensitive.
var secretParamHints = []string{"token", "secret", "password", "passwd", "key", "signature", "sig", "auth", "session", "credential", "oauth_"}

// isSecretParam reports whether a query parameter name looks like it carries
// a credential.
func isSecretParam(name string) bool {
	n := strings.ToLower(name)
	for _, h := range secretParamHints {
		if strings.Contains(n, h) {
			return true
		}
	}
	return false
}

// RedactURL returns u as a string with userinfo removed and the values of
// credential-like query parameters replaced by Redacted. It never fails: an
// unparsable URL is reduced to its scheme and host, or to Redacted.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return Redacted
	}
	return redactParsed(u)
}

func redactParsed(u *url.URL) string {
	c := *u
	c.User = nil
	c.Fragment = ""
	if c.RawQuery != "" {
		q := c.Query()
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if isSecretParam(k) {
				for i := range q[k] {
					q[k][i] = Redacted
				}
			}
		}
		c.RawQuery = q.Encode()
	}
	return c.String()
}

// scrubber removes registered secret values from free text (vendor error
// messages can echo what they were sent).
type scrubber struct {
	secrets []string
}

func newScrubber(secrets []string) scrubber {
	var s []string
	for _, v := range secrets {
		// Very short values would shred unrelated text; callers register
		// real credentials, which are longer.
		if len(v) >= 4 {
			s = append(s, v)
		}
	}
	return scrubber{secrets: s}
}

func (s scrubber) scrub(text string) string {
	for _, v := range s.secrets {
		text = strings.ReplaceAll(text, v, Redacted)
	}
	return text
}
