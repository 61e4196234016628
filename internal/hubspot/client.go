package hubspot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/httpx"
)

// Defaults for zero Config fields.
const (
	DefaultBaseURL   = "https://api.hubapi.com"
	DefaultAPIPrefix = "/crm/v3"
)

// Config configures a Client. Token is required.
type Config struct {
	// BaseURL is HubSpot's API host (DefaultBaseURL when empty).
	BaseURL string
	// APIPrefix is the path before "/objects" (DefaultAPIPrefix when
	// empty), e.g. "/crm/objects/2026-03" for a date-versioned API.
	APIPrefix string
	// Token is the private app's access token (or an OAuth access token),
	// sent as a bearer token. It never appears in an error or a log line.
	Token string
	// HTTP tunes timeouts, client-side rate limit and retries.
	HTTP httpx.Settings
	// Transport replaces the HTTP transport; nil means httpx's pooled one.
	Transport http.RoundTripper
	// Metrics and Logger may be nil.
	Metrics *service.Metrics
	Logger  *service.Logger
}

// Client calls one HubSpot portal. It is safe for concurrent use.
type Client struct {
	http   *httpx.Client
	prefix string
}

// New validates cfg and returns a Client. It makes no request.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("creating hubspot client: an access token is required")
	}
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("creating hubspot client: base URL %q must be an absolute http(s) URL", httpx.RedactURL(base))
	}
	if u.RawQuery != "" || u.User != nil {
		return nil, errors.New("creating hubspot client: base URL must not carry a query string or credentials")
	}
	prefix, err := cleanPrefix(cfg.APIPrefix)
	if err != nil {
		return nil, fmt.Errorf("creating hubspot client: %w", err)
	}
	hc, err := httpx.New(cfg.HTTP.Apply(httpx.Config{
		Vendor:    "hubspot",
		BaseURL:   strings.TrimSuffix(u.String(), "/"),
		Signer:    httpx.Bearer(cfg.Token),
		Decoder:   DecodeError,
		Transport: cfg.Transport,
		Metrics:   cfg.Metrics,
		Logger:    cfg.Logger,
		Header:    http.Header{"Accept": []string{"application/json"}},
	}))
	if err != nil {
		return nil, err
	}
	return &Client{http: hc, prefix: prefix}, nil
}

// cleanPrefix checks an API prefix: empty means DefaultAPIPrefix; otherwise
// an absolute path of plain segments, without a trailing slash.
func cleanPrefix(p string) (string, error) {
	if p == "" {
		return DefaultAPIPrefix, nil
	}
	p = strings.TrimSuffix(p, "/")
	if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?#% ") || strings.Contains(p, "//") {
		return "", fmt.Errorf("API prefix %q must be a path such as %q", p, DefaultAPIPrefix)
	}
	return p, nil
}

// call is one request under the API prefix.
type call struct {
	method   string
	path     string // after the prefix, e.g. "/objects/contacts/search"
	endpoint string // template for metrics, e.g. "/objects/{type}/search"
	body     any
	// idempotent marks a POST that only reads (search, batch read), so
	// httpx may repeat it after a 5xx or a dropped connection.
	idempotent bool
}

// do sends cl and decodes the JSON answer into out (when not nil). It
// returns the answer's status (200, 201 or 207 for a batch with errors).
func (c *Client) do(ctx context.Context, cl call, out any) (int, error) {
	r := &httpx.Request{
		Method:     cl.method,
		Path:       c.prefix + cl.path,
		Endpoint:   c.prefix + cl.endpoint,
		Idempotent: cl.idempotent,
	}
	if cl.body != nil {
		raw, err := json.Marshal(cl.body)
		if err != nil {
			return 0, fmt.Errorf("encoding %s %s body: %w", cl.method, cl.endpoint, err)
		}
		r.Body = raw
	}
	resp, err := c.http.DoJSON(ctx, r, out)
	if err != nil {
		return 0, err
	}
	return resp.Status, nil
}

// objectsPath is "/objects/{objectType}" with the type escaped.
func objectsPath(objectType string) string { return "/objects/" + url.PathEscape(objectType) }
