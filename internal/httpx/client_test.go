package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fastRetry keeps test backoffs short unless a test needs Retry-After.
var fastRetry = RetryPolicy{MaxAttempts: 4, InitialInterval: 5 * time.Millisecond, MaxInterval: 20 * time.Millisecond}

func newTestClient(t *testing.T, url string, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{Vendor: "testvendor", BaseURL: url, Retry: fastRetry}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	require.NoError(t, err)
	return c
}

func TestDo_429WithRetryAfterSecondsWaitsThenSucceeds(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()

	c := newTestClient(t, srv.URL, nil)
	start := time.Now()
	resp, err := c.Do(t.Context(), &Request{Path: "/things"})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 2*time.Second)
	assert.Equal(t, 2, resp.Attempts)
	assert.JSONEq(t, `{"ok":true}`, string(resp.Body))
}

func TestDo_RetryAfterHTTPDateIsHonoured(t *testing.T) {
	var calls atomic.Int32
	var retryAt time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			// HTTP-dates have one-second resolution: aim 3 s ahead so the
			// honoured wait is at least 2 s whatever the sub-second now.
			retryAt = time.Now().Add(3 * time.Second).Truncate(time.Second)
			w.Header().Set("Retry-After", retryAt.UTC().Format(http.TimeFormat))
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	c := newTestClient(t, srv.URL, nil)
	_, err := c.Do(t.Context(), &Request{Path: "/x"})
	require.NoError(t, err)
	assert.False(t, time.Now().Before(retryAt.Add(-50*time.Millisecond)), "retried before the Retry-After date")
	assert.EqualValues(t, 2, calls.Load())
}

func TestDo_EndlessServerErrorsGiveUpAfterMaxAttemptsWithTypedError(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer srv.Close()

	c := newTestClient(t, srv.URL, func(c *Config) { c.Retry.MaxAttempts = 3 })
	_, err := c.Do(t.Context(), &Request{Path: "/x", Endpoint: "/x"})
	require.Error(t, err)
	var he *HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, http.StatusInternalServerError, he.Status)
	assert.True(t, he.Retryable())
	assert.Equal(t, 3, he.Attempts)
	assert.EqualValues(t, 3, calls.Load())
	assert.Contains(t, err.Error(), "after 3 attempts")
}

func TestDo_PostWithoutSafetyMarkIsNotRetriedAfter500(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()

	c := newTestClient(t, srv.URL, nil)
	_, err := c.Do(t.Context(), &Request{Method: http.MethodPost, Path: "/orders", Body: []byte(`{}`)})
	require.Error(t, err)
	assert.EqualValues(t, 1, calls.Load())

	calls.Store(0)
	_, err = c.Do(t.Context(), &Request{Method: http.MethodPost, Path: "/orders", Body: []byte(`{}`), Idempotent: true})
	require.Error(t, err)
	assert.EqualValues(t, fastRetry.MaxAttempts, calls.Load(), "a POST marked idempotent is retried")
}

func TestDo_PostIsRetriedAfter429BecauseItWasRefused(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		body, _ := io.ReadAll(r.Body)
		_, _ = w.Write(body)
	}))
	defer srv.Close()

	c := newTestClient(t, srv.URL, nil)
	resp, err := c.Do(t.Context(), &Request{Method: http.MethodPost, Path: "/orders", Body: []byte(`{"a":1}`)})
	require.NoError(t, err)
	assert.Equal(t, `{"a":1}`, string(resp.Body), "the body is replayed on the retry")
}

func TestDo_ClientErrorsAreNotRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"code":"BAD_FIELD","msg":"sku is required"}`))
	}))
	defer srv.Close()

	c := newTestClient(t, srv.URL, func(c *Config) {
		c.Decoder = func(e *HTTPError, _ http.Header, body []byte) {
			e.Code, e.Message = "BAD_FIELD", "sku is required"
		}
	})
	_, err := c.Do(t.Context(), &Request{Path: "/x"})
	var he *HTTPError
	require.ErrorAs(t, err, &he)
	assert.False(t, IsRetryable(err))
	assert.Equal(t, "BAD_FIELD", he.Code)
	assert.Contains(t, err.Error(), "sku is required")
	assert.EqualValues(t, 1, calls.Load())
}

func TestDo_DecoderMayReclassifyAsRetryable(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, func(c *Config) {
		c.Decoder = func(e *HTTPError, _ http.Header, _ []byte) { e.SetRetryable(true) }
	})
	_, err := c.Do(t.Context(), &Request{Path: "/x"})
	require.NoError(t, err)
	assert.EqualValues(t, 3, calls.Load())
}

func TestDo_SecretsNeverAppearInErrorsOrLogs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A careless server echoing what it was sent.
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, "upstream rejected %s with %q", r.URL.String(), r.Header.Get("Authorization"))
	}))
	defer srv.Close()

	var logs bytes.Buffer
	logger := service.NewLoggerFromSlog(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	c := newTestClient(t, srv.URL, func(c *Config) {
		c.Signer = Bearer("s3cr3t")
		c.Logger = logger
		c.Metrics = service.MockResources().Metrics()
	})
	_, err := c.Do(t.Context(), &Request{Path: "/orders", Query: map[string][]string{"token": {"s3cr3t"}, "page": {"2"}}})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cr3t")
	assert.Contains(t, err.Error(), "token=REDACTED")
	assert.Contains(t, err.Error(), "page=2")
	require.NotEmpty(t, logs.String(), "retries are logged at debug level")
	assert.NotContains(t, logs.String(), "s3cr3t")
}

// rotatingSigner signs with a token it only learns while running, as a
// session signer does after a login.
type rotatingSigner struct {
	mu    sync.Mutex
	token string
}

func (s *rotatingSigner) set(token string) { s.mu.Lock(); s.token = token; s.mu.Unlock() }

func (s *rotatingSigner) Sign(r *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.Header.Set("Cookie", "SESSION="+s.token)
	return nil
}

func (s *rotatingSigner) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return []string{s.token}
}

func TestDo_ScrubsSecretsASignerLearnsAfterTheClientWasBuilt(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "bad request with cookie %s", r.Header.Get("Cookie"))
	}))
	defer srv.Close()
	signer := &rotatingSigner{}
	c := newTestClient(t, srv.URL, func(c *Config) { c.Signer = signer })
	for _, token := range []string{"first-session-0001", "second-session-0002"} {
		signer.set(token)
		_, err := c.Do(t.Context(), &Request{Path: "/x"})
		require.Error(t, err)
		assert.NotContains(t, err.Error(), token)
		assert.Contains(t, err.Error(), "SESSION="+Redacted)
	}
}

func TestDo_TransportErrorsAreTypedRetriedAndRedacted(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens: every dial is refused

	c := newTestClient(t, "http://user:pw-s3cr3t@"+addr, func(c *Config) { c.Retry.MaxAttempts = 2 })
	_, err = c.Do(t.Context(), &Request{Method: http.MethodPost, Path: "/x?api_key=s3cr3t", Body: []byte("{}")})
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 2, te.Attempts, "a refused dial never sent the POST, so it is retried")
	assert.True(t, IsRetryable(err))
	assert.NotContains(t, err.Error(), "s3cr3t")
}

func TestDo_ContextCancellationStopsRetries(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Do(ctx, &Request{Path: "/x"})
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded))
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestDo_RetryAfterBeyondMaxElapsedGivesUpAtOnce(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, func(c *Config) { c.Retry.MaxElapsed = time.Second })
	start := time.Now()
	_, err := c.Do(t.Context(), &Request{Path: "/x"})
	var he *HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, time.Hour, he.RetryAfter)
	assert.Less(t, time.Since(start), time.Second)
}

func TestDo_ResponseLargerThanLimitFails(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(bytes.Repeat([]byte("x"), 2048))
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, func(c *Config) { c.MaxResponseBytes = 1024 })
	_, err := c.Do(t.Context(), &Request{Path: "/x"})
	var tl *ResponseTooLargeError
	require.ErrorAs(t, err, &tl)
	assert.False(t, IsRetryable(err))
}

type sessionSigner struct {
	session atomic.Value
	logins  atomic.Int32
}

func (s *sessionSigner) Sign(req *http.Request) error {
	req.AddCookie(&http.Cookie{Name: "SESSION", Value: s.session.Load().(string)})
	return nil
}

func (s *sessionSigner) Reauthorize(context.Context) error {
	s.logins.Add(1)
	s.session.Store("fresh")
	return nil
}

func TestDo_401ReauthorisesOnceAndRepeats(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ck, err := r.Cookie("SESSION"); err != nil || ck.Value != "fresh" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	s := &sessionSigner{}
	s.session.Store("expired")
	c := newTestClient(t, srv.URL, func(c *Config) { c.Signer = s })
	_, err := c.Do(t.Context(), &Request{Method: http.MethodPost, Path: "/Orders", Body: []byte("{}")})
	require.NoError(t, err)
	assert.EqualValues(t, 1, s.logins.Load())
}

func TestDo_RateLimitSpacesRequests(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, func(c *Config) { c.RateLimit = 20; c.Burst = 1 })
	start := time.Now()
	for range 5 {
		_, err := c.Do(t.Context(), &Request{Path: "/x"})
		require.NoError(t, err)
	}
	assert.GreaterOrEqual(t, time.Since(start), 190*time.Millisecond, "5 requests at 20/s take at least 4 intervals")
}

type countingGate struct {
	inFlight, max atomic.Int32
	statuses      []int
}

func (g *countingGate) Acquire(context.Context) (func(int), error) {
	n := g.inFlight.Add(1)
	if n > g.max.Load() {
		g.max.Store(n)
	}
	return func(status int) {
		g.inFlight.Add(-1)
		g.statuses = append(g.statuses, status)
	}, nil
}

func TestDo_GateIsReleasedWithTheStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	g := &countingGate{}
	c := newTestClient(t, srv.URL, func(c *Config) { c.Gate = g; c.Retry.MaxAttempts = 2 })
	_, err := c.Do(t.Context(), &Request{Path: "/x"})
	require.Error(t, err)
	assert.Equal(t, []int{429, 429}, g.statuses)
	assert.EqualValues(t, 0, g.inFlight.Load())
}

func TestNew_RejectsBadBaseURL(t *testing.T) {
	for _, u := range []string{"", "not a url", "ftp://x", "/relative"} {
		_, err := New(Config{Vendor: "v", BaseURL: u})
		assert.Error(t, err, u)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"2", 2 * time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"-1", 0, false},
		{"", 0, false},
		{"soon", 0, false},
		{"Sun, 22 Nov 2026 10:00:05 GMT", 5 * time.Second, true},
		{"Sun, 22 Nov 2026 09:00:00 GMT", 0, true},
	} {
		got, ok := ParseRetryAfter(tc.in, now)
		assert.Equal(t, tc.ok, ok, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

func TestRedactURL(t *testing.T) {
	got := RedactURL("https://bob:pw@example.com/a?access_token=t1&oauth_signature=x&id=7&ApiKey=k")
	assert.NotContains(t, got, "pw")
	assert.NotContains(t, got, "t1")
	assert.NotContains(t, got, "=k")
	assert.Contains(t, got, "id=7")
}
