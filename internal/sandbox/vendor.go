// Package sandbox is the common server behind datawald's local simulators of
// the vendor APIs (NetSuite, Magento 2, HubSpot, SAP Business One).
//
// A vendor package (internal/sandbox/netsuite, magento, hubspot, sapb1)
// implements Vendor: it registers its API routes on an http.ServeMux and owns
// its data, auth and vendor-specific limits. NewServer wraps a Vendor with the
// parts every simulator shares:
//
//   - fault injection (500/502/503, 429, added latency, dropped connections),
//     set at start through Options and at run time through GET/PUT
//     /_sandbox/faults;
//   - request accounting by endpoint template and status, plus the
//     high-water mark of requests in flight, at GET /_sandbox/stats;
//   - POST /_sandbox/mutate, which changes records as a user would so
//     incremental syncs can be tested;
//   - POST /_sandbox/reset, which restores the seeded data set and clears the
//     statistics.
//
// Routes under /_sandbox/ are never counted and never faulted.
package sandbox

import (
	"fmt"
	"net/http"
	"time"
)

// Vendor is one simulated vendor API.
//
// Register is called once, by NewServer, before the server handles any
// request. The handlers it registers, Reset, Mutate and Credentials may all
// be called concurrently with each other: the vendor guards its own data.
type Vendor interface {
	// Name is the vendor's short name: "netsuite", "magento", "hubspot" or
	// "sapb1".
	Name() string
	// Register adds the vendor's routes to mux using Go 1.22+
	// "METHOD /path/{var}" patterns. The pattern string is the endpoint
	// template reported by /_sandbox/stats, so register templates
	// ("GET /record/v1/{type}/{id}"), never one route per record.
	Register(mux *http.ServeMux)
	// Reset restores the seeded data set, discarding every change made
	// through the API or Mutate. It is called by POST /_sandbox/reset.
	Reset()
	// Mutate changes records as a user of the vendor's UI would, so that
	// incremental syncs have something to pick up. Errors caused by the
	// request (unknown entity, unknown id, bad field) must be a
	// *BadRequestError; any other error is reported as a 500.
	Mutate(req MutateRequest) (MutateResult, error)
	// Credentials returns what a client needs to authenticate (account id,
	// consumer keys, tokens, user and password...), keyed by a name the
	// `datawald sandbox` command prints as is.
	Credentials() map[string]string
}

// FaultBodyWriter is implemented by a Vendor whose injected faults should
// carry the vendor's real error body and headers (NetSuite's o:errorDetails,
// HubSpot's policyName, SAP's error object...). WriteFault must write the
// whole response, including the status line, for status 429, 500, 502 or
// 503. Vendors that do not implement it get a small JSON body from the core.
type FaultBodyWriter interface {
	WriteFault(w http.ResponseWriter, status int)
}

// MutateRequest is the JSON body of POST /_sandbox/mutate.
type MutateRequest struct {
	// Entity is the vendor's own entity name: "salesOrder" for NetSuite,
	// "orders" for Magento, "contacts" for HubSpot, "Items" for SAP B1...
	Entity string `json:"entity"`
	// IDs are the records to change. When empty the vendor picks Count
	// records deterministically (the same request on the same data picks
	// the same records).
	IDs []string `json:"ids,omitempty"`
	// Count is how many records to change when IDs is empty.
	Count int `json:"count,omitempty"`
	// SameSecond makes every changed record share one modification second,
	// the trap that breaks cursors keyed on a second-precision timestamp.
	SameSecond bool `json:"same_second,omitempty"`
	// Set holds the fields to set, in the vendor's own field names. When
	// empty the vendor makes a realistic change (a new price, a status
	// change, an edited phone number...).
	Set map[string]any `json:"set,omitempty"`
}

// MutateResult is the JSON answer of POST /_sandbox/mutate.
type MutateResult struct {
	// Changed lists the ids of the changed records, in the vendor's own id
	// format.
	Changed []string `json:"changed"`
	// ModifiedAt is the modification time given to the changed records (the
	// latest one when SameSecond is false).
	ModifiedAt time.Time `json:"modified_at"`
}

// BadRequestError is returned by Vendor.Mutate when the request itself is
// wrong. /_sandbox/mutate answers it with 400 and the message.
type BadRequestError struct {
	Message string
}

// Error returns the message.
func (e *BadRequestError) Error() string { return e.Message }

// BadRequestf returns a *BadRequestError with a formatted message.
func BadRequestf(format string, args ...any) *BadRequestError {
	return &BadRequestError{Message: fmt.Sprintf(format, args...)}
}

// PickSpread answers a MutateRequest without IDs the way the HubSpot and
// SAP B1 simulators do: it picks count of candidates (in their stored
// order) spread evenly over the list, the first one included, so the same
// request on the same data changes the same records. A count below 1 or
// above len(candidates) is a *BadRequestError; noun names the candidates in
// its message ("live contacts" → "count 9 exceeds the 8 live contacts").
func PickSpread[T any](candidates []T, count int, noun string) ([]T, error) {
	if count < 1 {
		return nil, BadRequestf("mutate needs ids or a count above 0")
	}
	if count > len(candidates) {
		return nil, BadRequestf("count %d exceeds the %d %s", count, len(candidates), noun)
	}
	step := float64(len(candidates)) / float64(count)
	out := make([]T, count)
	for i := range out {
		out[i] = candidates[int(float64(i)*step)]
	}
	return out, nil
}
