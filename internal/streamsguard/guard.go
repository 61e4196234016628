// Package streamsguard puts a guard in front of Benthos' streams-mode HTTP
// API. Benthos' GET /streams/{id} returns each stream's config as it was
// posted, with ${ENV} references already resolved, so secrets (API tokens,
// passwords) would be readable by anyone who can reach the port. The guard
// is a reverse proxy to the real API on a private loopback address that
//
//   - scrubs the config in GET /streams/{id} responses with the component
//     specs' secret scrubbers (every field marked secret becomes
//     "!!!SECRET_SCRUBBED!!!");
//   - refuses, at start, to listen on a non-loopback address unless the
//     API's basic auth is enabled (the real API enforces it on every request,
//     and the guard forwards the credentials untouched).
//
// The sync-task API is served at /datawald/v1/... for the whole process
// (internal/synctask/api.ProcessHandler); everything else (stream CRUD,
// stats, /ready, /metrics) is passed through unchanged.
package streamsguard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"

	"github.com/redpanda-data/benthos/v4/public/service"
	"gopkg.in/yaml.v3"

	"github.com/datawald/datawald/internal/synctask/api"
)

// ErrInsecureBinding is returned by CheckBinding for a non-loopback address
// without basic auth.
var ErrInsecureBinding = errors.New("refusing to serve the streams API on a non-loopback address without http.basic_auth enabled: anyone who can reach it could create streams and read configs")

// CheckBinding accepts loopback addresses always, and any other address
// only when basic auth protects the API.
func CheckBinding(address string, basicAuth bool) error {
	if basicAuth || IsLoopback(address) {
		return nil
	}
	return fmt.Errorf("%w (http.address is %q)", ErrInsecureBinding, address)
}

// IsLoopback reports whether a listen address binds only loopback
// interfaces. An empty host ("":4195) binds every interface.
func IsLoopback(address string) bool {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Guard is the proxy handler.
type Guard struct {
	proxy   *httputil.ReverseProxy
	scrub   *service.StreamConfigMarshaller
	rootURL string // the API's http.root_path, "" by default
}

// New returns a Guard forwarding to the API served at inner (e.g.
// "127.0.0.1:41234"). env supplies the component specs that know which
// fields are secret.
func New(inner string, rootPath string, env *service.Environment) *Guard {
	target := &url.URL{Scheme: "http", Host: inner}
	g := &Guard{
		scrub:   env.FullConfigSchema("", "").NewStreamConfigMarshaller().SetScrubSecrets(true),
		rootURL: strings.TrimSuffix(rootPath, "/"),
	}
	g.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host
		},
		ModifyResponse: g.modifyResponse,
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, "streams API unavailable: "+err.Error(), http.StatusBadGateway)
		},
	}
	return g
}

// ServeHTTP answers the sync-task API (/datawald/v1/...) itself, from the
// stores the process's streams share, so operators have one URL for it
// whatever the streams are called; everything else goes to Benthos' API.
func (g *Guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(strings.TrimPrefix(r.URL.Path, g.rootURL), api.Prefix) {
		api.ProcessHandler().ServeHTTP(w, r)
		return
	}
	g.proxy.ServeHTTP(w, r)
}

// streamID returns the id of a GET /streams/{id} request, or "".
func (g *Guard) streamID(r *http.Request) string {
	if r.Method != http.MethodGet {
		return ""
	}
	p := strings.TrimPrefix(r.URL.Path, g.rootURL)
	rest, ok := strings.CutPrefix(p, "/streams/")
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return ""
	}
	return rest
}

func (g *Guard) modifyResponse(resp *http.Response) error {
	if g.streamID(resp.Request) == "" || resp.StatusCode != http.StatusOK {
		return nil
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("reading stream config response: %w", err)
	}
	scrubbed, err := g.scrubStreamBody(raw)
	if err != nil {
		// Never fall back to the unscrubbed body.
		return fmt.Errorf("scrubbing stream config: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(scrubbed))
	resp.ContentLength = int64(len(scrubbed))
	resp.Header.Set("Content-Length", strconv.Itoa(len(scrubbed)))
	return nil
}

// scrubStreamBody replaces the "config" member of a stream's JSON with its
// secret-scrubbed form.
func (g *Guard) scrubStreamBody(raw []byte) ([]byte, error) {
	var body map[string]json.RawMessage
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, err
	}
	confRaw, ok := body["config"]
	if !ok {
		return raw, nil
	}
	var conf any
	if err := json.Unmarshal(confRaw, &conf); err != nil {
		return nil, err
	}
	y, err := g.scrub.AnyToYAML(conf)
	if err != nil {
		return nil, err
	}
	var clean any
	if err := yaml.Unmarshal([]byte(y), &clean); err != nil {
		return nil, err
	}
	cleanJSON, err := json.Marshal(clean)
	if err != nil {
		return nil, err
	}
	body["config"] = cleanJSON
	return json.Marshal(body)
}
