// Package hubspottest starts the HubSpot simulator for the connector's
// tests, with a client configuration that reaches it. Only tests import it.
package hubspottest

import (
	"testing"
	"time"

	"github.com/datawald/datawald/internal/httpx"
	"github.com/datawald/datawald/internal/hubspot"
	"github.com/datawald/datawald/internal/sandbox"
	sbhubspot "github.com/datawald/datawald/internal/sandbox/hubspot"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
)

// Sandbox is a running HubSpot simulator.
type Sandbox struct {
	Server *sandbox.Server
	URL    string
	Vendor *sbhubspot.Vendor
}

// Start serves a simulator built from o on a random 127.0.0.1 port for the
// test. The portal's rate limits are off unless o sets them, so tests that
// are not about limits are not throttled.
func Start(t testing.TB, o sbhubspot.Options, so sandbox.Options) *Sandbox {
	t.Helper()
	if o.RateLimit == 0 {
		o.RateLimit = -1
	}
	if o.SearchRateLimit == 0 {
		o.SearchRateLimit = -1
	}
	v := sbhubspot.New(o)
	srv, url := sandboxtest.Start(t, v, so)
	return &Sandbox{Server: srv, URL: url, Vendor: v}
}

// Token is the simulator's private-app access token.
func (s *Sandbox) Token() string { return s.Vendor.Credentials()["access_token"] }

// Config is a client configuration for the simulator with quick retries
// (5 attempts, 10ms to 100ms apart), so fault tests stay fast.
func (s *Sandbox) Config() hubspot.Config {
	return hubspot.Config{
		BaseURL: s.URL,
		Token:   s.Token(),
		HTTP: httpx.Settings{
			Timeout: 5 * time.Second,
			Retry:   httpx.RetryPolicy{MaxAttempts: 5, InitialInterval: 10 * time.Millisecond, MaxInterval: 100 * time.Millisecond, MaxElapsed: 10 * time.Second},
		},
	}
}

// Client builds a client on Config.
func (s *Sandbox) Client(t testing.TB) *hubspot.Client {
	t.Helper()
	c, err := hubspot.New(s.Config())
	if err != nil {
		t.Fatalf("creating hubspot client: %v", err)
	}
	return c
}
