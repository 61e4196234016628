package netsuite

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/datawald/datawald/internal/httpx"
)

// TokenPath is NetSuite's OAuth 2.0 token endpoint.
const TokenPath = "/services/rest/auth/oauth2/v1/token"

// AssertionAlgorithms are the JWT algorithms NetSuite accepts for a client
// credentials assertion. RS256 is not among them: an RSA key signs with
// PS256.
var AssertionAlgorithms = []string{"PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}

// assertionLifetime is the exp - iat of the assertions we sign; NetSuite
// refuses more than 60 minutes.
const assertionLifetime = 5 * time.Minute

// ClientCredentials configures the OAuth 2.0 client credentials (M2M)
// flow: the integration's client id, and the certificate mapped to it in
// Setup > Integration > OAuth 2.0 Client Credentials (M2M) Setup, by its
// certificate id and private key.
type ClientCredentials struct {
	ClientID      string
	CertificateID string
	// PrivateKeyPEM is the certificate's private key (PKCS #8, PKCS #1 or
	// SEC 1 PEM). RSA keys sign PS256, EC keys ES256/384/512 by curve.
	PrivateKeyPEM string
	// Algorithm overrides the algorithm chosen from the key; one of
	// AssertionAlgorithms.
	Algorithm string
	// Scopes default to rest_webservices.
	Scopes []string
}

func (c ClientCredentials) validate() error {
	if c.ClientID == "" || c.CertificateID == "" || c.PrivateKeyPEM == "" {
		return errors.New("oauth2 authentication needs client_id, certificate_id and private_key")
	}
	return nil
}

// parseKey reads the PEM private key and picks the signing method.
func (c ClientCredentials) parseKey() (crypto.Signer, jwt.SigningMethod, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(c.PrivateKeyPEM)))
	if block == nil {
		return nil, nil, errors.New("reading private_key: no PEM block found")
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading private_key (%s): %w", block.Type, err)
	}
	alg := c.Algorithm
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if alg == "" {
			alg = "PS256"
		}
		if !strings.HasPrefix(alg, "PS") {
			return nil, nil, fmt.Errorf("algorithm %s does not fit an RSA key (use PS256, PS384 or PS512; NetSuite refuses RS256)", alg)
		}
		return k, jwt.GetSigningMethod(alg), checkAlg(alg)
	case *ecdsa.PrivateKey:
		if alg == "" {
			switch k.Curve {
			case elliptic.P384():
				alg = "ES384"
			case elliptic.P521():
				alg = "ES512"
			default:
				alg = "ES256"
			}
		}
		if !strings.HasPrefix(alg, "ES") {
			return nil, nil, fmt.Errorf("algorithm %s does not fit an EC key (use ES256, ES384 or ES512)", alg)
		}
		return k, jwt.GetSigningMethod(alg), checkAlg(alg)
	}
	return nil, nil, fmt.Errorf("reading private_key: %T keys are not supported (use RSA or EC)", key)
}

func checkAlg(alg string) error {
	for _, a := range AssertionAlgorithms {
		if a == alg {
			return nil
		}
	}
	return fmt.Errorf("algorithm %q is not accepted by NetSuite (want one of %s)", alg, strings.Join(AssertionAlgorithms, ", "))
}

// tokenSource is the client credentials Signer: it signs a JWT assertion,
// exchanges it for an access token, caches the token and renews it a
// minute before it expires, or at once when the API answers 401
// (Reauthorize). Safe for concurrent use; one exchange at a time.
type tokenSource struct {
	account  AccountID
	creds    ClientCredentials
	key      crypto.Signer
	method   jwt.SigningMethod
	tokenURL string
	http     *httpx.Client
	now      func() time.Time

	mu     sync.Mutex
	token  string
	expiry time.Time
}

func newTokenSource(account AccountID, baseURL string, creds ClientCredentials, settings httpx.Settings) (*tokenSource, error) {
	key, method, err := creds.parseKey()
	if err != nil {
		return nil, err
	}
	tokenURL := strings.TrimSuffix(baseURL, "/") + TokenPath
	cfg := settings.Apply(httpx.Config{
		Vendor: "netsuite", BaseURL: baseURL, Decoder: decodeTokenError,
		Secrets: []string{creds.PrivateKeyPEM},
	})
	client, err := httpx.New(cfg)
	if err != nil {
		return nil, err
	}
	return &tokenSource{account: account, creds: creds, key: key, method: method, tokenURL: tokenURL, http: client, now: time.Now}, nil
}

// Sign adds the bearer token, fetching one when none is cached or it
// expires within a minute.
func (s *tokenSource) Sign(req *http.Request) error {
	tok, err := s.current(req.Context(), false)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return nil
}

// Reauthorize drops the cached token and fetches a new one.
func (s *tokenSource) Reauthorize(ctx context.Context) error {
	_, err := s.current(ctx, true)
	return err
}

// Secrets returns the private key, scrubbed from every error.
func (s *tokenSource) Secrets() []string { return []string{s.creds.PrivateKeyPEM} }

func (s *tokenSource) current(ctx context.Context, renew bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !renew && s.token != "" && s.now().Add(time.Minute).Before(s.expiry) {
		return s.token, nil
	}
	tok, ttl, err := s.exchange(ctx)
	if err != nil {
		return "", err
	}
	s.token, s.expiry = tok, s.now().Add(ttl)
	return tok, nil
}

// assertion signs the client assertion: header typ JWT, alg, kid =
// certificate id; claims iss = client id, scope, aud = token endpoint, iat
// and exp.
func (s *tokenSource) assertion() (string, error) {
	now := s.now()
	scopes := s.creds.Scopes
	if len(scopes) == 0 {
		scopes = []string{"rest_webservices"}
	}
	claims := jwt.MapClaims{
		"iss":   s.creds.ClientID,
		"scope": strings.Join(scopes, ","),
		"aud":   s.tokenURL,
		"iat":   now.Unix(),
		"exp":   now.Add(assertionLifetime).Unix(),
	}
	t := jwt.NewWithClaims(s.method, claims)
	t.Header["kid"] = s.creds.CertificateID
	signed, err := t.SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("signing client assertion: %w", err)
	}
	return signed, nil
}

// exchange posts the assertion to the token endpoint.
func (s *tokenSource) exchange(ctx context.Context) (string, time.Duration, error) {
	assertion, err := s.assertion()
	if err != nil {
		return "", 0, err
	}
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
	}
	var out struct {
		AccessToken string          `json:"access_token"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	_, err = s.http.DoJSON(ctx, &httpx.Request{
		Method: http.MethodPost, Path: TokenPath, Body: []byte(form.Encode()),
		ContentType: "application/x-www-form-urlencoded", Idempotent: true,
	}, &out)
	if err != nil {
		return "", 0, fmt.Errorf("authenticating to netsuite account %s with OAuth 2.0 client credentials (client %s, certificate %s): %w", s.account, s.creds.ClientID, s.creds.CertificateID, err)
	}
	if out.AccessToken == "" {
		return "", 0, fmt.Errorf("authenticating to netsuite account %s: token endpoint returned no access_token", s.account)
	}
	ttl := time.Hour
	if n, err := strconv.Atoi(strings.Trim(string(out.ExpiresIn), `"`)); err == nil && n > 0 {
		ttl = time.Duration(n) * time.Second
	}
	return out.AccessToken, ttl, nil
}

// decodeTokenError reads the RFC 6749 error body of the token endpoint.
func decodeTokenError(e *httpx.HTTPError, _ http.Header, body []byte) {
	var doc struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &doc) != nil || doc.Error == "" {
		return
	}
	e.Code = doc.Error
	e.Message = doc.Description
	if e.Message == "" && doc.Error == "invalid_client" {
		e.Message = "the assertion was refused: check client_id, certificate_id, the private key and that the certificate is mapped (and not revoked) in this account"
	}
}
