package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// HTTPError is a non-2xx response. Vendor clients fill Code and Message
// from the vendor's error body through their ErrorDecoder. URL never holds
// credentials. Use errors.As to get one from a wrapped error.
type HTTPError struct {
	Vendor   string
	Status   int
	Method   string
	URL      string // redacted
	Endpoint string // path template
	// Code and Message are the vendor's error code and human message.
	Code    string
	Message string
	// RetryAfter is the server's requested wait, zero when it gave none.
	RetryAfter time.Duration
	// Attempts is how many attempts were made before giving up.
	Attempts int
	// retryable overrides the status-based classification when set by a
	// decoder (e.g. a vendor's 400 that means "concurrency limit").
	retryable *bool
}

// Error renders the error without secrets: vendor, method, redacted URL,
// status and the vendor's code and message.
func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("%s %s %s: %d %s", e.Vendor, e.Method, e.URL, e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		msg += " [" + e.Code + "]"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return msg
}

// Retryable reports whether the same request may succeed later: 408, 425,
// 429 and 5xx are, unless the vendor decoder said otherwise.
func (e *HTTPError) Retryable() bool {
	if e.retryable != nil {
		return *e.retryable
	}
	return statusRetryable(e.Status)
}

// SetRetryable lets an ErrorDecoder override the status-based
// classification, e.g. for a vendor that reports rate limits as 400.
func (e *HTTPError) SetRetryable(v bool) { e.retryable = &v }

func statusRetryable(status int) bool {
	switch {
	case status == http.StatusRequestTimeout, status == http.StatusTooEarly, status == http.StatusTooManyRequests:
		return true
	case status >= 500 && status != http.StatusNotImplemented && status != http.StatusHTTPVersionNotSupported:
		return true
	}
	return false
}

// TransportError is a request that got no HTTP response: a refused or
// dropped connection, a per-attempt timeout, a TLS failure. It is always
// retryable; when the caller's context ends, Do returns the context's error
// instead.
type TransportError struct {
	Vendor   string
	Method   string
	URL      string // redacted
	Attempts int
	Err      error
}

func (e *TransportError) Error() string {
	msg := fmt.Sprintf("%s %s %s: %v", e.Vendor, e.Method, e.URL, e.Err)
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return msg
}

func (e *TransportError) Unwrap() error { return e.Err }

// Retryable reports true: a transport failure may be transient.
func (e *TransportError) Retryable() bool { return true }

// ResponseTooLargeError is a response whose body exceeded the client's
// MaxResponseBytes. It is not retryable.
type ResponseTooLargeError struct {
	Vendor string
	Method string
	URL    string // redacted
	Limit  int64
}

func (e *ResponseTooLargeError) Error() string {
	return fmt.Sprintf("%s %s %s: response body exceeds the %d byte limit", e.Vendor, e.Method, e.URL, e.Limit)
}

// IsRetryable reports whether err (or anything it wraps) is a transient
// failure worth retrying later: a retryable *HTTPError or *TransportError.
// Context cancellation is never retryable.
func IsRetryable(err error) bool {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Retryable()
	}
	var te *TransportError
	if errors.As(err, &te) {
		return te.Retryable()
	}
	return false
}
