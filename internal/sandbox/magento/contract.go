package magento

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"gopkg.in/yaml.v3"
)

// ContractFile is the official Magento admin REST contract, relative to the
// directory that holds the project (the parent of the module root).
const ContractFile = "shared/contracts/magento/admin-schema-2.4.8.yaml"

// ErrContractAbsent is returned by FindContract when the shared contracts
// are not next to the checkout (a user's clone without ../shared).
var ErrContractAbsent = errors.New("magento contract file not found (../shared/contracts is absent)")

// FindContract walks up from dir to the module root (the directory holding
// go.mod) and returns the path of ../shared/contracts/magento/admin-schema-2.4.8.yaml
// next to it, or ErrContractAbsent.
func FindContract(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("locating magento contract: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(filepath.Dir(dir), ContractFile)
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("%w: %s", ErrContractAbsent, p)
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%w: no go.mod above the working directory", ErrContractAbsent)
		}
		dir = parent
	}
}

// ContractValidator checks Magento REST requests and responses against the
// official Swagger 2.0 admin schema, converted to OpenAPI 3 with kin-openapi.
//
// Paths are matched after removing the "/rest" or "/rest/{store}" prefix.
// Async bulk calls (/async/bulk/V1/...), which the admin schema does not
// describe, are checked element by element against the synchronous
// operation's request body, and their answer against the async response
// shape of Magento's async schema (bulk_uuid, request_items, errors).
//
// The published file has two known errata, patched on load and listed in
// Errata so nobody mistakes them for leniency:
//   - error-parameters is declared as an array of {resources} objects, but
//     Magento sends positional parameters as an array of scalars and named
//     ones as an object (see magento/magento2#28951, #34154);
//   - POST /V1/inventory/source-items and source-items-delete return void,
//     which Magento answers as 200 with an empty JSON array, yet declare no
//     2xx response.
//
// A ContractValidator is safe for concurrent use. A connector test puts it
// in front of the simulator and fails on any violation:
//
//	path, err := magento.FindContract(".")
//	if errors.Is(err, magento.ErrContractAbsent) {
//		t.Skip(err)
//	}
//	cv, err := magento.NewContractValidator(path)
//	require.NoError(t, err)
//	srv := httptest.NewServer(cv.Middleware(sandbox.NewServer(magento.New(magento.Options{}), sandbox.Options{})))
//	t.Cleanup(srv.Close)
//	// ... run the connector against srv.URL ...
//	assert.Empty(t, cv.Violations())
type ContractValidator struct {
	doc    *openapi3.T
	router *contractRouter
	async  *openapi3.Schema

	mu         sync.Mutex
	checked    int
	violations []string
}

// Errata lists the corrections applied to the published contract on load.
var Errata = []string{
	"definitions/error-parameters: accept the array of scalars and the object Magento really sends",
	"POST /V1/inventory/source-items, POST /V1/inventory/source-items-delete: declare the 200 [] answer of a void service",
}

var (
	contractCacheMu sync.Mutex
	contractCache   = map[string]*openapi3.T{}
)

// NewContractValidator loads the Swagger 2.0 file at path (see FindContract).
// Loading parses about 1 MB of YAML, so documents are cached per path.
func NewContractValidator(path string) (*ContractValidator, error) {
	doc, err := loadContract(path)
	if err != nil {
		return nil, err
	}
	router := newContractRouter(doc)
	async := openapi3.NewObjectSchema().
		WithProperty("bulk_uuid", openapi3.NewStringSchema()).
		WithProperty("errors", openapi3.NewBoolSchema()).
		WithProperty("request_items", openapi3.NewArraySchema().WithItems(
			openapi3.NewObjectSchema().
				WithProperty("id", openapi3.NewIntegerSchema()).
				WithProperty("data_hash", openapi3.NewStringSchema()).
				WithProperty("status", openapi3.NewStringSchema()).
				WithProperty("error_message", openapi3.NewStringSchema()).
				WithRequired([]string{"id", "status"})))
	async.Required = []string{"bulk_uuid", "request_items", "errors"}
	return &ContractValidator{doc: doc, router: router, async: async}, nil
}

func loadContract(path string) (*openapi3.T, error) {
	contractCacheMu.Lock()
	defer contractCacheMu.Unlock()
	if doc, ok := contractCache[path]; ok {
		return doc, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading magento contract: %w", err)
	}
	// info.description is a $ref to a markdown file, which openapi2.T cannot
	// hold; it carries no contract, so it is dropped before decoding.
	var generic map[string]any
	if err := yaml.Unmarshal(raw, &generic); err != nil {
		return nil, fmt.Errorf("parsing magento contract: %w", err)
	}
	if info, ok := generic["info"].(map[string]any); ok {
		info["description"] = "Magento admin REST API"
	}
	js, err := json.Marshal(generic)
	if err != nil {
		return nil, fmt.Errorf("re-encoding magento contract: %w", err)
	}
	var doc2 openapi2.T
	if err := json.Unmarshal(js, &doc2); err != nil {
		return nil, fmt.Errorf("decoding magento contract: %w", err)
	}
	doc, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return nil, fmt.Errorf("converting magento contract to OpenAPI 3: %w", err)
	}
	applyErrata(doc)
	doc.Servers = nil // paths are matched after the /rest[/{store}] prefix is removed
	contractCache[path] = doc
	return doc, nil
}

func applyErrata(doc *openapi3.T) {
	if ref, ok := doc.Components.Schemas["error-parameters"]; ok && ref.Value != nil {
		// Patched in place: every resolved $ref shares this *Schema.
		*ref.Value = openapi3.Schema{
			Description: ref.Value.Description + " (errata: Magento sends an array of scalars or an object)",
			OneOf: openapi3.SchemaRefs{
				openapi3.NewSchemaRef("", openapi3.NewArraySchema().WithItems(&openapi3.Schema{})),
				openapi3.NewSchemaRef("", openapi3.NewObjectSchema()),
			},
		}
	}
	for _, p := range []string{"/V1/inventory/source-items", "/V1/inventory/source-items-delete"} {
		item := doc.Paths.Find(p)
		if item == nil || item.Post == nil {
			continue
		}
		if item.Post.Responses.Status(http.StatusOK) == nil {
			desc := "200 Success (errata: void service answered with [])"
			item.Post.Responses.Set("200", &openapi3.ResponseRef{Value: openapi3.NewResponse().
				WithDescription(desc).
				WithJSONSchema(openapi3.NewArraySchema().WithItems(&openapi3.Schema{}).WithMaxItems(0))})
		}
	}
}

// ErrNoOperation is wrapped by the validation errors of a request whose
// method and path the contract does not declare.
var ErrNoOperation = errors.New("no such operation in the contract")

var restPrefix = regexp.MustCompile(`^/rest(?:/[A-Za-z0-9_]+)?(/(?:async/bulk/|async/)?V1/.*)$`)

// contractRoute splits a simulator path into the contract path and whether
// it is an async bulk call.
func contractRoute(p string) (path string, bulk bool, ok bool) {
	m := restPrefix.FindStringSubmatch(p)
	if m == nil {
		return "", false, false
	}
	rest := m[1]
	switch {
	case strings.HasPrefix(rest, "/async/bulk/V1/"):
		return strings.TrimPrefix(rest, "/async/bulk"), true, true
	case strings.HasPrefix(rest, "/async/V1/"):
		return strings.TrimPrefix(rest, "/async"), true, true
	}
	return rest, false, true
}

func (c *ContractValidator) find(r *http.Request, body []byte) (*routers.Route, map[string]string, *http.Request, bool, error) {
	p, bulk, ok := contractRoute(r.URL.Path)
	if !ok {
		return nil, nil, nil, false, fmt.Errorf("%s %s: %w: not a Magento REST path", r.Method, r.URL.Path, ErrNoOperation)
	}
	u := *r.URL
	u.Path = p
	u.RawPath = ""
	if r.URL.RawPath != "" {
		if rp, _, ok := contractRoute(r.URL.RawPath); ok {
			u.RawPath = rp
		}
	}
	req := r.Clone(context.Background())
	req.URL = &u
	req.RequestURI = ""
	req.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		return nil, nil, nil, bulk, fmt.Errorf("%s %s: %w: %w", r.Method, p, ErrNoOperation, err)
	}
	return route, params, req, bulk, nil
}

func (c *ContractValidator) options() *openapi3filter.Options {
	o := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	o.WithCustomSchemaErrorFunc(shortSchemaError)
	return o
}

// shortSchemaError names the JSON pointer and the reason, without the schema
// dump kin-openapi appends by default.
func shortSchemaError(err *openapi3.SchemaError) string {
	return fmt.Sprintf("at /%s: %s", strings.Join(err.JSONPointer(), "/"), err.Reason)
}

// ValidateRequest checks one request (its body passed separately, since the
// request's own body may already be consumed).
func (c *ContractValidator) ValidateRequest(r *http.Request, body []byte) error {
	route, params, req, bulk, err := c.find(r, body)
	if err != nil {
		return err
	}
	if bulk {
		var elems []json.RawMessage
		if err := json.Unmarshal(body, &elems); err != nil {
			return fmt.Errorf("%s %s: async bulk body is not a JSON array: %w", r.Method, r.URL.Path, err)
		}
		for i, el := range elems {
			one := req.Clone(context.Background())
			one.Body = io.NopCloser(bytes.NewReader(el))
			one.ContentLength = int64(len(el))
			in := &openapi3filter.RequestValidationInput{Request: one, PathParams: params, Route: route, Options: c.options()}
			if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
				return fmt.Errorf("%s %s: bulk element %d: %w", r.Method, r.URL.Path, i, err)
			}
		}
		return nil
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: c.options()}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		return fmt.Errorf("%s %s: %w", r.Method, r.URL.Path, err)
	}
	return nil
}

// ValidateResponse checks the response a request got.
func (c *ContractValidator) ValidateResponse(r *http.Request, reqBody []byte, status int, header http.Header, body []byte) error {
	route, params, req, bulk, err := c.find(r, reqBody)
	if err != nil {
		return err
	}
	if bulk && status == http.StatusAccepted {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return fmt.Errorf("%s %s: async answer is not JSON: %w", r.Method, r.URL.Path, err)
		}
		if err := c.async.VisitJSON(v); err != nil {
			return fmt.Errorf("%s %s: async answer: %w", r.Method, r.URL.Path, err)
		}
		return nil
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: c.options()}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                c.options(),
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return fmt.Errorf("%s %s → %d: %w", r.Method, r.URL.Path, status, err)
	}
	return nil
}

// Middleware validates every request that reaches next and every response
// next writes, recording violations (see Violations and Checked). Requests
// outside /rest/ (the sandbox's own /_sandbox/ routes) pass unchecked, and so
// does a request for an operation the contract does not declare when the
// answer is 404 (Magento's "Request does not match any route.").
func (c *ContractValidator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/rest/") {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			c.record(fmt.Errorf("%s %s: reading request body: %w", r.Method, r.URL.Path, err))
		}
		_ = r.Body.Close()
		reqErr := c.ValidateRequest(r, body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		if !(errors.Is(reqErr, ErrNoOperation) && rec.Code == http.StatusNotFound) {
			c.record(reqErr)
			c.record(c.ValidateResponse(r, body, rec.Code, rec.Header(), rec.Body.Bytes()))
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

func (c *ContractValidator) record(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checked++
	if err != nil {
		c.violations = append(c.violations, err.Error())
	}
}

// Checked is how many requests and responses the middleware has checked.
func (c *ContractValidator) Checked() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.checked
}

// TakeViolations returns the recorded violations and forgets them, for a
// test that sends an invalid request on purpose and checks it was caught.
func (c *ContractValidator) TakeViolations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.violations
	c.violations = nil
	return out
}

// Violations returns the contract violations recorded by the middleware.
func (c *ContractValidator) Violations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.violations...)
}
