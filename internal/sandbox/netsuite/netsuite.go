// Package netsuite simulates Oracle NetSuite's SuiteTalk REST web services
// for tests, benchmarks and the demo: the record API (GET, POST, PATCH,
// DELETE and the external-id upsert PUT), SuiteQL, serverTime, asynchronous
// requests with idempotency keys, Token-Based Authentication (OAuth 1.0a,
// HMAC-SHA256) and OAuth 2.0 client credentials, and the account concurrency
// limit, each with NetSuite's status codes and error body.
//
// The simulator keeps NetSuite's traps: PATCH (and the upsert PUT) appends
// lines to sublists unless ?replace= names them; SuiteQL needs
// "Prefer: transient", returns at most 1000 rows a page and 100,000 rows a
// query, wants offsets that are multiples of the limit, renders datetime
// columns in the user's date format without the time unless TO_CHAR is
// used, and keeps no order among rows its ORDER BY leaves tied, so paging
// without a unique sort key repeats and loses rows; transactionline
// quantities of sales are negative; a replayed nonce or a stale timestamp is
// an invalid login; and a request beyond the concurrency limit is refused
// with 429 rather than queued.
//
// All routes live under /services/rest/ as on a real account host
// (https://<account>.suitetalk.api.netsuite.com/services/rest/...).
package netsuite

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/seed"
)

// Options configure the simulated account. The zero value of every field
// selects the default documented on it.
type Options struct {
	// AccountID is the account id in its realm form, upper case with an
	// underscore ("1234567_SB1"). Default "1234567_SB1".
	AccountID string
	// ConsumerKey, ConsumerSecret, TokenID and TokenSecret are the TBA
	// credentials the account accepts. Defaults are fixed sandbox values.
	ConsumerKey, ConsumerSecret, TokenID, TokenSecret string
	// ClientID is the OAuth 2.0 client id (the JWT assertion's iss).
	ClientID string
	// CertificateID is the id of the certificate mapped for client
	// credentials (the JWT assertion's kid).
	CertificateID string
	// PublicKey verifies client credentials assertions (*rsa.PublicKey for
	// PS256/384/512 or *ecdsa.PublicKey for ES256/384/512). When nil, New
	// generates a P-256 key pair and Credentials returns its private key as
	// PEM so clients can sign assertions.
	PublicKey crypto.PublicKey
	// ConcurrencyLimit is the account's limit of requests in flight; one
	// more is refused with 429. Default 5 (a developer or sandbox account);
	// negative disables the limit.
	ConcurrencyLimit int
	// IntegrationConcurrencyLimit, when positive, is the limit an
	// administrator allocated to the integration: its requests get at most
	// that many slots (of ConcurrencyLimit), and governanceLimits reports
	// limitType "integrationSpecific". Default 0: the integration shares the
	// unallocated account limit ("accountLimit").
	IntegrationConcurrencyLimit int
	// ProcessingTime is how long the account works on each request while it
	// holds a concurrency slot. Default 0.
	ProcessingTime time.Duration
	// TimestampSkew is how far a TBA oauth_timestamp may be from the server
	// clock. Default 5 minutes.
	TimestampSkew time.Duration
	// TokenTTL is the lifetime of OAuth 2.0 access tokens. Default 1 hour.
	TokenTTL time.Duration
	// MaxQueryResults caps the rows one SuiteQL query can page through.
	// Default 100,000, NetSuite's limit without SuiteAnalytics Connect.
	MaxQueryResults int
	// AsyncDelay is how long an asynchronous request waits before it runs.
	// Default 0 (it runs at once, in the background).
	AsyncDelay time.Duration
	// TimeZone is the time zone of the SuiteQL user: datetime columns,
	// TO_CHAR, TO_DATE and TO_TIMESTAMP are read and written in it, as
	// NetSuite does with the user's preference. Record API datetimes are
	// always UTC. Default UTC.
	TimeZone *time.Location
	// DateFormat is the user's date format preference as a Go layout:
	// SuiteQL shows date and datetime columns in it (without the time of
	// day) and reads untyped date strings with it, as do record collection
	// q filters. Default "1/2/2006" (M/D/YYYY); "2.1.2006" or "02/01/2006"
	// model European preferences.
	DateFormat string
	// Clock is the server clock (serverTime, modification times, token and
	// timestamp checks). Default time.Now.
	Clock func() time.Time
	// Catalog is the shared seed data set; when Data is nil the account
	// serves FromCatalog(Catalog).
	Catalog *seed.Catalog
	// Data is the data set Reset restores, when the account should not
	// serve a seed catalog (tests build small ones). Default: the Catalog,
	// else an empty account.
	Data *DataSet
}

func (o *Options) setDefaults() error {
	def := func(s *string, d string) {
		if *s == "" {
			*s = d
		}
	}
	def(&o.AccountID, "1234567_SB1")
	def(&o.ConsumerKey, "sbx-consumer-key-6f1c2d")
	def(&o.ConsumerSecret, "sbx-consumer-secret-93ab07")
	def(&o.TokenID, "sbx-token-id-41e8c5")
	def(&o.TokenSecret, "sbx-token-secret-d27f90")
	def(&o.ClientID, "sbx-client-id-7a3e19")
	def(&o.CertificateID, "sbx-certificate-5b02")
	if o.ConcurrencyLimit == 0 {
		o.ConcurrencyLimit = 5
	}
	if o.TimestampSkew == 0 {
		o.TimestampSkew = 5 * time.Minute
	}
	if o.TokenTTL == 0 {
		o.TokenTTL = time.Hour
	}
	if o.MaxQueryResults == 0 {
		o.MaxQueryResults = 100_000
	}
	if o.TimeZone == nil {
		o.TimeZone = time.UTC
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	def(&o.DateFormat, "1/2/2006")
	if o.Data == nil && o.Catalog != nil {
		o.Data = FromCatalog(o.Catalog)
	}
	if o.AccountID != strings.ToUpper(o.AccountID) || strings.Contains(o.AccountID, "-") {
		return fmt.Errorf("account id %q must be in realm form (upper case, underscore)", o.AccountID)
	}
	return nil
}

// Vendor is the simulated NetSuite account. It implements sandbox.Vendor and
// sandbox.FaultBodyWriter. All methods are safe for concurrent use.
type Vendor struct {
	opts       Options
	privateKey string // PEM of the generated key pair, when PublicKey was nil

	inFlight chan struct{} // concurrency slots; nil when unlimited
	nonces   nonceCache
	tokens   bearerTokens
	store    *store
	queries  *queryCache
	renders  *renderCache
	async    *asyncJobs

	mutateMu  sync.Mutex
	mutateSeq int
}

var (
	_ sandbox.Vendor          = (*Vendor)(nil)
	_ sandbox.FaultBodyWriter = (*Vendor)(nil)
)

// New returns a simulated account loaded with o.Data.
func New(o Options) (*Vendor, error) {
	if err := o.setDefaults(); err != nil {
		return nil, fmt.Errorf("configuring netsuite sandbox: %w", err)
	}
	v := &Vendor{opts: o, queries: newQueryCache(32, 250_000), renders: &renderCache{max: 4096}, async: newAsyncJobs()}
	if o.PublicKey == nil {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generating client credentials key: %w", err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, fmt.Errorf("encoding client credentials key: %w", err)
		}
		v.opts.PublicKey = &key.PublicKey
		v.privateKey = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	}
	if err := validateData(o.Data); err != nil {
		return nil, fmt.Errorf("configuring netsuite sandbox: %w", err)
	}
	if o.IntegrationConcurrencyLimit > 0 && o.ConcurrencyLimit > 0 && o.IntegrationConcurrencyLimit > o.ConcurrencyLimit {
		return nil, fmt.Errorf("configuring netsuite sandbox: integration concurrency limit %d exceeds the account limit %d", o.IntegrationConcurrencyLimit, o.ConcurrencyLimit)
	}
	if n := v.slots(); n > 0 {
		v.inFlight = make(chan struct{}, n)
	}
	v.store = newStore(o.Data)
	return v, nil
}

// Name returns "netsuite".
func (v *Vendor) Name() string { return "netsuite" }

func (v *Vendor) now() time.Time { return v.opts.Clock() }

// hostID is the account id in its host form: lower case with a hyphen.
func (v *Vendor) hostID() string {
	return strings.ReplaceAll(strings.ToLower(v.opts.AccountID), "_", "-")
}

// Credentials returns the account id, the TBA keys and the client
// credentials settings (with the private key when New generated it).
func (v *Vendor) Credentials() map[string]string {
	c := map[string]string{
		"account_id":      v.opts.AccountID,
		"realm":           v.opts.AccountID,
		"consumer_key":    v.opts.ConsumerKey,
		"consumer_secret": v.opts.ConsumerSecret,
		"token_id":        v.opts.TokenID,
		"token_secret":    v.opts.TokenSecret,
		"client_id":       v.opts.ClientID,
		"certificate_id":  v.opts.CertificateID,
		"token_path":      tokenPath,
		"time_zone":       v.opts.TimeZone.String(),
		"date_format":     v.opts.DateFormat,
	}
	if v.privateKey != "" {
		c["private_key_pem"] = v.privateKey
	}
	return c
}

// Reset restores the data set and forgets nonces, access tokens, async jobs
// and idempotency keys.
func (v *Vendor) Reset() {
	v.store.reset()
	v.queries.clear()
	v.nonces.reset()
	v.tokens.reset()
	v.async.reset()
	v.mutateMu.Lock()
	v.mutateSeq = 0
	v.mutateMu.Unlock()
}

// Register adds the REST web services routes.
func (v *Vendor) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST "+tokenPath, v.handleToken)
	api := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, v.guard(h)) }
	api("GET /services/rest/system/v1/serverTime", v.handleServerTime)
	api("GET /services/rest/system/v1/governanceLimits", v.handleGovernanceLimits)
	api("POST /services/rest/query/v1/suiteql", v.handleSuiteQL)
	api("GET /services/rest/record/v1/{type}", v.handleList)
	api("POST /services/rest/record/v1/{type}", v.asyncable(v.handleCreate))
	api("GET /services/rest/record/v1/{type}/{id}", v.handleGet)
	api("PATCH /services/rest/record/v1/{type}/{id}", v.asyncable(v.handleUpdate))
	api("PUT /services/rest/record/v1/{type}/{id}", v.asyncable(v.handleUpsert))
	api("DELETE /services/rest/record/v1/{type}/{id}", v.asyncable(v.handleDelete))
	api("GET /services/rest/record/v1/{type}/{id}/{sub}", v.handleSubresource)
	api("GET /services/rest/async/v1/job/{job}", v.handleJob)
	api("GET /services/rest/async/v1/job/{job}/task", v.handleTasks)
	api("GET /services/rest/async/v1/job/{job}/task/{task}", v.handleTask)
	api("GET /services/rest/async/v1/job/{job}/task/{task}/result", v.handleTaskResult)
	mux.HandleFunc("/services/rest/", v.handleUnknown)
}

// guard applies the account concurrency limit, then authentication, then
// the processing time, around an API handler. A request over the limit is
// refused at once with 429; it is not queued.
func (v *Vendor) guard(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v.inFlight != nil {
			select {
			case v.inFlight <- struct{}{}:
				defer func() { <-v.inFlight }()
			default:
				writeError(w, concurrencyError())
				return
			}
		}
		if err := v.authenticate(r); err != nil {
			writeError(w, err)
			return
		}
		if d := v.opts.ProcessingTime; d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		h(w, r)
	})
}

// serverTime is GET /system/v1/serverTime's body.
type serverTime struct {
	ServerTime string `json:"serverTime"`
}

func (v *Vendor) handleServerTime(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, serverTime{ServerTime: v.now().UTC().Format("2006-01-02T15:04:05.000Z")})
}

// validateData checks that every record has a known type, a positive id
// unique within its family and an external id unique within its type.
func validateData(d *DataSet) error {
	if d == nil {
		return nil
	}
	ids := map[string]bool{}
	eids := map[string]bool{}
	for i, r := range d.Records {
		t, ok := recordTypes[r.Type]
		if !ok {
			return fmt.Errorf("record %d: unknown record type %q", i, r.Type)
		}
		if r.ID <= 0 {
			return fmt.Errorf("record %d (%s): id must be positive, got %d", i, r.Type, r.ID)
		}
		key := fmt.Sprintf("%s/%d", t.family, r.ID)
		if ids[key] {
			return fmt.Errorf("record %d (%s): id %d is already used in the %s family", i, r.Type, r.ID, t.family)
		}
		ids[key] = true
		if r.ExternalID != "" {
			ek := r.Type + "/" + r.ExternalID
			if eids[ek] {
				return fmt.Errorf("record %d (%s): external id %q is already used", i, r.Type, r.ExternalID)
			}
			eids[ek] = true
		}
	}
	return nil
}

// slots is how many requests of the integration may be in flight; 0 means
// unlimited.
func (v *Vendor) slots() int {
	if v.opts.ConcurrencyLimit <= 0 {
		return 0
	}
	if v.opts.IntegrationConcurrencyLimit > 0 {
		return v.opts.IntegrationConcurrencyLimit
	}
	return v.opts.ConcurrencyLimit
}

// governanceLimits is GET /system/v1/governanceLimits' body.
type governanceLimits struct {
	AccountConcurrencyLimit            int    `json:"accountConcurrencyLimit"`
	AccountUnallocatedConcurrencyLimit int    `json:"accountUnallocatedConcurrencyLimit"`
	IntegrationConcurrencyLimit        *int   `json:"integrationConcurrencyLimit,omitempty"`
	LimitType                          string `json:"limitType"`
}

// handleGovernanceLimits reports the account's concurrency limit, the part
// not allocated to specific integrations and the caller's limit type. An
// account without limit (ConcurrencyLimit < 0) reports 0.
func (v *Vendor) handleGovernanceLimits(w http.ResponseWriter, _ *http.Request) {
	account := max(v.opts.ConcurrencyLimit, 0)
	g := governanceLimits{AccountConcurrencyLimit: account, AccountUnallocatedConcurrencyLimit: account, LimitType: "accountLimit"}
	if n := v.opts.IntegrationConcurrencyLimit; n > 0 {
		g.AccountUnallocatedConcurrencyLimit = max(account-n, 0)
		g.IntegrationConcurrencyLimit = &n
		g.LimitType = "integrationSpecific"
	}
	writeJSON(w, http.StatusOK, g)
}
