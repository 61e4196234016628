package netsuite

import (
	"fmt"
	"strings"
)

// AccountID is a NetSuite account id. NetSuite writes one id in two forms:
// the realm form, upper case with an underscore ("1234567_SB1"), used as the
// OAuth 1.0 realm and in the UI, and the host form, lower case with a hyphen
// ("1234567-sb1"), used in the account's API host name. ParseAccountID
// accepts either and the methods give each.
type AccountID struct {
	realm string
}

// ParseAccountID reads an account id in realm or host form ("1234567",
// "1234567_SB1", "1234567-sb1", "TSTDRV1234567"). Only letters, digits, one
// separator ("_" or "-") and a suffix are allowed, so the id can never
// smuggle a different host into a URL.
func ParseAccountID(s string) (AccountID, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return AccountID{}, fmt.Errorf("parsing netsuite account id: empty")
	}
	realm := strings.ToUpper(strings.ReplaceAll(s, "-", "_"))
	base, suffix, hasSuffix := strings.Cut(realm, "_")
	if base == "" || (hasSuffix && (suffix == "" || strings.Contains(suffix, "_"))) {
		return AccountID{}, fmt.Errorf("parsing netsuite account id %q: want a form such as 1234567, 1234567_SB1 or 1234567-sb1", s)
	}
	for _, c := range base + suffix {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return AccountID{}, fmt.Errorf("parsing netsuite account id %q: only letters, digits and one '_' or '-' are allowed", s)
		}
	}
	return AccountID{realm: realm}, nil
}

// Realm is the upper-case, underscored form ("1234567_SB1"): the OAuth 1.0
// realm.
func (a AccountID) Realm() string { return a.realm }

// Host is the lower-case, hyphenated form ("1234567-sb1") used in host
// names.
func (a AccountID) Host() string { return strings.ToLower(strings.ReplaceAll(a.realm, "_", "-")) }

// BaseURL is the account's REST web services host,
// https://<host form>.suitetalk.api.netsuite.com.
func (a AccountID) BaseURL() string { return "https://" + a.Host() + ".suitetalk.api.netsuite.com" }

// IsZero reports whether a was never parsed.
func (a AccountID) IsZero() bool { return a.realm == "" }

// String returns the realm form, as NetSuite's UI shows the id.
func (a AccountID) String() string { return a.realm }
