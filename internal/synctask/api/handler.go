package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/synctask"
)

// Handler serves the API for one store.
type Handler struct {
	// open returns the store for one request and a function releasing it.
	open func(context.Context) (*synctask.Shared, func(), error)
	// tokenSum is the SHA-256 of the bearer token; nil when none is set.
	tokenSum []byte
	mux      *http.ServeMux
	// retried and requests are metrics, set by Mount (nil in bare use).
	retried  *service.MetricCounter
	requests *service.MetricCounter
}

// Routes lists every route the Handler serves, as "METHOD /path/{param}".
// The OpenAPI conformance test compares it with docs/api.
var Routes = []string{
	"GET /datawald/v1/tasks",
	"GET /datawald/v1/tasks/{id}",
	"POST /datawald/v1/tasks/{id}/retry",
	"GET /datawald/v1/entities",
	"GET /datawald/v1/entity",
	"POST /datawald/v1/retry",
	"POST /datawald/v1/push/{name}",
}

// NewHandler returns the API handler for store. An empty token means the
// API answers only on loopback connections.
func NewHandler(store *synctask.Shared, token string) *Handler {
	return newHandler(func(context.Context) (*synctask.Shared, func(), error) { return store, func() {}, nil }, token)
}

// NewDSNHandler returns the API handler for the store named by dsn. Each
// request acquires the store from the process registry and releases it
// when done, so the handler can be mounted before any component opened the
// store, keeps working after one closed it, and answers 503 naming the
// failure while the store is unreachable.
func NewDSNHandler(dsn, token string) *Handler {
	return newHandler(func(ctx context.Context) (*synctask.Shared, func(), error) {
		s, err := synctask.Acquire(ctx, dsn)
		if err != nil {
			return nil, nil, err
		}
		return s, func() { _ = s.Release(context.Background()) }, nil
	}, token)
}

func newHandler(open func(context.Context) (*synctask.Shared, func(), error), token string) *Handler {
	h := &Handler{open: open, mux: http.NewServeMux()}
	if token != "" {
		sum := sha256.Sum256([]byte(token))
		h.tokenSum = sum[:]
	}
	handlers := []http.HandlerFunc{h.listTasks, h.getTask, h.retryTask, h.listEntities, h.getEntity, h.retryFilter, h.push}
	for i, route := range Routes {
		h.mux.HandleFunc(route, handlers[i])
	}
	return h
}

// ServeHTTP authenticates the request and routes it. Paths are matched from
// "/datawald/v1/" on, so the API also works under a streams-mode prefix.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.requests != nil {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() { h.requests.Incr(1, strconv.Itoa(sw.status)) }()
		w = sw
	}
	if !h.authorised(w, r) {
		return
	}
	if i := strings.Index(r.URL.Path, Prefix); i > 0 {
		r2 := r.Clone(r.Context())
		r2.URL.Path = r.URL.Path[i:]
		r2.URL.RawPath = ""
		r = r2
	}
	if _, pattern := h.mux.Handler(r); pattern == "" {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no route %s %s", r.Method, r.URL.Path))
		return
	}
	store, release, err := h.open(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "opening the sync-task store: "+err.Error())
		return
	}
	defer release()
	h.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), storeKey{}, store)))
}

type storeKey struct{}

// storeOf returns the store ServeHTTP opened for r.
func storeOf(r *http.Request) *synctask.Shared {
	return r.Context().Value(storeKey{}).(*synctask.Shared)
}

func (h *Handler) authorised(w http.ResponseWriter, r *http.Request) bool {
	if h.tokenSum == nil {
		if addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && !isLoopback(addr) {
			writeError(w, http.StatusForbidden, fmt.Sprintf(
				"the sync-task API has no bearer token configured, so it only answers on loopback addresses; this request arrived on %s (set the token environment variable to serve other addresses)", addr))
			return false
		}
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	sum := sha256.Sum256([]byte(got))
	if !ok || subtle.ConstantTimeCompare(sum[:], h.tokenSum) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="datawald"`)
		writeError(w, http.StatusUnauthorized, "missing or wrong bearer token")
		return false
	}
	return true
}

func isLoopback(addr net.Addr) bool {
	host := addr.String()
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// statusWriter remembers the status code for metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// badRequest marks a client error in a filter or body.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

func badf(format string, args ...any) error { return &badRequest{msg: fmt.Sprintf(format, args...)} }

// writeStoreError maps an error to a status: 400 for bad input, 404 for
// missing things, 500 otherwise.
func writeStoreError(w http.ResponseWriter, err error) {
	var br *badRequest
	var ic *synctask.InvalidCursorError
	switch {
	case errors.As(err, &br), errors.As(err, &ic):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, synctask.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	default:
		writeError(w, http.StatusInternalServerError, "sync-task store: "+err.Error())
	}
}
