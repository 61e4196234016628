// Package sapb1test starts the SAP Business One Service Layer simulator
// for the connector's tests, with a client-side check that every request
// body the connector sends uses only properties declared in the Service
// Layer's official metadata (../shared/contracts/sapb1/metadata.xml).
// Only tests import it.
package sapb1test

import (
	"testing"
	"time"

	"github.com/datawald/datawald/internal/httpx"
	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
	sbsapb1 "github.com/datawald/datawald/internal/sandbox/sapb1"
	"github.com/datawald/datawald/internal/sapb1"
)

// Sandbox is a running Service Layer simulator.
type Sandbox struct {
	Server   *sandbox.Server
	URL      string
	Vendor   *sbsapb1.Vendor
	Contract *ContractCheck
}

// Start serves a simulator built from o on a random 127.0.0.1 port for the
// test.
func Start(t testing.TB, o sbsapb1.Options, so sandbox.Options) *Sandbox {
	t.Helper()
	v := sbsapb1.New(o)
	srv, url := sandboxtest.Start(t, v, so)
	return &Sandbox{Server: srv, URL: url, Vendor: v, Contract: NewContractCheck(t)}
}

// Config is a client configuration for the simulator with its credentials,
// fast retries, and a transport that checks every request body against the
// metadata.
func (s *Sandbox) Config() sapb1.Config {
	creds := s.Vendor.Credentials()
	return sapb1.Config{
		BaseURL:   s.URL,
		CompanyDB: creds["company_db"],
		UserName:  creds["username"],
		Password:  creds["password"],
		HTTP:      FastRetries(),
		Transport: s.Contract,
	}
}

// Client builds a client on Config, logged out when the test ends.
func (s *Sandbox) Client(t testing.TB) *sapb1.Client {
	t.Helper()
	c, err := sapb1.New(s.Config())
	if err != nil {
		t.Fatalf("creating sap b1 client: %v", err)
	}
	t.Cleanup(func() { _ = c.Close(t.Context()) })
	return c
}

// FastRetries are HTTP settings whose retries wait milliseconds, so fault
// tests end quickly.
func FastRetries() httpx.Settings {
	return httpx.Settings{
		Timeout:          httpx.DefaultTimeout,
		Retry:            httpx.RetryPolicy{MaxAttempts: 5, InitialInterval: 5 * time.Millisecond, MaxInterval: 50 * time.Millisecond, MaxElapsed: 30 * time.Second},
		MaxResponseBytes: httpx.DefaultMaxResponseBytes,
	}
}
