package httpx

import (
	"net/http"
	"net/url"
)

// Request describes one logical API call. It is replayed as is for every
// attempt, so Body is held as bytes rather than a stream.
type Request struct {
	// Method is the HTTP method; empty means GET.
	Method string
	// Path is appended to the client's base URL (already expanded, e.g.
	// "/V1/orders/42"). An absolute URL is used as is.
	Path string
	// Endpoint is the path template used for metrics and logs, e.g.
	// "/V1/orders/{id}". Empty means Path, which may have high cardinality.
	Endpoint string
	// Query is added to the URL.
	Query url.Values
	// Header is added to the request after the client's default headers.
	Header http.Header
	// Body is sent as the request body; nil sends none.
	Body []byte
	// ContentType is the body's media type; empty with a body means
	// "application/json".
	ContentType string
	// Idempotent marks a non-idempotent method (POST, PATCH) as safe to
	// retry, e.g. because it carries an idempotency key or is an upsert by
	// external id. GET, HEAD, PUT, DELETE and OPTIONS are always idempotent.
	Idempotent bool
}

// Response is a completed 2xx response with its body fully read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// Attempts is how many attempts the call took (1 when no retry).
	Attempts int
}

func (r *Request) method() string {
	if r.Method == "" {
		return http.MethodGet
	}
	return r.Method
}

func (r *Request) endpoint() string {
	if r.Endpoint != "" {
		return r.Endpoint
	}
	return r.Path
}

// retrySafe reports whether the request may be sent again after a failure
// whose effect on the server is unknown.
func (r *Request) retrySafe() bool {
	switch r.method() {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return r.Idempotent
}
