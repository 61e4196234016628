// Package hubspot is a typed client for the HubSpot CRM v3 objects API
// (https://developers.hubspot.com/docs/api-reference/legacy/crm/objects),
// built on internal/httpx. It knows HubSpot's routes, its private-app
// bearer authentication, its search request shape and its error bodies, and
// nothing of Benthos.
//
// Routes are <base URL><API prefix>/objects/{objectType}/..., where the
// prefix defaults to "/crm/v3" and is configurable because HubSpot now also
// serves date-versioned APIs ("/crm/objects/2026-03").
//
// Reading (search.go, scan.go): Search runs one POST .../search; Scan reads
// every object modified in a window in the total order (last modified,
// hs_object_id) with keyset queries: each page is a fresh search from the
// last position read, never a deep `after` offset. That is what makes the
// read complete: HubSpot's `after` is an offset into a result set that
// shrinks and shifts while records change (a record modified during the
// read leaves a window bounded by an upper time), and paging to the
// 10,000th result answers 400. A keyset query starts at offset 0 every
// time, so neither can skip a record, however many changed in one window.
//
// Writing (batch.go): BatchRead, BatchCreate and BatchUpdate split their
// inputs into calls of at most MaxBatchInputs (100, HubSpot's limit) and
// return per-input results and errors, so a caller can tell "no such
// object" (an OBJECT_NOT_FOUND entry, or a 404) from a failed call.
//
// Errors (errors.go) are *httpx.HTTPError values carrying HubSpot's message
// and category; 429 (except the DAILY policy, which lasts until midnight),
// 5xx and transport failures are retryable, and httpx retries them,
// honouring Retry-After when HubSpot sends it. Operations wrap them in an
// *ObjectError naming the object type and the ids involved.
package hubspot
