package sapb1

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// HeaderReplaceCollections makes a PATCH replace the collections it
// carries (DocumentLines, BPAddresses...) instead of merging into them.
const HeaderReplaceCollections = "B1S-ReplaceCollectionsOnPatch"

// CollectionMode says what an Update does to the collections in its body.
type CollectionMode int

const (
	// ReplaceCollections (the default) sends
	// B1S-ReplaceCollectionsOnPatch: true: each collection in the body
	// becomes exactly its elements, lines left out are removed. Such a
	// PATCH can be repeated safely.
	ReplaceCollections CollectionMode = iota
	// MergeCollections is the Service Layer's own PATCH rule: an element
	// matching a stored one by its key (LineNum) updates it, any other is
	// appended. Sending an order's lines twice doubles them.
	MergeCollections
)

// Get reads the record of e with key. A missing record is an *Error for
// which IsNotFound is true.
func (c *Client) Get(ctx context.Context, e Entity, key string) (json.RawMessage, error) {
	path, err := e.path(key)
	if err != nil {
		return nil, err
	}
	var raw json.RawMessage
	if _, err := c.do(ctx, call{method: http.MethodGet, path: path, endpoint: "/" + e.Set + "({key})", entity: e.Set, key: key}, &raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// Create posts a new record of e and returns it as the Service Layer
// answers (201, with the key it assigned). key names the record in errors
// and may be empty (documents get their DocEntry from the server). A POST
// is not repeated after a failure whose effect is unknown (a timeout, see
// OutcomeUnknown): callers look the record up by a natural key before
// trying again.
func (c *Client) Create(ctx context.Context, e Entity, key string, body []byte) (json.RawMessage, error) {
	var raw json.RawMessage
	if _, err := c.do(ctx, call{method: http.MethodPost, path: e.Set, endpoint: "/" + e.Set, body: body, entity: e.Set, key: key}, &raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// Update patches the record of e with key: only the properties in body
// change. With ReplaceCollections the collections in body replace the
// stored ones and the request is safe to repeat; with MergeCollections
// they are merged (lines appended) and it is not: after a failure for
// which OutcomeUnknown is true it must not be sent again.
func (c *Client) Update(ctx context.Context, e Entity, key string, body []byte, mode CollectionMode) error {
	path, err := e.path(key)
	if err != nil {
		return err
	}
	cl := call{method: http.MethodPatch, path: path, endpoint: "/" + e.Set + "({key})", body: body, entity: e.Set, key: key}
	if mode == ReplaceCollections {
		cl.header = http.Header{HeaderReplaceCollections: {"true"}}
		cl.idempotent = true
	}
	_, err = c.do(ctx, cl, nil)
	return err
}

// FindByNumAtCard returns the documents of e (Orders, DeliveryNotes...)
// whose NumAtCard, the customer reference, is ref: the natural key of a
// document created from another system. More than one means the key was
// not kept unique.
func (c *Client) FindByNumAtCard(ctx context.Context, e Entity, ref string) ([]json.RawMessage, error) {
	if e.Type != "Document" {
		return nil, fmt.Errorf("finding %s by NumAtCard: %s are not documents", e.Set, e.Set)
	}
	recs, err := c.All(ctx, e.Set, Query{Filter: "NumAtCard eq " + StringLiteral(ref), OrderBy: []string{"DocEntry"}}, 20)
	if err != nil {
		return nil, fmt.Errorf("finding %s by NumAtCard %q: %w", e.Set, ref, err)
	}
	return recs, nil
}
