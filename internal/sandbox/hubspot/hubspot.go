// Package hubspot simulates the HubSpot CRM API of one portal: the v3
// objects API (contacts, companies, deals, products, line_items: list, get,
// create, update, archive, batch read/create/update/upsert/archive, search)
// and the v4 associations API, behind a private-app bearer token.
//
// It keeps HubSpot's traps: batch calls over 100 inputs answer 400, search
// pages are at most 200 and paging past 10,000 results answers 400, search
// has its own per-second limit and an eventually consistent index (a change
// is searchable only after Options.SearchLag), and the portal's rolling
// ten-second limit answers 429 with policyName and, not always, Retry-After.
// Every error carries HubSpot's body: status, message, correlationId,
// category and, where HubSpot gives them, errors.
package hubspot

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/seed"
)

// Default limits of a Free/Starter private app.
const (
	DefaultRateLimit       = 100    // requests per rolling ten seconds
	DefaultSearchRateLimit = 5      // search requests per second
	DefaultDailyLimit      = 250000 // requests per UTC day
	DefaultToken           = "pat-na1-sandbox-0000-0000-000000000000"
	DefaultPortalID        = 4711
	maxBatchInputs         = 100
	maxAssociationBatch    = 1000
	maxSearchLimit         = 200
	maxSearchResults       = 10000
	maxListLimit           = 100
)

// Options configures the simulated portal. The zero value is a portal with
// HubSpot's default limits, no search lag and the seed data set's default
// catalog.
type Options struct {
	// Catalog is the shared data set rendered as HubSpot objects. Nil
	// generates the default data set (seed.Generate(seed.Config{})).
	Catalog *seed.Catalog
	// Token is the private-app access token clients must send as a bearer
	// token. Default DefaultToken.
	Token string
	// PortalID is the HubSpot account id. Default DefaultPortalID.
	PortalID int
	// RateLimit is the rolling ten-second request limit. Zero means
	// DefaultRateLimit; negative disables it.
	RateLimit int
	// SearchRateLimit is the search endpoints' per-second limit. Zero means
	// DefaultSearchRateLimit; negative disables it.
	SearchRateLimit int
	// DailyLimit is the per-day request budget. Zero means
	// DefaultDailyLimit; negative disables it.
	DailyLimit int
	// RetryAfterEvery sends Retry-After on every n-th 429 only (HubSpot does
	// not always send it). Zero means 2 (every other 429); 1 means always;
	// negative means never.
	RetryAfterEvery int
	// SearchLag is how long a change takes to become searchable. Zero means
	// at once; the real index lags by seconds and sometimes minutes.
	SearchLag time.Duration
	// CustomProperties adds string properties per object type (object type
	// name → property names), as a portal's custom properties.
	CustomProperties map[string][]string
	// Clock supplies the time of changes and limits. Default time.Now.
	Clock func() time.Time
}

// Vendor is the HubSpot simulator. It implements sandbox.Vendor and
// sandbox.FaultBodyWriter. It is safe for concurrent use.
type Vendor struct {
	opts    Options
	clock   func() time.Time
	catalog *seed.Catalog
	limits  *limiter

	mu    sync.RWMutex
	store *store
}

var (
	_ sandbox.Vendor          = (*Vendor)(nil)
	_ sandbox.FaultBodyWriter = (*Vendor)(nil)
)

// New returns a HubSpot simulator loaded with the catalog.
func New(o Options) *Vendor {
	if o.Token == "" {
		o.Token = DefaultToken
	}
	if o.PortalID == 0 {
		o.PortalID = DefaultPortalID
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	v := &Vendor{opts: o, clock: o.Clock, catalog: o.Catalog}
	if v.catalog == nil {
		v.catalog = seed.Generate(seed.Config{})
	}
	v.limits = &limiter{retryAfterEvery: defaulted(o.RetryAfterEvery, 2)}
	if n := defaulted(o.RateLimit, DefaultRateLimit); n > 0 {
		v.limits.burst = newRollingWindow(n, 10*time.Second)
	}
	if n := defaulted(o.SearchRateLimit, DefaultSearchRateLimit); n > 0 {
		v.limits.search = newRollingWindow(n, time.Second)
	}
	if n := defaulted(o.DailyLimit, DefaultDailyLimit); n > 0 {
		v.limits.daily = &dailyBudget{limit: n}
	}
	v.store = v.load()
	return v
}

func defaulted(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}

// Name implements sandbox.Vendor.
func (v *Vendor) Name() string { return "hubspot" }

// Credentials implements sandbox.Vendor: the bearer token and portal id.
func (v *Vendor) Credentials() map[string]string {
	return map[string]string{
		"access_token": v.opts.Token,
		"portal_id":    strconv.Itoa(v.opts.PortalID),
		"auth":         "Authorization: Bearer <access_token>",
	}
}

// Reset implements sandbox.Vendor: it restores the seeded portal and clears
// the rate-limit windows.
func (v *Vendor) Reset() {
	s := v.load()
	v.mu.Lock()
	v.store = s
	v.mu.Unlock()
	v.limits.reset()
}

// now is the clock truncated to HubSpot's millisecond precision.
func (v *Vendor) now() time.Time { return v.clock().UTC().Truncate(time.Millisecond) }

// Register implements sandbox.Vendor.
func (v *Vendor) Register(mux *http.ServeMux) {
	const objects = "/crm/v3/objects/{objectType}"
	mux.Handle("GET "+objects, v.api(false, v.handleList))
	mux.Handle("POST "+objects, v.api(false, v.handleCreate))
	mux.Handle("GET "+objects+"/{objectId}", v.api(false, v.handleGet))
	mux.Handle("PATCH "+objects+"/{objectId}", v.api(false, v.handleUpdate))
	mux.Handle("DELETE "+objects+"/{objectId}", v.api(false, v.handleArchive))
	mux.Handle("POST "+objects+"/search", v.api(true, v.handleSearch))
	mux.Handle("POST "+objects+"/batch/read", v.api(false, v.handleBatchRead))
	mux.Handle("POST "+objects+"/batch/create", v.api(false, v.handleBatchCreate))
	mux.Handle("POST "+objects+"/batch/update", v.api(false, v.handleBatchUpdate))
	mux.Handle("POST "+objects+"/batch/upsert", v.api(false, v.handleBatchUpsert))
	mux.Handle("POST "+objects+"/batch/archive", v.api(false, v.handleBatchArchive))

	const v4 = "/crm/v4/objects/{fromObjectType}/{fromObjectId}/associations"
	mux.Handle("GET "+v4+"/{toObjectType}", v.api(false, v.handleAssociationList))
	mux.Handle("PUT "+v4+"/default/{toObjectType}/{toObjectId}", v.api(false, v.handleAssociateDefault))
	mux.Handle("PUT "+v4+"/{toObjectType}/{toObjectId}", v.api(false, v.handleAssociateLabeled))
	mux.Handle("DELETE "+v4+"/{toObjectType}/{toObjectId}", v.api(false, v.handleDisassociate))
	const v4batch = "/crm/v4/associations/{fromObjectType}/{toObjectType}/batch"
	mux.Handle("POST "+v4batch+"/read", v.api(false, v.handleAssociationBatchRead))
	mux.Handle("POST "+v4batch+"/create", v.api(false, v.handleAssociationBatchCreate))
	mux.Handle("POST "+v4batch+"/associate/default", v.api(false, v.handleAssociationBatchDefault))
	mux.Handle("POST "+v4batch+"/archive", v.api(false, v.handleAssociationBatchArchive))
}

// api wraps a handler with private-app authentication and the portal's rate
// limits. Unauthenticated requests do not count against the limits.
func (v *Vendor) api(isSearch bool, h func(http.ResponseWriter, *http.Request) *apiError) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !v.authenticated(r) {
			writeError(w, newError(http.StatusUnauthorized, categoryAuthentication,
				"Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"))
			return
		}
		if !v.limits.check(w, v.clock(), isSearch) {
			return
		}
		if err := h(w, r); err != nil {
			writeError(w, err)
		}
	})
}

func (v *Vendor) authenticated(r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(v.opts.Token)) == 1
}

// objectTypeOf resolves the {objectType} (or other named) path value.
func (v *Vendor) objectTypeOf(r *http.Request, name string) (*objectType, *apiError) {
	raw := r.PathValue(name)
	v.mu.RLock()
	t, ok := v.store.lookupType(raw)
	v.mu.RUnlock()
	if !ok {
		return nil, validationError("Unable to infer object type from: %s", raw)
	}
	return t, nil
}
