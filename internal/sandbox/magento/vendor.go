// Package magento simulates the Magento 2 / Adobe Commerce admin REST API
// (/rest/{store}/V1/...) over the shared seed catalog, traps included:
// OAuth 1.0a integration signing verified for real (HMAC-SHA256 only, as
// 2.4.4+), bearer integration tokens refused unless enabled, expiring JWT
// admin tokens, searchCriteria with filter groups (OR inside a group, AND
// across groups), a currentPage past the end answering the last page again,
// rows tied by a sort that is not total coming back in a different order on
// each page (so such a sort repeats and skips rows, as MySQL does), input
// limits on list inputs, invoice and shipment creation that refuses
// more than what remains, async bulk operations that complete over time,
// and Magento's error body (message with %1 or %name placeholders filled
// from parameters).
//
// ContractValidator (contract.go) checks requests and responses against the
// official admin schema; the simulator's tests run every call through it
// and the Magento connector's tests can do the same.
package magento

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/seed"
)

// Options configure the simulator. Zero values take the documented
// defaults.
type Options struct {
	// Catalog is the shared seed data set; nil generates the default one
	// (seed.Generate with a zero Config).
	Catalog *seed.Catalog
	// Clock returns the current time (default time.Now). Record timestamps,
	// token expiry, OAuth timestamps and bulk progress all read it.
	Clock func() time.Time

	// ConsumerKey, ConsumerSecret, AccessToken and AccessTokenSecret are the
	// integration's OAuth 1.0a credentials. Defaults are fixed 32-character
	// strings (Magento's token length), printed by Credentials.
	ConsumerKey, ConsumerSecret, AccessToken, AccessTokenSecret string
	// AllowBearerIntegrationToken accepts the integration access token as a
	// standalone bearer token, like Magento's "Allow OAuth Access Tokens to
	// be used as standalone Bearer tokens" setting (off by default).
	AllowBearerIntegrationToken bool
	// AllowHMACSHA1 accepts HMAC-SHA1 signatures, as Magento before 2.4.4
	// did. Off by default: 2.4.4+ answers 400 "Signature method %1 is not
	// supported".
	AllowHMACSHA1 bool

	// AdminUsername and AdminPassword are the admin user's credentials for
	// POST /V1/integration/admin/token (default "admin" / "sandbox-admin-123").
	AdminUsername, AdminPassword string
	// AdminTokenLifetime is how long an admin token lasts (default 4h).
	AdminTokenLifetime time.Duration

	// OrderStatuses adds custom order statuses to states, as a merchant
	// assigns them under Stores > Order Status (for example {"new":
	// {"erp_confirmed"}}). An order comment may set only a status of the
	// order's current state.
	OrderStatuses map[string][]string

	// InputLimits are Magento's web API input limits.
	InputLimits InputLimits

	// BulkOperationDelay is how long the simulated consumer takes per async
	// bulk operation: operation i of a bulk completes BulkOperationDelay×(i+1)
	// after the bulk was accepted (default 50ms).
	BulkOperationDelay time.Duration
}

// InputLimits model Magento's web API input limiting (Stores >
// Configuration > Services > Web API Limits). It is on by default here, as
// 2.4.3 shipped it, so connectors meet the 20-item limit on synchronous
// source-items saves.
type InputLimits struct {
	// Disabled turns input limiting off: list inputs are unbounded and a
	// missing pageSize answers every match.
	Disabled bool
	// MaxSyncListItems is the most entities a synchronous list input
	// accepts (default 20).
	MaxSyncListItems int
	// MaxAsyncListItems is the most entities an async bulk request accepts
	// (default 5000).
	MaxAsyncListItems int
	// MaxPageSize is the largest searchCriteria pageSize (default 300).
	MaxPageSize int
	// DefaultPageSize applies when pageSize is absent (default 20).
	DefaultPageSize int
}

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.ConsumerKey, "mgsandboxconsumerkey000000000001")
	def(&o.ConsumerSecret, "mgsandboxconsumersecret000000001")
	def(&o.AccessToken, "mgsandboxaccesstoken000000000001")
	def(&o.AccessTokenSecret, "mgsandboxaccesstokensecret000001")
	def(&o.AdminUsername, "admin")
	def(&o.AdminPassword, "sandbox-admin-123")
	if o.AdminTokenLifetime <= 0 {
		o.AdminTokenLifetime = 4 * time.Hour
	}
	if o.BulkOperationDelay <= 0 {
		o.BulkOperationDelay = 50 * time.Millisecond
	}
	l := &o.InputLimits
	if l.MaxSyncListItems <= 0 {
		l.MaxSyncListItems = 20
	}
	if l.MaxAsyncListItems <= 0 {
		l.MaxAsyncListItems = 5000
	}
	if l.MaxPageSize <= 0 {
		l.MaxPageSize = 300
	}
	if l.DefaultPageSize <= 0 {
		l.DefaultPageSize = 20
	}
	return o
}

// Vendor is the Magento simulator; it implements sandbox.Vendor and
// sandbox.FaultBodyWriter.
type Vendor struct {
	opts    Options
	catalog *seed.Catalog
	tokens  *tokenIssuer
	nonces  *nonceStore

	mu    sync.RWMutex
	data  *store
	bulks *bulkQueue
}

var (
	_ sandbox.Vendor          = (*Vendor)(nil)
	_ sandbox.FaultBodyWriter = (*Vendor)(nil)
)

// New returns a simulator serving o.Catalog.
func New(o Options) *Vendor {
	o = o.withDefaults()
	cat := o.Catalog
	if cat == nil {
		cat = seed.Generate(seed.Config{})
	}
	v := &Vendor{opts: o, catalog: cat, tokens: newTokenIssuer(), nonces: newNonceStore()}
	v.Reset()
	return v
}

// Name implements sandbox.Vendor.
func (v *Vendor) Name() string { return "magento" }

// Reset implements sandbox.Vendor: the catalog is rendered again and
// pending bulks are dropped. Issued admin tokens and used nonces survive,
// as they are not data.
func (v *Vendor) Reset() {
	data := renderCatalog(v.catalog)
	v.mu.Lock()
	v.data = data
	v.bulks = newBulkQueue()
	v.mu.Unlock()
}

// Credentials implements sandbox.Vendor.
func (v *Vendor) Credentials() map[string]string {
	return map[string]string{
		"consumer_key":        v.opts.ConsumerKey,
		"consumer_secret":     v.opts.ConsumerSecret,
		"access_token":        v.opts.AccessToken,
		"access_token_secret": v.opts.AccessTokenSecret,
		"admin_username":      v.opts.AdminUsername,
		"admin_password":      v.opts.AdminPassword,
		"signature_method":    "HMAC-SHA256",
		"store_code":          "default",
	}
}

func (v *Vendor) now() time.Time { return v.opts.Clock().UTC() }

// handlerFunc handles one authenticated route; body is the request body.
type handlerFunc func(w http.ResponseWriter, r *http.Request, body []byte) error

// anonymous marks a route that needs no authentication.
const anonymous = ""

// maxBody bounds request bodies (Magento's PHP post_max_size is larger;
// this keeps the simulator's memory bounded).
const maxBody = 32 << 20

// handle registers h under /rest/{store}{path} and /rest{path}.
func (v *Vendor) handle(mux *http.ServeMux, method, path, resource string, h handlerFunc) {
	wrapped := func(w http.ResponseWriter, r *http.Request) {
		if store := r.PathValue("store"); store != "" && store != "default" && store != "all" {
			writeError(w, errNoRoute())
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			writeError(w, errPositional(http.StatusBadRequest, "Decoding error: %1", err.Error()))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if resource != anonymous {
			who, err := v.authenticate(r, body, resource)
			if err != nil {
				writeError(w, err)
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), principalKey{}, who))
		}
		v.advanceBulks()
		if err := h(w, r, body); err != nil {
			writeError(w, err)
		}
	}
	mux.HandleFunc(method+" /rest/{store}"+path, wrapped)
	mux.HandleFunc(method+" /rest"+path, wrapped)
}

// principalKey is the context key of the authenticated principal.
type principalKey struct{}

func principalOf(r *http.Request) principal {
	p, _ := r.Context().Value(principalKey{}).(principal)
	return p
}

func errNoRoute() *apiError {
	return errPositional(http.StatusNotFound, "Request does not match any route.")
}

// Register implements sandbox.Vendor.
func (v *Vendor) Register(mux *http.ServeMux) {
	v.handle(mux, "POST", "/V1/integration/admin/token", anonymous, v.handleAdminToken)

	v.handle(mux, "GET", "/V1/orders", "Magento_Sales::actions_view", v.handleSearchOrders)
	v.handle(mux, "GET", "/V1/orders/{id}", "Magento_Sales::actions_view", v.handleGetOrder)
	v.handle(mux, "POST", "/V1/orders/{id}/comments", "Magento_Sales::comment", v.handleOrderComment)
	v.handle(mux, "GET", "/V1/invoices", "Magento_Sales::sales_invoice", v.handleSearchInvoices)
	v.handle(mux, "GET", "/V1/shipments", "Magento_Sales::shipment", v.handleSearchShipments)
	v.handle(mux, "GET", "/V1/invoices/{id}", "Magento_Sales::sales_invoice", v.handleGetInvoice)
	v.handle(mux, "GET", "/V1/shipment/{id}", "Magento_Sales::shipment", v.handleGetShipment)
	v.handle(mux, "POST", "/V1/order/{orderId}/invoice", "Magento_Sales::sales_invoice", v.handleInvoiceOrder)
	v.handle(mux, "POST", "/V1/order/{orderId}/ship", "Magento_Sales::ship", v.handleShipOrder)

	v.handle(mux, "GET", "/V1/products", "Magento_Catalog::products", v.handleSearchProducts)
	v.handle(mux, "GET", "/V1/products/{sku}", "Magento_Catalog::products", v.handleGetProduct)
	v.handle(mux, "POST", "/V1/products", "Magento_Catalog::products", v.handleSaveProduct)
	v.handle(mux, "PUT", "/V1/products/{sku}", "Magento_Catalog::products", v.handleSaveProduct)
	v.handle(mux, "PUT", "/V1/products/{productSku}/stockItems/{itemId}", "Magento_CatalogInventory::cataloginventory", v.handleUpdateStockItem)
	v.handle(mux, "GET", "/V1/inventory/source-items", "Magento_InventoryApi::source", v.handleSearchSourceItems)
	v.handle(mux, "POST", "/V1/inventory/source-items", "Magento_InventoryApi::source_edit", v.handleSaveSourceItems)

	v.handle(mux, "GET", "/V1/customers/search", "Magento_Customer::customer", v.handleSearchCustomers)
	v.handle(mux, "GET", "/V1/customers/{customerId}", "Magento_Customer::customer", v.handleGetCustomer)
	v.handle(mux, "POST", "/V1/customers", "Magento_Customer::manage", v.handleCreateCustomer)
	v.handle(mux, "PUT", "/V1/customers/{customerId}", "Magento_Customer::manage", v.handleUpdateCustomer)

	v.handle(mux, "POST", "/async/bulk/V1/products", "Magento_Catalog::products", v.handleBulkProducts)
	v.handle(mux, "POST", "/async/bulk/V1/inventory/source-items", "Magento_InventoryApi::source_edit", v.handleBulkSourceItems)
	v.handle(mux, "GET", "/V1/bulk/{bulkUuid}/status", "Magento_Logging::system_magento_logging_bulk_operations", v.handleBulkStatus)

	mux.HandleFunc("/rest/", func(w http.ResponseWriter, _ *http.Request) { writeError(w, errNoRoute()) })
}
