package netsuite

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Error codes NetSuite REST web services put in o:errorDetails[].o:errorCode.
const (
	codeInvalidLogin      = "INVALID_LOGIN"
	codeInvalidParameter  = "INVALID_PARAMETER"
	codeInvalidHeader     = "INVALID_HEADER"
	codeInvalidContent    = "INVALID_CONTENT"
	codeInvalidID         = "INVALID_ID"
	codeNonexistentID     = "NONEXISTENT_ID"
	codeUserError         = "USER_ERROR"
	codeIdempotencyError  = "IDEMPOTENCY_ERROR"
	codeConcurrencyLimit  = "CONCURRENCY_LIMIT_EXCEEDED"
	codeUnexpectedError   = "UNEXPECTED_ERROR"
	codeMethodNotAllowed  = "METHOD_NOT_ALLOWED"
	codeInvalidRecordType = "INVALID_RCRD_TYPE"
)

// loginFailureDetail is the text NetSuite answers to every failed login,
// whatever the cause: the real reason is only in the account's Login Audit
// Trail.
const loginFailureDetail = "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail."

// auditHeader carries the reason of a failed login, standing in for
// NetSuite's Login Audit Trail. The real API never says why a login failed;
// the header lets tests and developers tell a stale timestamp from a bad
// signature without reading server logs.
const auditHeader = "X-Sandbox-Login-Audit"

// errorMediaType is the Content-Type of NetSuite REST error responses.
const errorMediaType = "application/vnd.oracle.resource+json; type=error"

// apiError is one NetSuite REST error response: an HTTP status and one entry
// of o:errorDetails.
type apiError struct {
	Status     int
	Title      string // defaults to http.StatusText(Status)
	TypeURL    string // defaults to the RFC 2616 section of Status
	Code       string
	Detail     string
	Path       string // o:errorPath: JSON path of the offending body value
	QueryParam string // o:errorQueryParam
	Header     string // o:errorHeader
	Location   string // Location response header (idempotency conflicts)
	Audit      string // reason of a login failure, sent in auditHeader only
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Detail)
}

// errorf returns an apiError with a formatted detail.
func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Detail: fmt.Sprintf(format, args...)}
}

func loginError(reason string) *apiError {
	return &apiError{Status: http.StatusUnauthorized, Code: codeInvalidLogin, Detail: loginFailureDetail, Audit: reason}
}

func notFound(typ, id string) *apiError {
	return &apiError{
		Status: http.StatusNotFound, Code: codeNonexistentID,
		Detail: fmt.Sprintf("The record instance does not exist. Provide a valid record instance ID. (%s %s)", typ, id),
	}
}

// statusTypeURL maps a status to the "type" URL NetSuite puts in error
// bodies: a section of RFC 2616 (RFC 6585 for 429).
func statusTypeURL(status int) string {
	sections := map[int]string{
		400: "sec10.4.1", 401: "sec10.4.2", 403: "sec10.4.4", 404: "sec10.4.5", 405: "sec10.4.6",
		409: "sec10.4.10", 415: "sec10.4.16", 500: "sec10.5.1", 502: "sec10.5.3", 503: "sec10.5.4",
	}
	if status == http.StatusTooManyRequests {
		return "https://tools.ietf.org/html/rfc6585#section-4"
	}
	if s, ok := sections[status]; ok {
		return "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#" + s
	}
	return "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html"
}

// errorDetail is one entry of o:errorDetails.
type errorDetail struct {
	Detail     string `json:"detail"`
	Code       string `json:"o:errorCode"`
	Path       string `json:"o:errorPath,omitempty"`
	QueryParam string `json:"o:errorQueryParam,omitempty"`
	Header     string `json:"o:errorHeader,omitempty"`
}

// errorBody is NetSuite's REST error document.
type errorBody struct {
	Type    string        `json:"type"`
	Title   string        `json:"title"`
	Status  int           `json:"status"`
	Details []errorDetail `json:"o:errorDetails"`
}

func (e *apiError) body() errorBody {
	b := errorBody{Type: e.TypeURL, Title: e.Title, Status: e.Status, Details: []errorDetail{{
		Detail: e.Detail, Code: e.Code, Path: e.Path, QueryParam: e.QueryParam, Header: e.Header,
	}}}
	if b.Type == "" {
		b.Type = statusTypeURL(e.Status)
	}
	if b.Title == "" {
		b.Title = http.StatusText(e.Status)
	}
	return b
}

// writeError answers the request with e as NetSuite's error document.
func writeError(w http.ResponseWriter, e *apiError) {
	h := w.Header()
	h.Set("Content-Type", errorMediaType)
	if e.Location != "" {
		h.Set("Location", e.Location)
	}
	if e.Audit != "" {
		h.Set(auditHeader, e.Audit)
	}
	w.WriteHeader(e.Status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(e.body())
}

// WriteFault writes NetSuite's error document for a fault injected by the
// sandbox core (429, 500, 502 or 503).
func (v *Vendor) WriteFault(w http.ResponseWriter, status int) {
	switch status {
	case http.StatusTooManyRequests:
		writeError(w, concurrencyError())
	case http.StatusInternalServerError:
		writeError(w, errorf(status, codeUnexpectedError, "An unexpected error occurred. Error ID: sandbox-fault"))
	default:
		writeError(w, errorf(status, codeUnexpectedError, "The service is temporarily unavailable. Try again later."))
	}
}

func concurrencyError() *apiError {
	return &apiError{
		Status: http.StatusTooManyRequests, Code: codeConcurrencyLimit,
		Detail: "Concurrent request limit exceeded. Request blocked.",
	}
}
