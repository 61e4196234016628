package netsuite

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/datawald/datawald/internal/sandbox"
)

// tokenPath is NetSuite's OAuth 2.0 token endpoint.
const tokenPath = "/services/rest/auth/oauth2/v1/token"

const jwtBearerAssertion = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionAlgorithms are the JWT algorithms NetSuite accepts for the client
// credentials assertion (RS256 is not among them).
var assertionAlgorithms = []string{"PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}

// maxAssertionLifetime is how far exp may be after iat.
const maxAssertionLifetime = time.Hour

// bearerTokens holds the access tokens issued by the token endpoint.
type bearerTokens struct {
	mu     sync.Mutex
	expiry map[string]time.Time
}

func (b *bearerTokens) issue(ttl time.Duration, now time.Time) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("generating access token: %w", err)
	}
	tok := "sbx." + base64.RawURLEncoding.EncodeToString(raw)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.expiry == nil {
		b.expiry = map[string]time.Time{}
	}
	for t, exp := range b.expiry {
		if !now.Before(exp) {
			delete(b.expiry, t)
		}
	}
	b.expiry[tok] = now.Add(ttl)
	return tok, nil
}

// valid reports whether tok was issued and has not expired at now.
func (b *bearerTokens) valid(tok string, now time.Time) (bool, string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	exp, ok := b.expiry[tok]
	if !ok {
		return false, "unknown access token"
	}
	if !now.Before(exp) {
		return false, "access token expired"
	}
	return true, ""
}

func (b *bearerTokens) reset() {
	b.mu.Lock()
	b.expiry = nil
	b.mu.Unlock()
}

// oauthError is the RFC 6749 §5.2 error body of the token endpoint.
type oauthError struct {
	status int
	code   string
	reason string // sent in auditHeader only
}

func (e *oauthError) Error() string { return e.code + ": " + e.reason }

func writeOAuthError(w http.ResponseWriter, e *oauthError) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(auditHeader, e.reason)
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": e.code})
}

// tokenResponse is the token endpoint's success body. NetSuite sends
// expires_in as a string.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   string `json:"expires_in"`
	TokenType   string `json:"token_type"`
}

// handleToken implements the OAuth 2.0 client credentials (M2M) grant:
// grant_type=client_credentials with a JWT client assertion signed by the
// private key of the certificate mapped to the integration. The assertion
// must carry kid = the certificate id, iss = the client id, aud = the token
// endpoint, a scope including rest_webservices, iat, and an exp in the future
// at most an hour after iat.
func (v *Vendor) handleToken(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		writeOAuthError(w, &oauthError{http.StatusBadRequest, "invalid_request", "Content-Type must be application/x-www-form-urlencoded"})
		return
	}
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, &oauthError{http.StatusBadRequest, "invalid_request", "unreadable form body"})
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		writeOAuthError(w, &oauthError{http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials, got " + strconv.Quote(gt)})
		return
	}
	if r.PostForm.Get("client_assertion_type") != jwtBearerAssertion {
		writeOAuthError(w, &oauthError{http.StatusBadRequest, "invalid_request", "client_assertion_type must be " + jwtBearerAssertion})
		return
	}
	assertion := r.PostForm.Get("client_assertion")
	if assertion == "" {
		writeOAuthError(w, &oauthError{http.StatusBadRequest, "invalid_request", "client_assertion is missing"})
		return
	}
	if err := v.verifyAssertion(r, assertion); err != nil {
		writeOAuthError(w, err)
		return
	}
	tok, err := v.tokens.issue(v.opts.TokenTTL, v.now())
	if err != nil {
		writeOAuthError(w, &oauthError{http.StatusInternalServerError, "server_error", err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(tokenResponse{
		AccessToken: tok, ExpiresIn: strconv.Itoa(int(v.opts.TokenTTL / time.Second)), TokenType: "Bearer",
	})
}

// assertionClaims are the claims NetSuite reads from the client assertion.
type assertionClaims struct {
	Scope string `json:"scope"`
	jwt.RegisteredClaims
}

func (v *Vendor) verifyAssertion(r *http.Request, assertion string) *oauthError {
	invalid := func(reason string) *oauthError {
		return &oauthError{http.StatusUnauthorized, "invalid_client", reason}
	}
	var claims assertionClaims
	_, err := jwt.ParseWithClaims(assertion, &claims, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); typ != "" && typ != "JWT" {
			return nil, fmt.Errorf("typ must be JWT, got %q", typ)
		}
		kid, _ := t.Header["kid"].(string)
		if kid != v.opts.CertificateID {
			return nil, fmt.Errorf("kid %q is not a certificate mapped to this integration", kid)
		}
		return v.opts.PublicKey, nil
	},
		jwt.WithValidMethods(assertionAlgorithms),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(v.now),
		jwt.WithLeeway(5*time.Second),
	)
	if err != nil {
		if errors.Is(err, jwt.ErrTokenSignatureInvalid) {
			return invalid("signature does not verify with the mapped certificate")
		}
		return invalid(err.Error())
	}
	if claims.Issuer != v.opts.ClientID {
		return invalid("iss is not the client id of the integration")
	}
	if claims.IssuedAt == nil {
		return invalid("iat is missing")
	}
	if claims.ExpiresAt.Sub(claims.IssuedAt.Time) > maxAssertionLifetime {
		return invalid("exp must be at most 60 minutes after iat")
	}
	if !slices.ContainsFunc(claims.Audience, func(a string) bool { return v.tokenAudience(r, a) }) {
		return invalid("aud is not the token endpoint of account " + v.opts.AccountID)
	}
	scopes := strings.FieldsFunc(claims.Scope, func(c rune) bool { return c == ',' || c == ' ' })
	if !slices.Contains(scopes, "rest_webservices") {
		return invalid("scope must include rest_webservices")
	}
	return nil
}

// tokenAudience reports whether aud names this account's token endpoint:
// either the production form https://<account>.suitetalk.api.netsuite.com/...
// or the sandbox's own URL as the client reached it.
func (v *Vendor) tokenAudience(r *http.Request, aud string) bool {
	if aud == "https://"+v.hostID()+".suitetalk.api.netsuite.com"+tokenPath {
		return true
	}
	return aud == sandbox.BaseURL(r)+tokenPath
}

// verifyBearer checks an OAuth 2.0 access token issued by handleToken.
func (v *Vendor) verifyBearer(tok string) *apiError {
	if ok, reason := v.tokens.valid(tok, v.now()); !ok {
		return loginError(reason)
	}
	return nil
}

// authenticate accepts either TBA or an OAuth 2.0 bearer token, as NetSuite
// REST web services do; nothing else (no user credentials).
func (v *Vendor) authenticate(r *http.Request) *apiError {
	h := r.Header.Get("Authorization")
	switch {
	case h == "":
		return loginError("no Authorization header")
	case len(h) > 7 && strings.EqualFold(h[:7], "Bearer "):
		return v.verifyBearer(strings.TrimSpace(h[7:]))
	case len(h) > 6 && strings.EqualFold(h[:6], "OAuth "):
		return v.verifyTBA(r, h)
	default:
		return loginError("unsupported Authorization scheme (REST web services accept OAuth 2.0 and TBA only)")
	}
}
