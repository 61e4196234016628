package netsuite

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/httpx"
)

// Authentication modes.
const (
	AuthOAuth2 = "oauth2"
	AuthTBA    = "tba"
)

// Auth selects and holds the credentials.
type Auth struct {
	// Mode is AuthOAuth2 (client credentials, the default) or AuthTBA.
	Mode   string
	OAuth2 ClientCredentials
	TBA    TBA
}

// Config configures a Client. Account is required.
type Config struct {
	Account AccountID
	// BaseURL overrides the account's host (Account.BaseURL()), e.g. for
	// the sandbox.
	BaseURL string
	Auth    Auth
	HTTP    httpx.Settings
	// ConcurrencyLimit is the account's limit of requests in flight, shared
	// by every client of the account in the process. 0 reads it from
	// governanceLimits on first use (administrators only), falling back to
	// DefaultConcurrencyLimit.
	ConcurrencyLimit int
	// Recovery is how long a limit shrunk by a 429 waits before growing
	// back by one slot (default DefaultRecovery).
	Recovery time.Duration
	// Metrics and Logger may be nil.
	Metrics *service.Metrics
	Logger  *service.Logger
}

// Client talks to one NetSuite account. It is safe for concurrent use.
type Client struct {
	account AccountID
	base    string
	http    *httpx.Client
	limiter *Limiter
	extras  *errorExtras
	auto    bool
	log     *service.Logger
	tokens  *tokenSource // nil with TBA
}

// New returns a client; it makes no request.
func New(cfg Config) (*Client, error) {
	if cfg.Account.IsZero() {
		return nil, errors.New("creating netsuite client: account id is required")
	}
	base := strings.TrimSuffix(cfg.BaseURL, "/")
	if base == "" {
		base = cfg.Account.BaseURL()
	}
	var (
		signer httpx.Signer
		tokens *tokenSource
	)
	switch cfg.Auth.Mode {
	case AuthOAuth2, "":
		if err := cfg.Auth.OAuth2.validate(); err != nil {
			return nil, fmt.Errorf("creating netsuite client for account %s: %w", cfg.Account, err)
		}
		ts, err := newTokenSource(cfg.Account, base, cfg.Auth.OAuth2, cfg.HTTP)
		if err != nil {
			return nil, fmt.Errorf("creating netsuite client for account %s: %w", cfg.Account, err)
		}
		signer, tokens = ts, ts
	case AuthTBA:
		if err := cfg.Auth.TBA.validate(); err != nil {
			return nil, fmt.Errorf("creating netsuite client for account %s: %w", cfg.Account, err)
		}
		signer = cfg.Auth.TBA.signer(cfg.Account)
	default:
		return nil, fmt.Errorf("creating netsuite client for account %s: unknown auth mode %q (want oauth2 or tba)", cfg.Account, cfg.Auth.Mode)
	}
	limit := cfg.ConcurrencyLimit
	limiter := SharedLimiter(cfg.Account, base, limit)
	if cfg.Recovery > 0 {
		limiter.SetRecovery(cfg.Recovery)
	}
	extras := &errorExtras{}
	hc, err := httpx.New(cfg.HTTP.Apply(httpx.Config{
		Vendor:  "netsuite",
		BaseURL: base,
		Signer:  signer,
		Gate:    limiter,
		Header:  http.Header{"Accept": {"application/json"}},
		Decoder: extras.decoder(),
		Metrics: cfg.Metrics,
		Logger:  cfg.Logger,
	}))
	if err != nil {
		return nil, err
	}
	return &Client{account: cfg.Account, base: base, http: hc, limiter: limiter, extras: extras, auto: limit <= 0, log: cfg.Logger, tokens: tokens}, nil
}

// Account returns the account the client talks to.
func (c *Client) Account() AccountID { return c.account }

// Limiter returns the account's shared concurrency limiter.
func (c *Client) Limiter() *Limiter { return c.limiter }

// do sends r and turns NetSuite error documents into *Error.
func (c *Client) do(ctx context.Context, r *httpx.Request, out any) (*httpx.Response, error) {
	resp, err := c.http.DoJSON(ctx, r, out)
	return resp, c.extras.wrap(c.account, err)
}

// Init sizes the shared limiter from governanceLimits when no limit was
// configured and no other client of the account has done so; an account
// that refuses the call (it answers administrators only) keeps
// DefaultConcurrencyLimit, with a warning. It also checks the credentials:
// an authentication failure is returned.
func (c *Client) Init(ctx context.Context) error {
	if _, err := c.ServerTime(ctx); err != nil {
		return err
	}
	if !c.auto {
		return nil
	}
	return c.limiter.sizeOnce(func() (int, error) {
		g, err := c.GovernanceLimits(ctx)
		if err != nil {
			var ne *Error
			if errors.As(err, &ne) && !ne.Retryable() && ne.HTTP.Status != http.StatusUnauthorized {
				if c.log != nil {
					c.log.Warnf("netsuite account %s: cannot read governanceLimits (%v); using a concurrency limit of %d, set concurrency_limit to the account's", c.account, err, DefaultConcurrencyLimit)
				}
				return DefaultConcurrencyLimit, nil
			}
			return 0, err
		}
		return g.Available(), nil
	})
}

// ServerTime returns NetSuite's clock (GET /system/v1/serverTime), the
// only clock a watermark may be taken from.
func (c *Client) ServerTime(ctx context.Context) (time.Time, error) {
	var out struct {
		ServerTime string `json:"serverTime"`
	}
	if _, err := c.do(ctx, &httpx.Request{Path: "/services/rest/system/v1/serverTime"}, &out); err != nil {
		return time.Time{}, fmt.Errorf("reading netsuite server time: %w", err)
	}
	t, err := time.Parse(time.RFC3339Nano, out.ServerTime)
	if err != nil {
		return time.Time{}, fmt.Errorf("reading netsuite server time: parsing %q: %w", out.ServerTime, err)
	}
	return t.UTC(), nil
}

// GovernanceLimits is the account's concurrency allocation.
type GovernanceLimits struct {
	AccountConcurrencyLimit            int  `json:"accountConcurrencyLimit"`
	AccountUnallocatedConcurrencyLimit int  `json:"accountUnallocatedConcurrencyLimit"`
	IntegrationConcurrencyLimit        *int `json:"integrationConcurrencyLimit"`
	// LimitType is integrationSpecific, accountLimit or internal. NetSuite
	// documents the field as integrationLimitType; limitType is read too.
	LimitType string `json:"integrationLimitType"`
	AltType   string `json:"limitType"`
}

// Available is the number of concurrent requests this integration may
// make: its own allocation when it has one, else the unallocated part of
// the account limit, else the account limit. An answer with no positive
// limit at all says nothing usable and gives DefaultConcurrencyLimit, not
// a crawl at one request at a time.
func (g GovernanceLimits) Available() int {
	if g.IntegrationConcurrencyLimit != nil && *g.IntegrationConcurrencyLimit > 0 {
		return *g.IntegrationConcurrencyLimit
	}
	if g.AccountUnallocatedConcurrencyLimit > 0 {
		return g.AccountUnallocatedConcurrencyLimit
	}
	if g.AccountConcurrencyLimit > 0 {
		return g.AccountConcurrencyLimit
	}
	return DefaultConcurrencyLimit
}

// GovernanceLimits reads GET /system/v1/governanceLimits.
func (c *Client) GovernanceLimits(ctx context.Context) (GovernanceLimits, error) {
	var g GovernanceLimits
	if _, err := c.do(ctx, &httpx.Request{Path: "/services/rest/system/v1/governanceLimits"}, &g); err != nil {
		return g, fmt.Errorf("reading netsuite governance limits: %w", err)
	}
	if g.LimitType == "" {
		g.LimitType = g.AltType
	}
	return g, nil
}
