package magento

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// apiError is Magento's REST error body (definition error-response in the
// admin schema): a message whose %1…%n or %name placeholders are filled from
// parameters, optional per-field errors, and the HTTP status it is sent with.
//
// Magento sends parameters as a JSON array for positional placeholders
// ("Signature method %1 is not supported", ["HMAC-SHA1"]) and as a JSON object
// for named ones ("The consumer isn't authorized to access %resources.",
// {"resources": "Magento_Sales::actions_view"}). Both shapes are reproduced.
type apiError struct {
	status     int
	Message    string         `json:"message"`
	Errors     []apiErrorItem `json:"errors,omitempty"`
	Parameters any            `json:"parameters,omitempty"`
}

// apiErrorItem is one entry of error-response.errors (input exceptions).
type apiErrorItem struct {
	Message    string `json:"message"`
	Parameters any    `json:"parameters,omitempty"`
}

// Error renders the message with its parameters substituted, as a client
// shows it.
func (e *apiError) Error() string {
	return fmt.Sprintf("magento %d: %s", e.status, renderMessage(e.Message, e.Parameters))
}

// errPositional is an error whose message uses %1…%n placeholders.
func errPositional(status int, message string, params ...any) *apiError {
	e := &apiError{status: status, Message: message}
	if len(params) > 0 {
		ps := make([]any, len(params))
		copy(ps, params)
		e.Parameters = ps
	}
	return e
}

// errNamed is an error whose message uses %name placeholders.
func errNamed(status int, message string, params map[string]any) *apiError {
	return &apiError{status: status, Message: message, Parameters: params}
}

// errInput is Magento's InputException with several field errors: a 400 with
// the generic message and one errors[] entry per field.
func errInput(items ...apiErrorItem) *apiError {
	if len(items) == 1 {
		return &apiError{status: http.StatusBadRequest, Message: items[0].Message, Parameters: items[0].Parameters}
	}
	return &apiError{status: http.StatusBadRequest, Message: "One or more input exceptions have occurred.", Errors: items}
}

// errRequiredField is the item Magento reports for a missing required field.
func errRequiredField(field string) apiErrorItem {
	return apiErrorItem{Message: `"%fieldName" is required. Enter and try again.`, Parameters: map[string]any{"fieldName": field}}
}

// errUnauthorized is the 401 Magento answers whenever the caller cannot be
// identified as a user allowed to reach the route: no credentials, a bad or
// expired token, or an integration token used as a bearer while that is
// disabled. resource is the ACL resource of the route.
func errUnauthorized(resource string) *apiError {
	return errNamed(http.StatusUnauthorized, "The consumer isn't authorized to access %resources.",
		map[string]any{"resources": resource})
}

// errNoSuchEntity is Magento's NoSuchEntityException for a lookup by field
// (customers, source items): 404 "No such entity with %fieldName = %fieldValue".
func errNoSuchEntity(field string, value any) *apiError {
	return errNamed(http.StatusNotFound, "No such entity with %fieldName = %fieldValue",
		map[string]any{"fieldName": field, "fieldValue": value})
}

// errNotFound is a NoSuchEntityException with a fixed message, as the sales
// and catalog repositories throw ("The entity that was requested doesn't
// exist. Verify the entity and try again.").
func errNotFound(message string) *apiError {
	return &apiError{status: http.StatusNotFound, Message: message}
}

// renderMessage substitutes %1…%n (positional) or %name (named) placeholders.
func renderMessage(message string, params any) string {
	switch p := params.(type) {
	case []any:
		// Replace the highest index first so %1 does not eat the prefix of %10.
		for i := len(p); i >= 1; i-- {
			message = strings.ReplaceAll(message, "%"+strconv.Itoa(i), fmt.Sprint(p[i-1]))
		}
	case map[string]any:
		keys := make([]string, 0, len(p))
		for k := range p {
			keys = append(keys, k)
		}
		// Longest name first so %type does not eat the prefix of %typeName.
		sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
		for _, k := range keys {
			message = strings.ReplaceAll(message, "%"+k, fmt.Sprint(p[k]))
		}
	}
	return message
}

// encodeJSON encodes v as PHP's json_encode does by default: no HTML
// escaping of <, > and &.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// writeJSON writes v as Magento does: application/json with charset.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := encodeJSON(v)
	if err != nil {
		writeError(w, errPositional(http.StatusInternalServerError, "Internal Error. Details are available in Magento log file. Report ID: %1", "webapi-encode"))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError writes err as Magento's error body. Errors that are not an
// *apiError become Magento's masked 500.
func writeError(w http.ResponseWriter, err error) {
	e, ok := err.(*apiError)
	if !ok {
		e = errPositional(http.StatusInternalServerError, "Internal Error. Details are available in Magento log file. Report ID: %1", "webapi-sandbox")
	}
	writeJSON(w, e.status, e)
}

// WriteFault implements sandbox.FaultBodyWriter with what a client of a real
// Magento sees when the platform fails: the masked webapi 500, and for 429,
// 502 and 503 the HTML pages of the CDN, proxy or maintenance mode in front
// of it (core Magento has no rate limiting of its own, so 429 never carries a
// Magento JSON body).
func (v *Vendor) WriteFault(w http.ResponseWriter, status int) {
	switch status {
	case http.StatusInternalServerError:
		writeError(w, errPositional(status, "Internal Error. Details are available in Magento log file. Report ID: %1", "webapi-6581f3c0a8b2e"))
	case http.StatusTooManyRequests:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(status)
		_, _ = w.Write([]byte("<html><head><title>429 Too Many Requests</title></head><body><h1>Too Many Requests</h1></body></html>\n"))
	case http.StatusBadGateway:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = w.Write([]byte("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"))
	default:
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte("<!doctype html><html><head><title>Error 503: Service Unavailable</title></head><body><h1>Service Temporarily Unavailable</h1><p>The server is temporarily unable to service your request due to maintenance downtime or capacity problems. Please try again later.</p></body></html>\n"))
	}
}
