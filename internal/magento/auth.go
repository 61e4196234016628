package magento

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/datawald/datawald/internal/httpx"
)

// Authentication modes.
const (
	AuthOAuth1 = "oauth1" // integration: consumer key/secret + access token/secret
	AuthBearer = "bearer" // a standalone bearer token (integration or admin token)
	AuthAdmin  = "admin"  // admin username/password exchanged for an admin token
)

// DefaultAdminTokenLifetime is Magento's default admin token lifetime
// (Stores > Configuration > Services > OAuth > Access Token Expiration).
const DefaultAdminTokenLifetime = 4 * time.Hour

// Auth holds the credentials of one mode. Only the fields of Mode are used.
type Auth struct {
	Mode string

	// oauth1: an integration's four credentials, signed with HMAC-SHA256.
	ConsumerKey       string
	ConsumerSecret    string
	AccessToken       string
	AccessTokenSecret string

	// bearer: the token sent as "Authorization: Bearer".
	Token string

	// admin: credentials for POST /V1/integration/admin/token. The token
	// is renewed RenewBefore ahead of TokenLifetime (defaults: 4h and 5m),
	// and at once when Magento answers 401.
	Username      string
	Password      string
	TokenLifetime time.Duration
	RenewBefore   time.Duration
	// Now replaces the clock (admin token expiry, OAuth timestamps) in
	// tests; nil means time.Now.
	Now func() time.Time
}

// signer validates a and builds its httpx.Signer. The admin mode fetches
// tokens with a client built from hc without a signer.
func (a Auth) signer(c *Client, hc httpx.Config) (httpx.Signer, error) {
	switch a.Mode {
	case AuthOAuth1:
		if a.ConsumerKey == "" || a.ConsumerSecret == "" || a.AccessToken == "" || a.AccessTokenSecret == "" {
			return nil, errors.New("auth mode oauth1 needs consumer_key, consumer_secret, access_token and access_token_secret")
		}
		return &httpx.OAuth1{
			ConsumerKey:    a.ConsumerKey,
			ConsumerSecret: a.ConsumerSecret,
			Token:          a.AccessToken,
			TokenSecret:    a.AccessTokenSecret,
			Method:         "HMAC-SHA256",
			Now:            a.Now,
		}, nil
	case AuthBearer:
		if a.Token == "" {
			return nil, errors.New("auth mode bearer needs a token")
		}
		return httpx.Bearer(a.Token), nil
	case AuthAdmin:
		if a.Username == "" || a.Password == "" {
			return nil, errors.New("auth mode admin needs username and password")
		}
		hc.Signer = nil
		hc.Secrets = append(hc.Secrets, a.Password)
		tc, err := httpx.New(hc)
		if err != nil {
			return nil, err
		}
		s := &adminToken{
			http:        tc,
			url:         c.route("/V1/integration/admin/token"),
			username:    a.Username,
			password:    a.Password,
			lifetime:    a.TokenLifetime,
			renewBefore: a.RenewBefore,
			now:         a.Now,
		}
		if s.lifetime <= 0 {
			s.lifetime = DefaultAdminTokenLifetime
		}
		if s.renewBefore <= 0 {
			s.renewBefore = 5 * time.Minute
		}
		if s.renewBefore >= s.lifetime {
			return nil, fmt.Errorf("auth: renew_before (%s) must be shorter than token_lifetime (%s)", s.renewBefore, s.lifetime)
		}
		if s.now == nil {
			s.now = time.Now
		}
		return s, nil
	case "":
		return nil, errors.New("auth mode is required (oauth1, bearer or admin)")
	}
	return nil, fmt.Errorf("unknown auth mode %q (want oauth1, bearer or admin)", a.Mode)
}

// adminToken signs requests with an admin token, fetching one on first use,
// renewing it before it expires, and again when Magento answers 401 (the
// token was revoked or the server's lifetime is shorter than configured).
type adminToken struct {
	http        *httpx.Client
	url         string
	username    string
	password    string
	lifetime    time.Duration
	renewBefore time.Duration
	now         func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
	fetches int
}

// Sign implements httpx.Signer.
func (s *adminToken) Sign(req *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == "" || !s.now().Before(s.expires.Add(-s.renewBefore)) {
		if err := s.fetchLocked(req.Context()); err != nil {
			return err
		}
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	return nil
}

// Reauthorize implements httpx.Reauthorizer: it drops the token and fetches
// a new one.
func (s *adminToken) Reauthorize(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetchLocked(ctx)
}

// Secrets implements httpx.SecretHolder.
func (s *adminToken) Secrets() []string { return []string{s.password} }

// Fetches reports how many tokens were fetched (for tests and metrics).
func (s *adminToken) Fetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches
}

func (s *adminToken) fetchLocked(ctx context.Context) error {
	body, err := json.Marshal(map[string]string{"username": s.username, "password": s.password})
	if err != nil {
		return fmt.Errorf("fetching admin token: %w", err)
	}
	issued := s.now()
	var token string
	if _, err := s.http.DoJSON(ctx, &httpx.Request{
		Method:   http.MethodPost,
		Path:     s.url,
		Endpoint: "/V1/integration/admin/token",
		Body:     body,
		// Asking for a token twice issues two tokens and changes nothing.
		Idempotent: true,
	}, &token); err != nil {
		return fmt.Errorf("fetching admin token: %w", err)
	}
	if token == "" {
		return errors.New("fetching admin token: Magento answered an empty token")
	}
	s.token = token
	s.expires = issued.Add(s.lifetime)
	s.fetches++
	return nil
}
