package sapb1

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/datawald/datawald/internal/httpx"
)

// Session cookies set by POST /Login.
const (
	cookieSession = "B1SESSION"
	cookieRoute   = "ROUTEID"
)

// session is the httpx.Signer of a Client: it logs in on first use, sends
// the session's B1SESSION and ROUTEID cookies with every request, and logs
// in again when the Service Layer answers 401 (code 301: the session
// expired). Safe for concurrent use.
type session struct {
	http     *httpx.Client // sends Login and Logout; has no signer
	base     string
	company  string
	user     string
	password string

	mu     sync.Mutex
	id     string
	route  string
	gen    uint64 // incremented by every login
	logins int
	// failed is the error of the last login Sign attempted, until one
	// succeeds: Reauthorize returns it instead of trying again.
	failed error
}

// signedWith records which session generation signed a request, so that
// Reauthorize can tell whether the session that failed is still the
// current one. Client.do puts a fresh one in every call's context.
type signedWith struct{ gen atomic.Uint64 }

type signedWithKey struct{}

func withSignedWith(ctx context.Context) context.Context {
	return context.WithValue(ctx, signedWithKey{}, &signedWith{})
}

// Sign implements httpx.Signer.
func (s *session) Sign(req *http.Request) error {
	s.mu.Lock()
	if s.id == "" {
		if err := s.loginLocked(req.Context()); err != nil {
			s.failed = err
			s.mu.Unlock()
			return err
		}
		s.failed = nil
	}
	id, route, gen := s.id, s.route, s.gen
	s.mu.Unlock()
	req.AddCookie(&http.Cookie{Name: cookieSession, Value: id})
	if route != "" {
		req.AddCookie(&http.Cookie{Name: cookieRoute, Value: route})
	}
	if sw, ok := req.Context().Value(signedWithKey{}).(*signedWith); ok {
		sw.gen.Store(gen)
	}
	return nil
}

// Reauthorize implements httpx.Reauthorizer: after a 401 it logs in again,
// unless another request has done so since this one was signed, in which
// case the request is simply repeated with the newer session. Requests
// failing together on one expired session thus share one login. A 401
// that is Sign's own failed login (the request was never signed) is not
// tried again: its error is returned.
func (s *session) Reauthorize(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sw, ok := ctx.Value(signedWithKey{}).(*signedWith); ok {
		switch gen := sw.gen.Load(); {
		case gen == 0 && s.id == "" && s.failed != nil:
			return s.failed
		case s.id != "" && gen != s.gen:
			return nil
		}
	}
	return s.loginLocked(ctx)
}

// Secrets implements httpx.SecretHolder: the password and the live
// session id (B1SESSION), so that neither appears in an error that echoes
// a request. httpx asks for them at each error, so the id of a session
// opened after the client was built is scrubbed too.
func (s *session) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.id == "" {
		return []string{s.password}
	}
	return []string{s.password, s.id}
}

// Logins reports how many sessions were opened (tests, metrics).
func (s *session) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

// loginRequest is the body of POST /Login (function import Login).
type loginRequest struct {
	CompanyDB string `json:"CompanyDB"`
	UserName  string `json:"UserName"`
	Password  string `json:"Password"`
}

// loginLocked opens a session; its errors are *LoginError.
func (s *session) loginLocked(ctx context.Context) error {
	body, err := json.Marshal(loginRequest{CompanyDB: s.company, UserName: s.user, Password: s.password})
	if err != nil {
		return &LoginError{Company: s.company, User: s.user, Err: err}
	}
	var out struct {
		SessionID string `json:"SessionId"`
	}
	resp, err := s.http.DoJSON(ctx, &httpx.Request{
		Method:   http.MethodPost,
		Path:     s.base + "/Login",
		Endpoint: "/Login",
		Body:     body,
		// A repeated login opens one more session and changes nothing.
		Idempotent: true,
	}, &out)
	if err != nil {
		return &LoginError{Company: s.company, User: s.user, Err: wrap(err, "Login", "")}
	}
	id, route := out.SessionID, ""
	for _, c := range (&http.Response{Header: resp.Header}).Cookies() {
		switch c.Name {
		case cookieSession:
			id = c.Value
		case cookieRoute:
			route = c.Value
		}
	}
	if id == "" {
		return &LoginError{Company: s.company, User: s.user, Err: errors.New("the Service Layer answered no session (no B1SESSION cookie, no SessionId)")}
	}
	s.id, s.route = id, route
	s.gen++
	s.logins++
	return nil
}

// logout ends the current session, if any. A session that expired already
// is not an error.
func (s *session) logout(ctx context.Context) error {
	s.mu.Lock()
	id, route := s.id, s.route
	s.id, s.route = "", ""
	s.mu.Unlock()
	if id == "" {
		return nil
	}
	h := http.Header{}
	cookie := cookieSession + "=" + id
	if route != "" {
		cookie += "; " + cookieRoute + "=" + route
	}
	h.Set("Cookie", cookie)
	_, err := s.http.Do(ctx, &httpx.Request{Method: http.MethodPost, Path: s.base + "/Logout", Endpoint: "/Logout", Header: h, Idempotent: true})
	var he *httpx.HTTPError
	if errors.As(err, &he) && he.Status == http.StatusUnauthorized {
		return nil
	}
	if err != nil {
		return fmt.Errorf("logging out of sap b1 company %s: %w", s.company, wrap(err, "Logout", ""))
	}
	return nil
}
