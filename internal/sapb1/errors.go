package sapb1

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/datawald/datawald/internal/httpx"
)

// Service Layer error codes the client acts on.
const (
	// CodeInvalidSession answers a request whose session expired, is
	// unknown or reached the wrong node (HTTP 401).
	CodeInvalidSession = 301
	// CodeLoginFailed answers a login with a wrong company, user or
	// password.
	CodeLoginFailed = 100000027
	// CodeNoMatch is "No matching records found (ODBC -2028)": the keyed
	// record does not exist.
	CodeNoMatch = -2028
	// CodeDuplicate is "This entry already exists in the following tables
	// (ODBC -2035)".
	CodeDuplicate = -2035
)

// Error is a Service Layer error response: the HTTP error (status,
// redacted URL, attempts), SAP's numeric code and message, and the record
// the request was about. It unwraps to the *httpx.HTTPError, so code that
// only knows httpx (the sync-task reporter) classifies it too.
type Error struct {
	HTTP *httpx.HTTPError
	// Code is SAP's error code (301, -2028, -10...); 0 when the body was
	// not a Service Layer error (a proxy's page).
	Code int
	// Message is SAP's message (message.value).
	Message string
	// Entity is the entity set ("Orders") and Key the record's key
	// ("12", "C00042"), when the request addressed one.
	Entity, Key string
}

func (e *Error) Error() string {
	what := e.Entity
	if e.Key != "" {
		what += "(" + e.Key + ")"
	}
	if what == "" {
		what = e.HTTP.Endpoint
	}
	msg := fmt.Sprintf("sap b1 %s: %s %s: %d", what, e.HTTP.Method, e.HTTP.URL, e.HTTP.Status)
	if e.Code != 0 {
		msg += fmt.Sprintf(" [%d]", e.Code)
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.HTTP.Attempts > 1 {
		msg += fmt.Sprintf(" (after %d attempts)", e.HTTP.Attempts)
	}
	return msg
}

// Unwrap returns the HTTP error.
func (e *Error) Unwrap() error { return e.HTTP }

// Retryable reports whether the same request may succeed later (429, 5xx).
func (e *Error) Retryable() bool { return e.HTTP.Retryable() }

// IsNotFound reports whether err is SAP's "no matching records" for a
// keyed record (code -2028, or a plain 404).
func IsNotFound(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code == CodeNoMatch || (e.Code == 0 && e.HTTP.Status == http.StatusNotFound)
}

// IsDuplicate reports whether err is SAP's "This entry already exists"
// (code -2035): a create whose key is taken.
func IsDuplicate(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == CodeDuplicate
}

// IsRetryable reports whether err is a transient Service Layer or
// transport failure.
func IsRetryable(err error) bool { return httpx.IsRetryable(err) }

// OutcomeUnknown reports whether a failed write may have been applied all
// the same: the request was sent but got no answer (a per-attempt timeout,
// a dropped connection, the end of its context) or a gateway answered 504
// (it stopped waiting for the Service Layer, which may have finished).
// A refused connection, a failed login and every answer of the Service
// Layer itself (SAP errors, 429, 5xx) leave the record unchanged.
func OutcomeUnknown(err error) bool {
	if err == nil || IsLoginFailure(err) {
		return false
	}
	var he *httpx.HTTPError
	if errors.As(err, &he) {
		return he.Status == http.StatusGatewayTimeout
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return false
	}
	var te *httpx.TransportError
	return errors.As(err, &te) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// LoginError is a failed POST /Login: wrong or changed credentials, a
// locked user, an unknown company, or no answer. It names the company and
// the user, never the password, and wraps the Login request's error.
// Requests that needed a session (the first one, or the one after a 401)
// return it as it is, so callers can tell an authentication failure,
// which no record causes, from a refusal of the record.
type LoginError struct {
	Company, User string
	Err           error
}

func (e *LoginError) Error() string {
	return fmt.Sprintf("logging in to sap b1 company %s as %s: %v", e.Company, e.User, e.Err)
}

// Unwrap returns the Login request's error.
func (e *LoginError) Unwrap() error { return e.Err }

// IsLoginFailure reports whether err is (or wraps) a *LoginError.
func IsLoginFailure(err error) bool {
	var le *LoginError
	return errors.As(err, &le)
}

// errorBody is the Service Layer error document. v1 writes message as
// {"lang","value"}; v2 (OData v4) may write it as a string.
type errorBody struct {
	Error struct {
		Code    json.RawMessage `json:"code"`
		Message json.RawMessage `json:"message"`
	} `json:"error"`
}

// DecodeError is the httpx.ErrorDecoder for the Service Layer: it copies
// the error code into e.Code and message.value into e.Message. Bodies that
// are not Service Layer JSON leave e untouched, so httpx keeps an excerpt.
func DecodeError(e *httpx.HTTPError, _ http.Header, body []byte) {
	var b errorBody
	if err := json.Unmarshal(body, &b); err != nil || len(b.Error.Code) == 0 {
		return
	}
	e.Code = strings.Trim(string(b.Error.Code), `"`)
	var msg struct {
		Value string `json:"value"`
	}
	if json.Unmarshal(b.Error.Message, &msg) == nil && msg.Value != "" {
		e.Message = msg.Value
	} else {
		var s string
		if json.Unmarshal(b.Error.Message, &s) == nil {
			e.Message = s
		}
	}
	e.Message = strings.TrimSpace(e.Message)
}

// wrap turns an *httpx.HTTPError inside err into an *Error naming the
// record; other errors (transport, context, a *LoginError) are returned as
// they are.
func wrap(err error, entity, key string) error {
	var he *httpx.HTTPError
	if err == nil || IsLoginFailure(err) || !errors.As(err, &he) {
		return err
	}
	e := &Error{HTTP: he, Message: he.Message, Entity: entity, Key: key}
	if n, perr := strconv.Atoi(he.Code); perr == nil {
		e.Code = n
	}
	return e
}
