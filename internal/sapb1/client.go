package sapb1

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/httpx"
)

// ServicePath is the Service Layer's OData v3 root, added to a base URL
// that does not end with it.
const ServicePath = "/b1s/v1"

// Config configures a Client. BaseURL, CompanyDB, UserName and Password
// are required.
type Config struct {
	// BaseURL is the Service Layer's address, e.g.
	// "https://b1.example.com:50000"; ServicePath is added unless it ends
	// with it already.
	BaseURL string
	// CompanyDB, UserName and Password are the Login credentials.
	CompanyDB, UserName, Password string
	// HTTP tunes timeouts, rate limit and retries.
	HTTP httpx.Settings
	// Transport replaces the HTTP transport (tests wrap it to check
	// requests against the metadata); nil means httpx's pooled transport.
	Transport http.RoundTripper
	// Metrics and Logger may be nil.
	Metrics *service.Metrics
	Logger  *service.Logger
}

// Client talks to one company database through the Service Layer. It is
// safe for concurrent use.
type Client struct {
	http    *httpx.Client
	session *session
	base    string // scheme://host[:port]/b1s/v1, no trailing slash
	company string
}

// New validates cfg and returns a Client. It makes no request: the session
// is opened by the first call (or Login).
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("creating sap b1 client: base URL %q must be an absolute http(s) URL", httpx.RedactURL(cfg.BaseURL))
	}
	if u.RawQuery != "" || u.User != nil {
		return nil, errors.New("creating sap b1 client: base URL must not carry a query string or credentials")
	}
	switch {
	case cfg.CompanyDB == "":
		return nil, errors.New("creating sap b1 client: company_db is required")
	case cfg.UserName == "":
		return nil, errors.New("creating sap b1 client: username is required")
	case cfg.Password == "":
		return nil, errors.New("creating sap b1 client: password is required")
	}
	base := strings.TrimSuffix(u.String(), "/")
	if !strings.HasSuffix(base, ServicePath) {
		base += ServicePath
	}
	hc := cfg.HTTP.Apply(httpx.Config{
		Vendor:    "sapb1",
		BaseURL:   base,
		Decoder:   DecodeError,
		Transport: cfg.Transport,
		Metrics:   cfg.Metrics,
		Logger:    cfg.Logger,
		Secrets:   []string{cfg.Password},
		Header:    http.Header{"Accept": {"application/json"}},
	})
	login, err := httpx.New(hc)
	if err != nil {
		return nil, err
	}
	s := &session{http: login, base: base, company: cfg.CompanyDB, user: cfg.UserName, password: cfg.Password}
	hc.Signer = s
	main, err := httpx.New(hc)
	if err != nil {
		return nil, err
	}
	return &Client{http: main, session: s, base: base, company: cfg.CompanyDB}, nil
}

// CompanyDB returns the company database the client works in.
func (c *Client) CompanyDB() string { return c.company }

// Login opens a session now (it is otherwise opened by the first call), so
// that wrong credentials are reported at connect time. An open session is
// kept.
func (c *Client) Login(ctx context.Context) error {
	c.session.mu.Lock()
	defer c.session.mu.Unlock()
	if c.session.id != "" {
		return nil
	}
	return c.session.loginLocked(ctx)
}

// Logins reports how many sessions the client has opened.
func (c *Client) Logins() int { return c.session.Logins() }

// Close logs out of the current session.
func (c *Client) Close(ctx context.Context) error { return c.session.logout(ctx) }

// call describes one Service Layer request.
type call struct {
	method   string
	path     string // relative to the service root, query included: "Orders(12)", "Orders?$filter=..."
	endpoint string // template for metrics: "/Orders({key})"
	header   http.Header
	body     []byte
	// entity and key name the record in errors.
	entity, key string
	// idempotent marks a POST or PATCH whose repetition cannot apply
	// twice, so httpx may retry it after a dropped connection.
	idempotent bool
}

// do sends cl and decodes the JSON answer into out (when not nil).
func (c *Client) do(ctx context.Context, cl call, out any) (*httpx.Response, error) {
	r := &httpx.Request{
		Method:     cl.method,
		Path:       c.base + "/" + cl.path,
		Endpoint:   cl.endpoint,
		Header:     cl.header,
		Body:       cl.body,
		Idempotent: cl.idempotent,
	}
	resp, err := c.http.DoJSON(withSignedWith(ctx), r, out)
	return resp, wrap(err, cl.entity, cl.key)
}
