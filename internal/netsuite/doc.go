// Package netsuite is datawald's typed client for Oracle NetSuite's SuiteTalk
// REST web services: SuiteQL queries, the record API (read, create, update
// and the external-id upsert PUT, synchronously or as asynchronous jobs with
// idempotency keys), serverTime and governanceLimits. It knows HTTP and
// NetSuite, and nothing of Benthos except fields.go, which declares the
// connection fields the netsuite input and output share.
//
// Every request goes through internal/httpx and through the account's
// concurrency Limiter (governance.go), one per account per process, shared
// by every input, output and stream that talks to that account.
//
// Authentication is OAuth 2.0 client credentials (a JWT assertion signed
// with the private key of the certificate mapped in NetSuite, the default)
// or Token-Based Authentication (OAuth 1.0a, HMAC-SHA256, realm = account
// id). Errors are *Error values carrying o:errorDetails (code, detail, JSON
// path), classified retryable (429, 5xx, timeouts) or permanent.
package netsuite
