// Package httpx is datawald's one HTTP stack. Every vendor client (NetSuite,
// Magento, HubSpot, SAP Business One) sends its requests through a *Client,
// which applies, in order for each attempt:
//
//  1. client-side rate limiting (golang.org/x/time/rate) and an optional
//     concurrency Gate (e.g. NetSuite's per-account limit);
//  2. request signing by a pluggable Signer (bearer, basic, OAuth 1.0a, or a
//     session-cookie signer that can re-authorise once on a 401);
//  3. the request itself, with a bounded response size;
//  4. classification: 2xx returns, anything else becomes a typed *HTTPError
//     (filled in by the vendor's ErrorDecoder); transport failures become a
//     *TransportError;
//  5. retries with jittered exponential backoff for 429, 5xx and transport
//     failures, honouring Retry-After (seconds or HTTP-date), bounded by
//     attempts and elapsed time. Requests that are not idempotent (POST,
//     PATCH) are retried only when the caller marks them safe, except after
//     a 429, which by definition was refused before processing.
//
// Nothing secret leaves the package: URLs are redacted (userinfo, token-like
// query parameters, OAuth parameters) before they reach an error, a log line
// or a metric label, and any value registered as a secret is scrubbed from
// error messages. Metrics are emitted through the Benthos metrics handle.
package httpx
