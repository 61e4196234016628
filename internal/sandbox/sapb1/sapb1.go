// Package sapb1 simulates the SAP Business One Service Layer (b1s/v1, OData
// v3) for one company database: session login with B1SESSION and ROUTEID
// cookies, the Orders, DeliveryNotes, Invoices, BusinessPartners and Items
// entity sets with $filter, $select, $orderby, $top, $skip and server-driven
// paging (Prefer: odata.maxpagesize, odata.nextLink), POST creates, PATCH
// updates, and $batch with atomic changesets.
//
// It keeps the Service Layer's traps: UpdateDate is a date without time and
// UpdateTime a time without date, and $filter compares each on its own part
// only; PATCH appends document lines (and other collection elements) unless
// B1S-ReplaceCollectionsOnPatch: true is sent; an expired or misrouted
// session answers 401 with error code 301; a failing changeset undoes the
// whole changeset. Errors carry the Service Layer's body:
// {"error":{"code":…,"message":{"lang":"en-us","value":…}}}.
//
// Details a client meets:
//   - keyed addresses: Orders(12), Items('A-1'), BusinessPartners('C00001');
//     POST Orders(12)/Close and /Cancel; documents cannot be deleted;
//   - the page size is Options.PageSize unless Prefer: odata.maxpagesize=N
//     is sent (echoed in Preference-Applied); N = 0 switches paging off;
//     odata.nextLink is relative to /b1s/v1/ and keeps $filter, $select,
//     $orderby and the remaining $top;
//   - POST answers 201 with the entity and a Location header (204 with
//     Prefer: return-no-content); inside a changeset a later request may
//     address it as $<Content-ID>;
//   - dates are "YYYY-MM-DD" and times "HH:MM:SS" in Options.Location.
//
// Every entity set and property served is declared in the Service Layer's
// metadata.xml (contract_test.go checks it).
package sapb1

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/seed"
)

// Defaults of the simulated installation.
const (
	DefaultCompanyDB      = "SBODEMOUS"
	DefaultUserName       = "manager"
	DefaultPassword       = "sandbox"
	DefaultSessionTimeout = 30 * time.Minute
	DefaultPageSize       = 20
	DefaultNodes          = 2
	servicePath           = "/b1s/v1"
)

// Options configures the simulated Service Layer. The zero value is a
// two-node installation with the default company, credentials, 30-minute
// sessions, pages of 20 and the default seed data set.
type Options struct {
	// Catalog is the shared data set rendered as B1 records. Nil generates
	// the default data set (seed.Generate(seed.Config{})).
	Catalog *seed.Catalog
	// CompanyDB, UserName and Password are what POST /Login accepts.
	CompanyDB, UserName, Password string
	// SessionTimeout is how long an unused session lives (it slides with
	// use). Default 30 minutes.
	SessionTimeout time.Duration
	// PageSize is the server-driven page size when the client sends no
	// Prefer: odata.maxpagesize. Default 20.
	PageSize int
	// Nodes is the number of Service Layer nodes behind the load balancer;
	// sessions are pinned to one and a request must carry its ROUTEID.
	// Default 2.
	Nodes int
	// IgnoreRouteID accepts requests without the ROUTEID cookie, as a
	// single-node installation does.
	IgnoreRouteID bool
	// Location is the company's time zone: UpdateDate, UpdateTime and the
	// other B1 dates are local times without a zone. Default UTC.
	Location *time.Location
	// Clock supplies the time of changes and session expiry. Default
	// time.Now.
	Clock func() time.Time
}

// Vendor is the SAP B1 Service Layer simulator. It implements
// sandbox.Vendor and sandbox.FaultBodyWriter and is safe for concurrent use.
type Vendor struct {
	opts     Options
	clock    func() time.Time
	sessions *sessions
	seeded   *store // pristine copy for Reset

	mu    sync.Mutex
	store *store
}

var (
	_ sandbox.Vendor          = (*Vendor)(nil)
	_ sandbox.FaultBodyWriter = (*Vendor)(nil)
)

// New returns a Service Layer simulator loaded with the catalog.
func New(o Options) *Vendor {
	if o.CompanyDB == "" {
		o.CompanyDB = DefaultCompanyDB
	}
	if o.UserName == "" {
		o.UserName = DefaultUserName
	}
	if o.Password == "" {
		o.Password = DefaultPassword
	}
	if o.SessionTimeout <= 0 {
		o.SessionTimeout = DefaultSessionTimeout
	}
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	if o.Nodes <= 0 {
		o.Nodes = DefaultNodes
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Catalog == nil {
		o.Catalog = seed.Generate(seed.Config{})
	}
	v := &Vendor{opts: o, clock: o.Clock, sessions: newSessions(o.SessionTimeout, o.Nodes)}
	v.seeded = load(o.Catalog, o.Location)
	v.store = v.seeded.clone()
	return v
}

// Name implements sandbox.Vendor.
func (v *Vendor) Name() string { return "sapb1" }

// Credentials implements sandbox.Vendor: the body of POST /b1s/v1/Login.
func (v *Vendor) Credentials() map[string]string {
	return map[string]string{
		"service_path": servicePath,
		"company_db":   v.opts.CompanyDB,
		"username":     v.opts.UserName,
		"password":     v.opts.Password,
	}
}

// Reset implements sandbox.Vendor: it restores the seeded company database
// and ends every session.
func (v *Vendor) Reset() {
	v.mu.Lock()
	v.store = v.seeded.clone()
	v.mu.Unlock()
	v.sessions.reset()
}

// localNow is the company's local time, whole seconds (B1 keeps seconds).
func (v *Vendor) localNow() time.Time {
	return v.clock().In(v.opts.Location).Truncate(time.Second)
}

// Register implements sandbox.Vendor.
func (v *Vendor) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST "+servicePath+"/Login", v.handleLogin)
	mux.Handle("POST "+servicePath+"/Logout", v.authenticated(v.handleLogout))
	mux.Handle("POST "+servicePath+"/$batch", v.authenticated(v.handleBatch))
	for _, set := range entitySetNames {
		mux.Handle("GET "+servicePath+"/"+set, v.authenticated(v.handleEntity))
		mux.Handle("POST "+servicePath+"/"+set, v.authenticated(v.handleEntity))
	}
	// Keyed resources: Orders(12), Items('A-1'), and actions on them.
	mux.Handle("GET "+servicePath+"/{resource}", v.authenticated(v.handleEntity))
	mux.Handle("PATCH "+servicePath+"/{resource}", v.authenticated(v.handleEntity))
	mux.Handle("DELETE "+servicePath+"/{resource}", v.authenticated(v.handleEntity))
	mux.Handle("POST "+servicePath+"/{resource}/{action}", v.authenticated(v.handleEntity))
}

// authenticated checks the session cookies before the handler runs.
func (v *Vendor) authenticated(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := v.sessions.check(r, v.clock(), !v.opts.IgnoreRouteID); err != nil {
			writeError(w, err)
			return
		}
		h(w, r)
	})
}

// request is one Service Layer operation, from HTTP or from a $batch part.
type request struct {
	method string
	set    string // entity set
	key    string // key as stored ("12", "A-1"); empty for the collection
	action string // "Close", "Cancel"
	query  url.Values
	header http.Header
	body   []byte
	base   string // scheme://host, for odata.metadata
}

func (r request) metadataURL(fragment string) string {
	return r.base + servicePath + "/$metadata#" + fragment
}

func (v *Vendor) metadataURL(r *http.Request, fragment string) string {
	return sandbox.BaseURL(r) + servicePath + "/$metadata#" + fragment
}

// result is an operation's response.
type result struct {
	status int
	header http.Header
	body   []byte
}

func jsonResult(status int, fields []field) result {
	b, _ := orderedObject(fields).MarshalJSON()
	h := http.Header{}
	h.Set("Content-Type", "application/json;odata=minimalmetadata;charset=utf-8")
	return result{status: status, header: h, body: b}
}

func errorResult(e *apiError) result {
	h := http.Header{}
	h.Set("Content-Type", "application/json;odata=minimalmetadata;charset=utf-8")
	return result{status: e.status, header: h, body: e.body()}
}

func emptyResult(status int) result { return result{status: status, header: http.Header{}} }

func (res result) write(w http.ResponseWriter) {
	for k, vs := range res.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(res.status)
	_, _ = w.Write(res.body)
}

// handleEntity serves every entity-set route.
func (v *Vendor) handleEntity(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, badRequest(codeInvalidRequest, "Reading request body: %v", err))
		return
	}
	path := strings.TrimPrefix(r.URL.Path, servicePath+"/")
	req, perr := parseResource(r.Method, path)
	if perr != nil {
		writeError(w, perr)
		return
	}
	req.query, req.header, req.body, req.base = r.URL.Query(), r.Header, body, sandbox.BaseURL(r)
	v.mu.Lock()
	res := v.exec(req)
	v.mu.Unlock()
	res.write(w)
}

// parseResource splits "Orders", "Orders(12)", "Items('A-1')" or
// "Orders(12)/Close" into set, key and action.
func parseResource(method, path string) (request, *apiError) {
	req := request{method: method}
	resource, action, _ := strings.Cut(path, "/")
	req.action = action
	name, key, keyed := strings.Cut(resource, "(")
	def, ok := entitySets[name]
	if !ok {
		return req, newError(http.StatusNotFound, codeInvalidRequest, "Resource not found for the segment '%s'", name)
	}
	req.set = name
	if keyed {
		key, ok = strings.CutSuffix(key, ")")
		if !ok {
			return req, badRequest(codeInvalidRequest, "Bad key syntax in '%s'", resource)
		}
		if def.keyKind == edmInt32 {
			n, err := strconv.Atoi(key)
			if err != nil || n < 0 || n > math.MaxInt32 {
				return req, badRequest(codeInvalidRequest, "Key '%s' of %s must be an integer", key, name)
			}
			req.key = strconv.Itoa(n)
		} else {
			s, ok := strings.CutPrefix(key, "'")
			if s, ok = strings.CutSuffix(s, "'"); !ok || len(key) < 2 {
				return req, badRequest(codeInvalidRequest, "Key %s of %s must be a quoted string", key, name)
			}
			req.key = strings.ReplaceAll(s, "''", "'")
		}
	}
	return req, nil
}

// exec runs one operation. The caller holds v.mu.
func (v *Vendor) exec(req request) result {
	switch {
	case req.method == http.MethodGet && req.key == "" && req.action == "":
		return v.list(req)
	case req.method == http.MethodGet && req.key != "" && req.action == "":
		return v.getOne(req)
	case req.method == http.MethodPost && req.key == "" && req.action == "":
		return v.create(req)
	case req.method == http.MethodPatch && req.key != "" && req.action == "":
		return v.patch(req)
	case req.method == http.MethodDelete && req.key != "" && req.action == "":
		return v.delete(req)
	case req.method == http.MethodPost && req.key != "" && (req.action == "Close" || req.action == "Cancel"):
		return v.documentAction(req)
	}
	return errorResult(newError(http.StatusMethodNotAllowed, codeNotAllowed,
		"%s is not supported on %s", req.method, describeResource(req)))
}

func describeResource(req request) string {
	s := req.set
	if req.key != "" {
		s += "(" + req.key + ")"
	}
	if req.action != "" {
		s += "/" + req.action
	}
	return s
}

// decodeObject parses a JSON object body.
func decodeObject(body []byte) (map[string]any, *apiError) {
	var in map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&in); err != nil || in == nil {
		return nil, badRequest(codeInvalidRequest, "Invalid JSON object in request body")
	}
	return in, nil
}
