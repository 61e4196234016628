package magento

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/datawald/datawald/internal/httpx"
)

// errorBody is Magento's error response: a message whose %1…%n (positional)
// or %name (named) placeholders are filled from parameters, optional
// per-field errors, and an optional code.
type errorBody struct {
	Message    string          `json:"message"`
	Parameters json.RawMessage `json:"parameters"`
	Code       json.RawMessage `json:"code"`
	Errors     []struct {
		Message    string          `json:"message"`
		Parameters json.RawMessage `json:"parameters"`
	} `json:"errors"`
}

// DecodeError is the httpx.ErrorDecoder for Magento: it renders message
// with its parameters (and any errors[] entries) into e.Message and copies
// code into e.Code. Bodies that are not Magento JSON (a CDN's or a
// maintenance page's HTML) leave e untouched, so httpx keeps an excerpt.
//
// Classification follows the status (429 and 5xx retryable), with one
// correction: a 400 for exceeding input limits is permanent for the same
// request, but callers should split it (see IsInputLimit).
func DecodeError(e *httpx.HTTPError, _ http.Header, body []byte) {
	var b errorBody
	if err := json.Unmarshal(body, &b); err != nil || b.Message == "" {
		return
	}
	msg := RenderMessage(b.Message, b.Parameters)
	var details []string
	for _, it := range b.Errors {
		d := RenderMessage(it.Message, it.Parameters)
		if d != "" && d != msg {
			details = append(details, d)
		}
	}
	if len(details) > 0 {
		msg += " (" + strings.Join(details, "; ") + ")"
	}
	e.Message = msg
	if len(b.Code) > 0 && string(b.Code) != "null" {
		var s string
		if json.Unmarshal(b.Code, &s) == nil {
			e.Code = s
		} else {
			e.Code = string(b.Code)
		}
	}
}

// RenderMessage fills Magento placeholders: %1…%n from a JSON array of
// parameters, %name from a JSON object. Unknown placeholders are kept.
func RenderMessage(message string, params json.RawMessage) string {
	if len(params) == 0 {
		return message
	}
	var list []any
	if json.Unmarshal(params, &list) == nil {
		// Highest index first so %1 does not eat the prefix of %10.
		for i := len(list); i >= 1; i-- {
			message = strings.ReplaceAll(message, "%"+strconv.Itoa(i), scalar(list[i-1]))
		}
		return message
	}
	var named map[string]any
	if json.Unmarshal(params, &named) == nil {
		keys := make([]string, 0, len(named))
		for k := range named {
			keys = append(keys, k)
		}
		// Longest name first so %field does not eat the prefix of %fieldName.
		sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
		for _, k := range keys {
			message = strings.ReplaceAll(message, "%"+k, scalar(named[k]))
		}
	}
	return message
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Status returns the HTTP status of a Magento error, 0 when err is not an
// HTTP answer (a transport failure, a cancelled context).
func Status(err error) int {
	var he *httpx.HTTPError
	if errors.As(err, &he) {
		return he.Status
	}
	return 0
}

// Message returns Magento's rendered message, or err's text when err is not
// a Magento answer. It is what an F outcome records.
func Message(err error) string {
	var he *httpx.HTTPError
	if errors.As(err, &he) && he.Message != "" {
		return he.Message
	}
	return err.Error()
}

// Code returns a short code for an outcome record: Magento's code when it
// sent one, else "HTTP_<status>", else "TRANSPORT".
func Code(err error) string {
	var he *httpx.HTTPError
	if errors.As(err, &he) {
		if he.Code != "" {
			return he.Code
		}
		return fmt.Sprintf("HTTP_%d", he.Status)
	}
	return "TRANSPORT"
}

// IsNotFound reports a 404 (NoSuchEntityException).
func IsNotFound(err error) bool { return Status(err) == http.StatusNotFound }

// IsRetryable reports whether err is transient (429, 5xx, network).
func IsRetryable(err error) bool { return httpx.IsRetryable(err) }

// IsInputLimit reports Magento's input-limiting refusal ("The number of
// items … exceeds the maximum …"), which means the request must be split.
func IsInputLimit(err error) bool {
	if Status(err) != http.StatusBadRequest {
		return false
	}
	m := strings.ToLower(Message(err))
	return strings.Contains(m, "maximum") && (strings.Contains(m, "item") || strings.Contains(m, "entit"))
}
