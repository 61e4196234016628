// Package magento is a typed client for the Magento 2 / Adobe Commerce admin
// REST API (PaaS and on-premise flavour: https://host/rest/<store_code>/V1/...),
// built on internal/httpx. It knows Magento's routes, authentication modes,
// searchCriteria encoding and error bodies, and nothing of Benthos.
//
// Authentication (auth.go): OAuth 1.0a integration signing (HMAC-SHA256),
// a standalone bearer token, or an admin username and password exchanged
// for a token that is renewed before it expires and again on a 401.
//
// Reading (search.go): Criteria builds searchCriteria query parameters
// (filter groups are ANDed, filters inside a group ORed); Search returns one
// page as raw JSON items plus total_count. Callers never page past
// total_count: Magento answers a currentPage beyond the end with the last
// page again.
//
// Writing: typed resources for products (by SKU), MSI source items, legacy
// stock items, order comments and status, invoices, shipments, customers,
// and async bulk requests with their operation status.
//
// Orders have two ids. entity_id is the id in /V1/orders/{id} (GetOrder,
// and every write under an order: comments, invoices, shipments); the
// bloblang/mappings/magento mappings carry it as the canonical
// order_external_ids.magento and the metadata magento_order_id.
// increment_id is the order number customers see ("000000042"), the
// input's dw_src_id for orders, and is resolved to entity_id with one
// search (OrderEntityID, FindOrder). Never parse one as the other: both
// are often numeric and would name different orders.
//
// Errors (errors.go) are *httpx.HTTPError values whose Message is Magento's
// message with its %1…%n or %name placeholders filled from parameters;
// 429, 5xx and transport failures are retryable, other 4xx permanent.
package magento
