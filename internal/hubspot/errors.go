package hubspot

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/datawald/datawald/internal/httpx"
)

// Error categories HubSpot puts in an error body (and in the per-input
// errors of a 207 batch answer).
const (
	CategoryNotFound   = "OBJECT_NOT_FOUND"
	CategoryValidation = "VALIDATION_ERROR"
	CategoryConflict   = "CONFLICT"
	CategoryRateLimits = "RATE_LIMITS"
)

// policyDaily is the rate-limit policy of the portal's daily budget, which
// retrying before midnight (the portal's time zone) cannot satisfy.
const policyDaily = "DAILY"

// errorBody is the part of HubSpot's standard error (and of the rate-limit
// variant with errorType and policyName) that datawald reports. HubSpot says
// to treat every field as optional. The errors[] details are not kept: the
// message already carries them (a property validation error lists every
// invalid property in it).
type errorBody struct {
	Message       string `json:"message"`
	CorrelationID string `json:"correlationId"`
	Category      string `json:"category"`
	PolicyName    string `json:"policyName"`
	ErrorType     string `json:"errorType"`
}

// DecodeError is the httpx.ErrorDecoder for HubSpot: e.Code becomes the
// category (or policyName for rate limits, or errorType) and e.Message the
// message with the correlation id HubSpot support asks for. A 429 of the
// DAILY policy is not retryable: the budget comes back at midnight. Bodies
// that are not HubSpot JSON leave e untouched (httpx keeps an excerpt).
func DecodeError(e *httpx.HTTPError, _ http.Header, body []byte) {
	var b errorBody
	if err := json.Unmarshal(body, &b); err != nil || (b.Message == "" && b.Category == "") {
		return
	}
	e.Code = b.Category
	if b.PolicyName != "" {
		e.Code = b.PolicyName
	} else if e.Code == "" {
		e.Code = b.ErrorType
	}
	e.Message = b.Message
	if b.CorrelationID != "" {
		e.Message += " (correlationId " + b.CorrelationID + ")"
	}
	if e.Status == http.StatusTooManyRequests && strings.EqualFold(b.PolicyName, policyDaily) {
		e.SetRetryable(false)
	}
}

// ObjectError is a failed operation on objects of one type: what was done,
// to which objects (ids or id_property values; possibly a sample), and the
// underlying *httpx.HTTPError or transport error.
type ObjectError struct {
	Op         string // gerund: "reading", "creating", "updating", "searching"
	ObjectType string
	IDs        []string
	Err        error
}

// maxNamedIDs bounds how many ids an ObjectError lists.
const maxNamedIDs = 5

func (e *ObjectError) Error() string {
	what := e.ObjectType
	switch n := len(e.IDs); {
	case n == 1:
		what += " " + e.IDs[0]
	case n > 1 && n <= maxNamedIDs:
		what += " " + strings.Join(e.IDs, ", ")
	case n > maxNamedIDs:
		what += fmt.Sprintf(" %s and %d more", strings.Join(e.IDs[:maxNamedIDs], ", "), n-maxNamedIDs)
	}
	return fmt.Sprintf("%s hubspot %s: %v", e.Op, what, e.Err)
}

func (e *ObjectError) Unwrap() error { return e.Err }

// Status returns the HTTP status of a HubSpot error, 0 when err is not an
// HTTP answer (a transport failure, a cancelled context).
func Status(err error) int {
	var he *httpx.HTTPError
	if errors.As(err, &he) {
		return he.Status
	}
	return 0
}

// IsNotFound reports a 404 answer: the object does not exist. Nothing else
// (a 429, a 5xx, a timeout) means "not found".
func IsNotFound(err error) bool { return Status(err) == http.StatusNotFound }

// IsDailyLimit reports a 429 of the portal's DAILY policy: the day's
// request budget is used up and comes back at midnight (the portal's time
// zone). It is not retryable within a call, yet nothing about the request
// is wrong: a writer must redeliver it later rather than record it failed.
func IsDailyLimit(err error) bool {
	var he *httpx.HTTPError
	return errors.As(err, &he) && he.Status == http.StatusTooManyRequests && strings.EqualFold(he.Code, policyDaily)
}

// IsRetryable reports whether err is transient (429 other than DAILY, 5xx,
// network).
func IsRetryable(err error) bool { return httpx.IsRetryable(err) }

// InputError is one per-input error of a batch answer (HTTP 207): its
// category, message and the ids it concerns (context.ids), when HubSpot
// names them.
type InputError struct {
	Category string              `json:"category"`
	Message  string              `json:"message"`
	Context  map[string][]string `json:"context"`
}

// IDs returns the ids the error names (context.ids), if any.
func (e InputError) IDs() []string { return e.Context["ids"] }

func (e InputError) Error() string {
	if e.Category == "" {
		return e.Message
	}
	return e.Category + ": " + e.Message
}
