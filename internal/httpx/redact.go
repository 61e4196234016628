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
// messages can echo what they were sent). The signer's secrets are asked
// for at each scrub, so values a signer only learns while running (a
// session id after a login) are scrubbed too.
type scrubber struct {
	secrets []string
	signer  SecretHolder // nil when the signer holds no secrets
}

func newScrubber(secrets []string, signer Signer) scrubber {
	s := scrubber{secrets: scrubbable(secrets)}
	s.signer, _ = signer.(SecretHolder)
	return s
}

// scrubbable drops values too short to be told from text: they would shred
// unrelated words, and callers register real credentials, which are longer.
func scrubbable(secrets []string) []string {
	var s []string
	for _, v := range secrets {
		if len(v) >= 4 {
			s = append(s, v)
		}
	}
	return s
}

func (s scrubber) scrub(text string) string {
	secrets := s.secrets
	if s.signer != nil {
		secrets = append(scrubbable(s.signer.Secrets()), secrets...)
	}
	for _, v := range secrets {
		text = strings.ReplaceAll(text, v, Redacted)
	}
	return text
}
