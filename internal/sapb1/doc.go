// Package sapb1 is a typed client for the SAP Business One Service Layer
// (b1s/v1, OData v3), built on internal/httpx. It knows the Service Layer's
// session login, entity sets, OData query options and error bodies, and
// nothing of Benthos.
//
// Sessions (session.go): POST /Login with CompanyDB, UserName and Password
// opens a session whose B1SESSION and ROUTEID cookies (the second pins the
// session to one node behind the load balancer) are sent with every
// request. An expired session answers 401 with code 301: the client logs in
// again through httpx's Reauthorizer and repeats the request once; requests
// that fail together on one expired session share one new login. A login
// that fails is a *LoginError naming the company and user (IsLoginFailure),
// also when it is the new login after a 401. Close logs out. The password and the session id never appear in an error, a
// log line or a metric.
//
// Reading (query.go, scan.go): Query builds $filter, $select and $orderby;
// List reads one server-driven page (Prefer: odata.maxpagesize) and Pages
// follows odata.nextLink to the end. Scan reads an entity set incrementally
// by (UpdateDate, UpdateTime, key): UpdateDate is a date whose time part
// B1 ignores and UpdateTime a time of day whose date part B1 ignores, so a
// filter on either alone misses or re-reads records. Each page is a new
// keyset query from the last record read rather than a $skip link, which
// would skip records when one already read changes during the scan.
//
// Writing (writes.go): Create (POST), Update (PATCH) and lookups by key or
// by NumAtCard. PATCH merges collections such as DocumentLines, appending
// every line it does not match by LineNum: re-sending an order's lines
// would double them. Update therefore sends B1S-ReplaceCollectionsOnPatch:
// true unless the caller asks for the merge explicitly.
//
// Errors (errors.go) are *Error values carrying SAP's numeric code and
// message, the entity set and the key; they unwrap to *httpx.HTTPError, so
// 429, 5xx and transport failures classify as retryable and other 4xx as
// permanent. OutcomeUnknown tells a failed write that may have been applied
// (no answer) from one that was not; IsDuplicate is SAP's -2035.
package sapb1
