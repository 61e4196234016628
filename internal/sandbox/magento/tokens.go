package magento

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// tokenIssuer issues and checks admin bearer tokens. Since 2.4.4 Magento's
// admin tokens are JWTs (HS256, header kid "1") carrying the user id, the
// user type and an expiry; a token past its expiry is refused with the
// generic 401.
type tokenIssuer struct {
	key []byte
}

func newTokenIssuer() *tokenIssuer {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never fails (Go 1.24+).
	return &tokenIssuer{key: key}
}

type tokenClaims struct {
	UID    int   `json:"uid"`
	UTypID int   `json:"utypid"`
	IAT    int64 `json:"iat"`
	EXP    int64 `json:"exp"`
}

var b64 = base64.RawURLEncoding

// issue returns a token for user uid valid for ttl from now.
func (t *tokenIssuer) issue(uid int, now time.Time, ttl time.Duration) string {
	header := b64.EncodeToString([]byte(`{"kid":"1","alg":"HS256"}`))
	claims, _ := json.Marshal(tokenClaims{UID: uid, UTypID: userTypeAdmin, IAT: now.Unix(), EXP: now.Add(ttl).Unix()})
	signing := header + "." + b64.EncodeToString(claims)
	return signing + "." + b64.EncodeToString(t.sign(signing))
}

func (t *tokenIssuer) sign(s string) []byte {
	mac := hmac.New(sha256.New, t.key)
	mac.Write([]byte(s))
	return mac.Sum(nil)
}

// verify returns the user id of a valid, unexpired admin token.
func (t *tokenIssuer) verify(tok string, now time.Time) (int, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return 0, false
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, t.sign(parts[0]+"."+parts[1])) {
		return 0, false
	}
	raw, err := b64.DecodeString(parts[1])
	if err != nil {
		return 0, false
	}
	var c tokenClaims
	if err := json.Unmarshal(raw, &c); err != nil || c.UTypID != userTypeAdmin {
		return 0, false
	}
	if now.Unix() >= c.EXP {
		return 0, false
	}
	return c.UID, true
}
