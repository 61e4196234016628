package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"golang.org/x/time/rate"
)

// Defaults for zero Config fields.
const (
	DefaultTimeout          = 30 * time.Second
	DefaultMaxResponseBytes = 32 << 20
)

// ErrorDecoder fills e.Code and e.Message (and may call e.SetRetryable)
// from a non-2xx response's headers and body. It must not keep body.
type ErrorDecoder func(e *HTTPError, header http.Header, body []byte)

// Gate bounds concurrent requests, e.g. NetSuite's per-account concurrency
// limit. Acquire blocks until a slot is free or ctx ends; release is called
// exactly once with the response status (0 for a transport failure), so an
// adaptive gate can shrink after a 429.
type Gate interface {
	Acquire(ctx context.Context) (release func(status int), err error)
}

// Config configures a Client. Only Vendor and BaseURL are required.
type Config struct {
	// Vendor names the API for errors, logs and metric labels ("magento").
	Vendor string
	// BaseURL is prefixed to every Request.Path.
	BaseURL string
	// Signer authenticates each attempt; nil sends no credentials.
	Signer Signer
	// RateLimit is the client-side request rate in requests per second;
	// zero means unlimited. Burst defaults to 1 when RateLimit is set.
	RateLimit float64
	Burst     int
	// Gate, when set, bounds requests in flight.
	Gate Gate
	// Retry bounds retries; zero fields take DefaultRetryPolicy's values.
	Retry RetryPolicy
	// Timeout bounds each attempt (default DefaultTimeout).
	Timeout time.Duration
	// MaxResponseBytes bounds a response body (default DefaultMaxResponseBytes).
	MaxResponseBytes int64
	// Header holds headers sent with every request (e.g. Accept).
	Header http.Header
	// Decoder reads the vendor's error body; nil keeps a short body excerpt
	// as the message.
	Decoder ErrorDecoder
	// Secrets are values (passwords, client secrets, tokens) that must
	// never appear in an error message, whatever the server echoes.
	Secrets []string
	// Transport sends requests; nil means a pooled http.Transport.
	Transport http.RoundTripper
	// Metrics and Logger come from the component's *service.Resources;
	// either may be nil.
	Metrics *service.Metrics
	Logger  *service.Logger
}

// Client sends Requests with the behaviour described in the package doc. It
// is safe for concurrent use.
type Client struct {
	vendor  string
	base    *url.URL
	signer  Signer
	limiter *rate.Limiter
	gate    Gate
	retry   RetryPolicy
	timeout time.Duration
	maxBody int64
	header  http.Header
	decode  ErrorDecoder
	scrub   scrubber
	http    *http.Client
	log     *service.Logger
	metrics *clientMetrics
}

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.Vendor == "" {
		return nil, errors.New("creating http client: vendor is required")
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("creating %s http client: base URL %q must be an absolute http(s) URL", cfg.Vendor, RedactURL(cfg.BaseURL))
	}
	if base.Scheme != "http" && base.Scheme != "https" {
		return nil, fmt.Errorf("creating %s http client: base URL scheme %q is not http or https", cfg.Vendor, base.Scheme)
	}
	if cfg.RateLimit < 0 || cfg.Burst < 0 || cfg.Timeout < 0 || cfg.MaxResponseBytes < 0 {
		return nil, fmt.Errorf("creating %s http client: rate limit, burst, timeout and response limit must not be negative", cfg.Vendor)
	}
	c := &Client{
		vendor:  cfg.Vendor,
		base:    base,
		signer:  cfg.Signer,
		gate:    cfg.Gate,
		retry:   cfg.Retry.withDefaults(),
		timeout: cfg.Timeout,
		maxBody: cfg.MaxResponseBytes,
		header:  cfg.Header.Clone(),
		decode:  cfg.Decoder,
		scrub:   newScrubber(cfg.Secrets, cfg.Signer),
		log:     cfg.Logger,
		metrics: newClientMetrics(cfg.Metrics),
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxBody == 0 {
		c.maxBody = DefaultMaxResponseBytes
	}
	if cfg.RateLimit > 0 {
		burst := cfg.Burst
		if burst == 0 {
			burst = 1
		}
		c.limiter = rate.NewLimiter(rate.Limit(cfg.RateLimit), burst)
	}
	transport := cfg.Transport
	if transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64
		transport = t
	}
	c.http = &http.Client{Transport: transport}
	return c, nil
}

// Do sends r, retrying as the package doc describes, and returns the 2xx
// response. Errors are *HTTPError, *TransportError, *ResponseTooLargeError,
// a signing error, or ctx's error when ctx ends first; all are safe to log.
func (c *Client) Do(ctx context.Context, r *Request) (*Response, error) {
	start := time.Now()
	reauthorised := false
	for attempt := 1; ; attempt++ {
		resp, err := c.attempt(ctx, r)
		if err == nil {
			resp.Attempts = attempt
			return resp, nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("%s %s %s: %w", c.vendor, r.method(), c.redactedURL(r), ctxErr)
		}
		setAttempts(err, attempt)

		var he *HTTPError
		isHTTP := errors.As(err, &he)
		if isHTTP && he.Status == http.StatusUnauthorized && !reauthorised {
			if ra, ok := c.signer.(Reauthorizer); ok {
				reauthorised = true
				if rerr := ra.Reauthorize(ctx); rerr != nil {
					return nil, fmt.Errorf("re-authorising after 401: %w", rerr)
				}
				attempt-- // the refused attempt does not count against the budget
				continue
			}
		}
		if !c.mayRetry(r, err, he) || attempt >= c.retry.MaxAttempts {
			return nil, err
		}
		wait := c.retry.backoff(attempt)
		if isHTTP && he.RetryAfter > 0 {
			wait = he.RetryAfter
		}
		if c.retry.MaxElapsed > 0 && time.Since(start)+wait > c.retry.MaxElapsed {
			return nil, err
		}
		c.metrics.retry(c.vendor, r.endpoint())
		if c.log != nil {
			c.log.Debugf("retrying %s %s %s in %v after: %v", c.vendor, r.method(), r.endpoint(), wait, err)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, fmt.Errorf("%s %s %s: %w (while waiting to retry after: %v)", c.vendor, r.method(), c.redactedURL(r), ctx.Err(), err)
		case <-timer.C:
		}
	}
}

// DoJSON sends r and decodes a JSON response body into out (when out is
// not nil and the body is not empty).
func (c *Client) DoJSON(ctx context.Context, r *Request, out any) (*Response, error) {
	resp, err := c.Do(ctx, r)
	if err != nil {
		return nil, err
	}
	if out != nil && len(bytes.TrimSpace(resp.Body)) > 0 {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			return resp, fmt.Errorf("decoding %s %s %s response: %w", c.vendor, r.method(), r.endpoint(), err)
		}
	}
	return resp, nil
}

// mayRetry decides whether a failed attempt may be repeated.
func (c *Client) mayRetry(r *Request, err error, he *HTTPError) bool {
	if !IsRetryable(err) {
		return false
	}
	if r.retrySafe() {
		return true
	}
	// A 429 refused the request before processing it, and a refused dial
	// never sent it: repeating either cannot apply the request twice.
	if he != nil {
		return he.Status == http.StatusTooManyRequests
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// attempt makes one try: rate limit, gate, sign, send, read, classify.
func (c *Client) attempt(ctx context.Context, r *Request) (*Response, error) {
	if c.limiter != nil {
		if err := c.limiter.Wait(ctx); err != nil {
			return nil, err
		}
	}
	release := func(int) {}
	if c.gate != nil {
		rel, err := c.gate.Acquire(ctx)
		if err != nil {
			return nil, err
		}
		release = rel
	}
	status := 0
	defer func() { release(status) }()

	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := c.newHTTPRequest(actx, r)
	if err != nil {
		return nil, err
	}
	began := time.Now()
	res, err := c.http.Do(req)
	if err != nil {
		c.metrics.request(c.vendor, r.endpoint(), "error", time.Since(began))
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &TransportError{Vendor: c.vendor, Method: r.method(), URL: c.redactedURL(r), Err: c.cleanTransportErr(err)}
	}
	defer res.Body.Close()
	status = res.StatusCode
	body, err := io.ReadAll(io.LimitReader(res.Body, c.maxBody+1))
	c.metrics.request(c.vendor, r.endpoint(), fmt.Sprint(res.StatusCode), time.Since(began))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &TransportError{Vendor: c.vendor, Method: r.method(), URL: c.redactedURL(r), Err: fmt.Errorf("reading response body: %w", c.cleanTransportErr(err))}
	}
	if int64(len(body)) > c.maxBody {
		return nil, &ResponseTooLargeError{Vendor: c.vendor, Method: r.method(), URL: c.redactedURL(r), Limit: c.maxBody}
	}
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		return &Response{Status: res.StatusCode, Header: res.Header, Body: body}, nil
	}
	return nil, c.httpError(r, res, body)
}

func (c *Client) httpError(r *Request, res *http.Response, body []byte) *HTTPError {
	e := &HTTPError{
		Vendor:   c.vendor,
		Status:   res.StatusCode,
		Method:   r.method(),
		URL:      c.redactedURL(r),
		Endpoint: r.endpoint(),
	}
	if d, ok := ParseRetryAfter(res.Header.Get("Retry-After"), time.Now()); ok {
		e.RetryAfter = d
	}
	if c.decode != nil {
		c.decode(e, res.Header, body)
	}
	if e.Message == "" && e.Code == "" {
		e.Message = excerpt(body)
	}
	e.Message = c.scrub.scrub(e.Message)
	e.Code = c.scrub.scrub(e.Code)
	return e
}

func (c *Client) newHTTPRequest(ctx context.Context, r *Request) (*http.Request, error) {
	u, err := c.resolve(r)
	if err != nil {
		return nil, err
	}
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method(), u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("building %s request %s: %w", c.vendor, r.endpoint(), err)
	}
	for k, vs := range c.header {
		req.Header[k] = append([]string(nil), vs...)
	}
	for k, vs := range r.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	if r.Body != nil {
		ct := r.ContentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if c.signer != nil {
		if err := c.signer.Sign(req); err != nil {
			return nil, fmt.Errorf("signing %s request %s: %w", c.vendor, r.endpoint(), err)
		}
	}
	return req, nil
}

func (c *Client) resolve(r *Request) (*url.URL, error) {
	var u *url.URL
	if strings.HasPrefix(r.Path, "http://") || strings.HasPrefix(r.Path, "https://") {
		p, err := url.Parse(r.Path)
		if err != nil {
			return nil, fmt.Errorf("parsing %s request URL %s: invalid URL", c.vendor, RedactURL(r.Path))
		}
		u = p
	} else {
		rel, err := url.Parse(r.Path)
		if err != nil {
			return nil, fmt.Errorf("parsing %s request path %q: %w", c.vendor, r.endpoint(), err)
		}
		cp := *c.base
		cp.Path = strings.TrimSuffix(c.base.Path, "/") + "/" + strings.TrimPrefix(rel.Path, "/")
		cp.RawPath = ""
		cp.RawQuery = rel.RawQuery
		u = &cp
	}
	if len(r.Query) > 0 {
		q := u.Query()
		for k, vs := range r.Query {
			for _, v := range vs {
				q.Add(k, v)
			}
		}
		u.RawQuery = q.Encode()
	}
	return u, nil
}

func (c *Client) redactedURL(r *Request) string {
	u, err := c.resolve(r)
	if err != nil {
		return Redacted
	}
	return redactParsed(u)
}

// cleanTransportErr unwraps the *url.Error that net/http returns, whose
// message repeats the full URL (query-string credentials included). The
// inner error (a *net.OpError, a timeout) names at most the host, and keeps
// its type so callers can tell a refused dial from a dropped connection.
func (c *Client) cleanTransportErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func setAttempts(err error, n int) {
	var he *HTTPError
	if errors.As(err, &he) {
		he.Attempts = n
		return
	}
	var te *TransportError
	if errors.As(err, &te) {
		te.Attempts = n
	}
}

// excerpt keeps the start of an error body as a fallback message.
func excerpt(body []byte) string {
	const max = 256
	s := strings.TrimSpace(string(body))
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
