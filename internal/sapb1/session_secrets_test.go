package sapb1_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/httpx"
	"github.com/datawald/datawald/internal/sapb1"
)

// echoingProxy stands for a reverse proxy in front of the Service Layer
// that refuses a request with an HTML page echoing its Cookie header (as
// "400 Request Header Or Cookie Too Large" pages do), once armed. It
// remembers the B1SESSION it echoed.
type echoingProxy struct {
	next    http.RoundTripper
	armed   atomic.Bool
	session atomic.Value
}

func (p *echoingProxy) RoundTrip(req *http.Request) (*http.Response, error) {
	if !p.armed.Load() || strings.HasSuffix(req.URL.Path, "/Login") {
		return p.next.RoundTrip(req)
	}
	if c, err := req.Cookie("B1SESSION"); err == nil {
		p.session.Store(c.Value)
	}
	page := "<html><body><h1>400 Bad Request</h1><p>Request Header Or Cookie Too Large: " + req.Header.Get("Cookie") + "</p></body></html>"
	return &http.Response{
		StatusCode: http.StatusBadRequest, Status: "400 Bad Request", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"text/html"}}, Body: io.NopCloser(strings.NewReader(page)),
		ContentLength: int64(len(page)), Request: req,
	}, nil
}

func TestClientScrubsTheLiveSessionIDAndThePasswordFromAnEchoedError(t *testing.T) {
	sb := start(t, nil)
	cfg := sb.Config()
	proxy := &echoingProxy{next: cfg.Transport}
	cfg.Transport = proxy
	c, err := sapb1.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(t.Context()) })
	require.NoError(t, c.Login(t.Context()))

	proxy.armed.Store(true)
	_, err = c.Get(t.Context(), sapb1.BusinessPartners, smallCatalog.BusinessPartners[0].CardCode)
	require.Error(t, err)
	id, _ := proxy.session.Load().(string)
	require.NotEmpty(t, id, "the request carried the session")
	var se *sapb1.Error
	require.True(t, errors.As(err, &se), "%v", err)
	assert.Equal(t, http.StatusBadRequest, se.HTTP.Status)
	assert.Contains(t, err.Error(), "Cookie Too Large: B1SESSION="+httpx.Redacted, "the proxy's page is kept, without the session")
	assert.NotContains(t, err.Error(), id)
	assert.NotContains(t, err.Error(), cfg.Password)
}

func TestClientReturnsALoginErrorNamingCompanyAndUserWhenItsLoginFails(t *testing.T) {
	sb := start(t, nil)
	cfg := sb.Config()
	wrong := cfg
	wrong.Password = "Changed-By-Admin-1"
	stale, err := sapb1.New(wrong)
	require.NoError(t, err)
	_, err = stale.Get(t.Context(), sapb1.BusinessPartners, smallCatalog.BusinessPartners[0].CardCode)
	require.Error(t, err)
	assert.True(t, sapb1.IsLoginFailure(err), "%v", err)
	assert.False(t, sapb1.OutcomeUnknown(err))
	var se *sapb1.Error
	require.True(t, errors.As(err, &se), "%v", err)
	assert.Equal(t, sapb1.CodeLoginFailed, se.Code)
	assert.Equal(t, "Login", se.Entity, "the Login request's error, not one naming the record")
	assert.Contains(t, err.Error(), "logging in to sap b1 company "+cfg.CompanyDB+" as "+cfg.UserName)
	assert.NotContains(t, err.Error(), wrong.Password)
}
