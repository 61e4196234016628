package netsuite

import (
	"errors"

	"github.com/datawald/datawald/internal/httpx"
)

// TBA holds Token-Based Authentication credentials (OAuth 1.0a): the
// integration record's consumer key and secret and an access token of a
// user and role. Oracle calls TBA legacy authentication; prefer OAuth 2.0
// client credentials for new integrations.
type TBA struct {
	ConsumerKey, ConsumerSecret, TokenID, TokenSecret string
}

func (t TBA) validate() error {
	if t.ConsumerKey == "" || t.ConsumerSecret == "" || t.TokenID == "" || t.TokenSecret == "" {
		return errors.New("tba authentication needs consumer_key, consumer_secret, token_id and token_secret")
	}
	return nil
}

// signer signs every attempt with HMAC-SHA256 and realm = the account id
// in its upper-case, underscored form, as NetSuite requires (the host uses
// the lower-case, hyphenated form).
func (t TBA) signer(account AccountID) httpx.Signer {
	return &httpx.OAuth1{
		ConsumerKey: t.ConsumerKey, ConsumerSecret: t.ConsumerSecret,
		Token: t.TokenID, TokenSecret: t.TokenSecret,
		Realm: account.Realm(), Method: "HMAC-SHA256",
	}
}
