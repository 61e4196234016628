package hubspot

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
)

// HubSpot error categories used by the simulator. They are the values the
// real API puts in an error body's "category" field.
const (
	categoryValidation     = "VALIDATION_ERROR"
	categoryNotFound       = "OBJECT_NOT_FOUND"
	categoryConflict       = "CONFLICT"
	categoryAuthentication = "INVALID_AUTHENTICATION"
	categoryRateLimits     = "RATE_LIMITS"
	categoryInternal       = "INTERNAL_ERROR"
)

// apiError is HubSpot's standard error body: status, message,
// correlationId, category, and optionally subCategory, context, errors and
// links. The rate-limit variant also carries errorType and policyName.
type apiError struct {
	Status        string              `json:"status"`
	Message       string              `json:"message"`
	CorrelationID string              `json:"correlationId"`
	Category      string              `json:"category"`
	SubCategory   string              `json:"subCategory,omitempty"`
	Context       map[string][]string `json:"context,omitempty"`
	Errors        []errorDetail       `json:"errors,omitempty"`
	Links         map[string]string   `json:"links,omitempty"`
	ErrorType     string              `json:"errorType,omitempty"`
	PolicyName    string              `json:"policyName,omitempty"`

	httpStatus int
}

// errorDetail is one entry of an error body's errors array.
type errorDetail struct {
	Message string              `json:"message"`
	Code    string              `json:"code,omitempty"`
	In      string              `json:"in,omitempty"`
	Context map[string][]string `json:"context,omitempty"`
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.httpStatus, e.Category, e.Message)
}

func newError(status int, category, format string, args ...any) *apiError {
	return &apiError{
		Status:        "error",
		Message:       fmt.Sprintf(format, args...),
		CorrelationID: correlationID(),
		Category:      category,
		httpStatus:    status,
	}
}

func validationError(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, categoryValidation, format, args...)
}

func notFoundError() *apiError {
	return newError(http.StatusNotFound, categoryNotFound, "resource not found")
}

// correlationID returns a random UUID v4 string, as HubSpot puts in every
// error body.
func correlationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.httpStatus, e)
}

// WriteFault writes the body HubSpot sends with an injected fault's status:
// the ten-secondly rate-limit body for 429 and an internal error otherwise.
// It implements sandbox.FaultBodyWriter.
func (v *Vendor) WriteFault(w http.ResponseWriter, status int) {
	if status == http.StatusTooManyRequests {
		writeError(w, tenSecondlyError())
		return
	}
	e := newError(status, categoryInternal, "internal error")
	writeError(w, e)
}
