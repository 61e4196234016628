package magento

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

// DefaultStoreCode is the store view addressed when none is configured.
const DefaultStoreCode = "default"

// Config configures a Client. BaseURL and Auth are required.
type Config struct {
	// BaseURL is the storefront's base URL, e.g. "https://shop.example.com"
	// (a path prefix such as "/magento" is kept). "/rest/<store>" is added.
	BaseURL string
	// StoreCode is the store view in the route ("default", "all", "de").
	// Writes in a store view's scope change that view's attribute values.
	StoreCode string
	// Auth selects and holds the credentials.
	Auth Auth
	// HTTP tunes timeouts, rate limit and retries.
	HTTP httpx.Settings
	// Transport replaces the HTTP transport (tests wrap it to validate
	// requests against the contract); nil means httpx's pooled transport.
	Transport http.RoundTripper
	// Metrics and Logger may be nil.
	Metrics *service.Metrics
	Logger  *service.Logger
}

// Client calls one Magento store. It is safe for concurrent use.
type Client struct {
	http  *httpx.Client
	base  string // scheme://host[/prefix] without a trailing slash
	store string
}

// New validates cfg and returns a Client. Building it makes no request;
// an admin token is fetched on the first call.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("creating magento client: base URL %q must be an absolute http(s) URL", httpx.RedactURL(cfg.BaseURL))
	}
	if u.RawQuery != "" || u.User != nil {
		return nil, errors.New("creating magento client: base URL must not carry a query string or credentials")
	}
	store := cfg.StoreCode
	if store == "" {
		store = DefaultStoreCode
	}
	if !validStoreCode(store) {
		return nil, fmt.Errorf("creating magento client: store code %q must be letters, digits and underscores", store)
	}
	base := strings.TrimSuffix(u.String(), "/")
	hc := cfg.HTTP.Apply(httpx.Config{
		Vendor:    "magento",
		BaseURL:   base,
		Decoder:   DecodeError,
		Transport: cfg.Transport,
		Metrics:   cfg.Metrics,
		Logger:    cfg.Logger,
		Header:    http.Header{"Accept": []string{"application/json"}},
	})
	c := &Client{base: base, store: store}
	signer, err := cfg.Auth.signer(c, hc)
	if err != nil {
		return nil, fmt.Errorf("creating magento client: %w", err)
	}
	hc.Signer = signer
	if c.http, err = httpx.New(hc); err != nil {
		return nil, err
	}
	return c, nil
}

// StoreCode returns the store view in the client's routes.
func (c *Client) StoreCode() string { return c.store }

func validStoreCode(s string) bool {
	for _, r := range s {
		if !(r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')) {
			return false
		}
	}
	return s != ""
}

// call describes one REST call relative to /rest/<store>.
type call struct {
	method   string
	path     string // e.g. "/V1/products/" + url.PathEscape(sku)
	endpoint string // template for metrics, e.g. "/V1/products/{sku}"
	query    url.Values
	body     any // marshalled as JSON; json.RawMessage is sent as is
	// idempotent marks a POST whose repetition cannot apply twice (a save
	// by natural key), so httpx may retry it after a dropped connection.
	idempotent bool
}

// route is the absolute URL of a path under /rest/<store>. Absolute URLs
// keep percent-encoded route parameters (a SKU holding "/" or "%") intact.
func (c *Client) route(p string) string { return c.base + "/rest/" + c.store + p }

// do sends cl and decodes the JSON answer into out (when not nil).
func (c *Client) do(ctx context.Context, cl call, out any) error {
	r, err := c.request(cl)
	if err != nil {
		return err
	}
	_, err = c.http.DoJSON(ctx, r, out)
	return err
}

// doRaw sends cl and returns the answer's body undecoded.
func (c *Client) doRaw(ctx context.Context, cl call) ([]byte, error) {
	r, err := c.request(cl)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(ctx, r)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

func (c *Client) request(cl call) (*httpx.Request, error) {
	r := &httpx.Request{
		Method:     cl.method,
		Path:       c.route(cl.path),
		Endpoint:   cl.endpoint,
		Query:      cl.query,
		Idempotent: cl.idempotent,
	}
	if cl.body != nil {
		switch b := cl.body.(type) {
		case json.RawMessage:
			r.Body = b
		default:
			raw, err := json.Marshal(b)
			if err != nil {
				return nil, fmt.Errorf("encoding %s %s body: %w", cl.method, cl.endpoint, err)
			}
			r.Body = raw
		}
	}
	return r, nil
}
