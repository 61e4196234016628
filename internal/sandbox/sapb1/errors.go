package sapb1

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Service Layer error codes the simulator answers with.
const (
	codeInvalidSession = 301       // expired, unknown or misrouted session
	codeLoginFailed    = 100000027 // wrong company, user or password
	codeNoMatch        = -2028     // "No matching records found (ODBC -2028)"
	codeDuplicate      = -2035     // "This entry already exists in the following tables"
	codeInvalidValue   = -10       // a value the business logic refuses
	codeInvalidRequest = -1000     // unknown property, bad query option, bad JSON
	codeMissingField   = -5002     // a required field is empty
	codeBatch          = -1000     // malformed $batch
	codeNotAllowed     = -1        // method not supported on the resource
)

// apiError is the Service Layer v1 error body:
// {"error":{"code":<int>,"message":{"lang":"en-us","value":"..."}}}.
type apiError struct {
	status  int
	code    int
	message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d (code %d): %s", e.status, e.code, e.message)
}

func newError(status, code int, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func badRequest(code int, format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, code, format, args...)
}

func notFound() *apiError {
	return newError(http.StatusNotFound, codeNoMatch, "No matching records found (ODBC -2028)")
}

func invalidSession() *apiError {
	return newError(http.StatusUnauthorized, codeInvalidSession, "Invalid session or session already timeout.")
}

func (e *apiError) body() []byte {
	type message struct {
		Lang  string `json:"lang"`
		Value string `json:"value"`
	}
	type inner struct {
		Code    int     `json:"code"`
		Message message `json:"message"`
	}
	b, _ := json.Marshal(struct {
		Error inner `json:"error"`
	}{inner{e.code, message{"en-us", e.message}}})
	return b
}

// WriteFault writes the Service Layer's error body for an injected fault's
// status. It implements sandbox.FaultBodyWriter. The Service Layer has no
// documented rate limit, so a 429 comes from a proxy in front of it.
func (v *Vendor) WriteFault(w http.ResponseWriter, status int) {
	msg := "Internal server error"
	switch status {
	case http.StatusTooManyRequests:
		msg = "Too many requests"
	case http.StatusBadGateway:
		msg = "Bad gateway"
	case http.StatusServiceUnavailable:
		msg = "Service Unavailable"
	}
	writeError(w, newError(status, -1, "%s", msg))
}

func writeError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/json;odata=minimalmetadata;charset=utf-8")
	w.WriteHeader(e.status)
	_, _ = w.Write(e.body())
}
