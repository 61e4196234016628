package httpx

import (
	"context"
	"net/http"
)

// Signer adds credentials to an outgoing request. It is called once per
// attempt, after all other headers are set and with the request's body
// still readable through GetBody, so signatures that cover a nonce and a
// timestamp are fresh for every retry. Implementations must be safe for
// concurrent use.
type Signer interface {
	Sign(req *http.Request) error
}

// SignerFunc adapts a function to Signer.
type SignerFunc func(req *http.Request) error

// Sign calls f.
func (f SignerFunc) Sign(req *http.Request) error { return f(req) }

// Reauthorizer is implemented by signers whose credentials expire on the
// server side (session cookies, admin tokens). When a request is answered
// 401, the client calls Reauthorize once and repeats the request once; a
// second 401 is returned as an *HTTPError.
type Reauthorizer interface {
	Reauthorize(ctx context.Context) error
}

// SecretHolder is implemented by signers that hold credentials; the client
// scrubs those values from every error message, as it does Config.Secrets.
// Secrets is called for each error, so it may return values that change
// while the client runs, and must be safe for concurrent use.
type SecretHolder interface {
	Secrets() []string
}

// Bearer signs requests with "Authorization: Bearer <token>".
func Bearer(token string) Signer { return bearer(token) }

type bearer string

func (b bearer) Sign(req *http.Request) error {
	req.Header.Set("Authorization", "Bearer "+string(b))
	return nil
}

func (b bearer) Secrets() []string { return []string{string(b)} }

// Basic signs requests with HTTP basic authentication.
func Basic(user, password string) Signer { return basic{user: user, password: password} }

type basic struct{ user, password string }

func (b basic) Sign(req *http.Request) error {
	req.SetBasicAuth(b.user, b.password)
	return nil
}

func (b basic) Secrets() []string { return []string{b.password} }
