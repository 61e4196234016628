package netsuite

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/datawald/datawald/internal/httpx"
)

// Error codes of o:errorDetails the client acts on.
const (
	CodeIdempotency      = "IDEMPOTENCY_ERROR"
	CodeInvalidLogin     = "INVALID_LOGIN"
	CodeRequestLimit     = "SSS_REQUEST_LIMIT_EXCEEDED"
	CodeConcurrencyLimit = "CONCURRENCY_LIMIT_EXCEEDED"
)

// Error is a NetSuite REST error response: the HTTP error (status,
// redacted URL, attempts) and the first entry of o:errorDetails. Use
// errors.As to get one; it unwraps to the *httpx.HTTPError, so code that
// only knows httpx (the sync-task reporter) classifies it too.
type Error struct {
	HTTP *httpx.HTTPError
	// Account is the account the request went to (realm form).
	Account string
	// Code is o:errorCode ("USER_ERROR", "INVALID_CONTENT", ...).
	Code string
	// Detail is NetSuite's message.
	Detail string
	// Path is o:errorPath, the JSON path of the offending body value
	// ("item.items[0].item"), when NetSuite names one.
	Path string
	// QueryParam and Header name the offending query parameter or header.
	QueryParam, Header string
	// Location is the Location header of the error response: for an
	// IDEMPOTENCY_ERROR, the job submitted earlier with the same key.
	Location string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("netsuite account %s: %s %s: %d", e.Account, e.HTTP.Method, e.HTTP.URL, e.HTTP.Status)
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Path != "" {
		msg += " (at " + e.Path + ")"
	}
	if e.HTTP.Attempts > 1 {
		msg += fmt.Sprintf(" (after %d attempts)", e.HTTP.Attempts)
	}
	return msg
}

// Unwrap returns the HTTP error.
func (e *Error) Unwrap() error { return e.HTTP }

// Retryable reports whether the same request may succeed later: 429,
// NetSuite's request-limit codes, 5xx and timeouts are; validation and
// permission errors are not.
func (e *Error) Retryable() bool { return e.HTTP.Retryable() }

// IsRetryable reports whether err is a transient NetSuite or transport
// failure.
func IsRetryable(err error) bool { return httpx.IsRetryable(err) }

// errorDocument is NetSuite's REST error body.
type errorDocument struct {
	Title   string `json:"title"`
	Status  int    `json:"status"`
	Details []struct {
		Detail     string `json:"detail"`
		Code       string `json:"o:errorCode"`
		Path       string `json:"o:errorPath"`
		QueryParam string `json:"o:errorQueryParam"`
		Header     string `json:"o:errorHeader"`
	} `json:"o:errorDetails"`
}

// errorExtras holds what an *httpx.HTTPError has no field for (path, query
// parameter, Location) from the decoder until the client wraps the error in
// an *Error. Only final, non-retryable responses are kept (httpx never
// retries them, so every entry is taken by the client that sent the
// request); transient ones need nothing beyond code and message.
type errorExtras struct {
	m sync.Map // *httpx.HTTPError -> extra
}

type extra struct {
	path, queryParam, header, location string
}

// decoder returns the httpx ErrorDecoder for NetSuite's error document. It
// fills Code and Message from the first o:errorDetails entry and treats the
// request-limit codes NetSuite sends with a 400 (RESTlets) as retryable.
func (x *errorExtras) decoder() httpx.ErrorDecoder {
	return func(e *httpx.HTTPError, header http.Header, body []byte) {
		var doc errorDocument
		if err := json.Unmarshal(body, &doc); err != nil || len(doc.Details) == 0 {
			if doc.Title != "" {
				e.Message = doc.Title
			}
			return
		}
		d := doc.Details[0]
		e.Code, e.Message = d.Code, strings.TrimSpace(d.Detail)
		switch d.Code {
		case CodeRequestLimit, CodeConcurrencyLimit:
			e.SetRetryable(true)
		}
		if e.Retryable() || e.Status == http.StatusUnauthorized {
			return
		}
		x.m.Store(e, extra{path: d.Path, queryParam: d.QueryParam, header: d.Header, location: header.Get("Location")})
	}
}

// wrap turns an *httpx.HTTPError inside err into an *Error (keeping the
// rest of the chain's message out: the *Error says it all). Other errors
// are returned as they are.
func (x *errorExtras) wrap(account AccountID, err error) error {
	var he *httpx.HTTPError
	if err == nil || !errors.As(err, &he) {
		return err
	}
	e := &Error{HTTP: he, Account: account.Realm(), Code: he.Code, Detail: he.Message}
	if v, ok := x.m.LoadAndDelete(he); ok {
		ex := v.(extra)
		e.Path, e.QueryParam, e.Header, e.Location = ex.path, ex.queryParam, ex.header, ex.location
	}
	return e
}
