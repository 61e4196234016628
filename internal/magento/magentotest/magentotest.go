// Package magentotest starts the Magento simulator for the connector's
// tests and benchmarks, with a client-side check that every request the
// connector sends matches the official admin REST contract.
package magentotest

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/datawald/datawald/internal/magento"
	"github.com/datawald/datawald/internal/sandbox"
	sbmagento "github.com/datawald/datawald/internal/sandbox/magento"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
)

// Sandbox is a running Magento simulator.
type Sandbox struct {
	Server   *sandbox.Server
	URL      string
	Vendor   *sbmagento.Vendor
	Contract *ContractCheck
}

// Start serves a simulator built from o on a random port for the test.
func Start(t testing.TB, o sbmagento.Options, so sandbox.Options) *Sandbox {
	t.Helper()
	v := sbmagento.New(o)
	srv, url := sandboxtest.Start(t, v, so)
	return &Sandbox{Server: srv, URL: url, Vendor: v, Contract: NewContractCheck(t)}
}

// OAuth1 is the simulator's integration credentials.
func (s *Sandbox) OAuth1() magento.Auth {
	c := s.Vendor.Credentials()
	return magento.Auth{
		Mode:        magento.AuthOAuth1,
		ConsumerKey: c["consumer_key"], ConsumerSecret: c["consumer_secret"],
		AccessToken: c["access_token"], AccessTokenSecret: c["access_token_secret"],
	}
}

// Admin is the simulator's admin user.
func (s *Sandbox) Admin() magento.Auth {
	c := s.Vendor.Credentials()
	return magento.Auth{Mode: magento.AuthAdmin, Username: c["admin_username"], Password: c["admin_password"]}
}

// Config is a client configuration for the simulator whose transport
// checks every request against the contract.
func (s *Sandbox) Config(auth magento.Auth) magento.Config {
	return magento.Config{BaseURL: s.URL, Auth: auth, Transport: s.Contract}
}

// Client builds a client on Config.
func (s *Sandbox) Client(t testing.TB, auth magento.Auth) *magento.Client {
	t.Helper()
	c, err := magento.New(s.Config(auth))
	if err != nil {
		t.Fatalf("creating magento client: %v", err)
	}
	return c
}

// ContractCheck is an http.RoundTripper that validates each request
// against ../shared/contracts/magento/admin-schema-2.4.8.yaml before
// sending it, and records violations. Without the contract file it only
// forwards requests, and AssertClean skips with a message.
type ContractCheck struct {
	validator *sbmagento.ContractValidator
	absent    error
	next      http.RoundTripper

	mu         sync.Mutex
	checked    int
	violations []string
}

// NewContractCheck loads the contract (cached per process).
func NewContractCheck(t testing.TB) *ContractCheck {
	t.Helper()
	c := &ContractCheck{next: http.DefaultTransport}
	path, err := sbmagento.FindContract(".")
	if err != nil {
		if errors.Is(err, sbmagento.ErrContractAbsent) {
			c.absent = err
			return c
		}
		t.Fatalf("locating magento contract: %v", err)
	}
	if c.validator, err = sbmagento.NewContractValidator(path); err != nil {
		t.Fatalf("loading magento contract: %v", err)
	}
	return c
}

// RoundTrip validates req and sends it.
func (c *ContractCheck) RoundTrip(req *http.Request) (*http.Response, error) {
	if c.validator != nil {
		var body []byte
		if req.Body != nil {
			b, err := io.ReadAll(req.Body)
			if err != nil {
				return nil, err
			}
			_ = req.Body.Close()
			body = b
			req.Body = io.NopCloser(bytes.NewReader(b))
		}
		err := c.validator.ValidateRequest(req, body)
		c.mu.Lock()
		c.checked++
		if err != nil {
			c.violations = append(c.violations, err.Error())
		}
		c.mu.Unlock()
	}
	return c.next.RoundTrip(req)
}

// Checked is the number of requests validated.
func (c *ContractCheck) Checked() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.checked
}

// AssertClean fails the test when any request broke the contract, and logs
// how many were checked (or why none could be).
func (c *ContractCheck) AssertClean(t testing.TB) {
	t.Helper()
	if c.validator == nil {
		t.Logf("skipping contract validation: %v", c.absent)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.checked == 0 {
		t.Errorf("no request was validated against the magento contract")
	}
	for i, v := range c.violations {
		if i == 10 {
			t.Errorf("... and %d more contract violations", len(c.violations)-10)
			break
		}
		t.Errorf("contract violation: %s", v)
	}
	t.Logf("%d requests validated against the magento admin contract", c.checked)
}
