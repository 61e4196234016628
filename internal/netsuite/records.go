package netsuite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/datawald/datawald/internal/httpx"
)

const recordPath = "/services/rest/record/v1/"

// ErrNotFound is wrapped by GetRecord for a record that does not exist.
var ErrNotFound = errors.New("record not found")

// GetRecord reads GET /record/v1/{type}/{id} (id may be "eid:<external
// id>"); with expand, sublists and subrecords are inlined
// (expandSubResources=true). A missing record wraps ErrNotFound.
func (c *Client) GetRecord(ctx context.Context, recordType, id string, expand bool) (json.RawMessage, error) {
	var q url.Values
	if expand {
		q = url.Values{"expandSubResources": {"true"}}
	}
	resp, err := c.do(ctx, &httpx.Request{
		Path:     c.recordURL(recordType, id),
		Endpoint: recordPath + recordType + "/{id}",
		Query:    q,
	}, nil)
	if err != nil {
		var ne *Error
		if errors.As(err, &ne) && ne.HTTP.Status == http.StatusNotFound {
			return nil, fmt.Errorf("reading %s %s: %w: %w", recordType, id, ErrNotFound, err)
		}
		return nil, fmt.Errorf("reading %s %s: %w", recordType, id, err)
	}
	return resp.Body, nil
}

// recordURL is the absolute URL of a record, its id escaped: external ids
// may hold characters ('/', '?', '#', spaces) that must not change the
// URL's structure. It is absolute because httpx joins relative paths in
// decoded form, which would turn an escaped '/' back into a separator.
func (c *Client) recordURL(recordType, id string) string {
	p := recordPath + url.PathEscape(recordType) + "/" + url.PathEscape(id)
	if eid, ok := strings.CutPrefix(id, "eid:"); ok {
		p = recordPath + url.PathEscape(recordType) + "/eid:" + url.PathEscape(eid)
	}
	return c.base + p
}

// WriteOptions tune a record write.
type WriteOptions struct {
	// Replace names sublists whose lines the write replaces instead of
	// merging (?replace=). Without it NetSuite appends the lines of an
	// unkeyed sublist, and new lines of a keyed one, so re-sending an
	// order would double its lines.
	Replace []string
	// Async sends the write with "Prefer: respond-async" and waits for the
	// job's result.
	Async bool
	// IdempotencyKey is sent as X-NetSuite-Idempotency-Key with async
	// writes: NetSuite refuses a second job with the same key, and the
	// client then follows the earlier job instead.
	IdempotencyKey string
	// PollInterval and Timeout bound waiting for an async job (defaults 1s
	// and 10m).
	PollInterval, Timeout time.Duration
}

// WriteResult is a completed write.
type WriteResult struct {
	// ID is the record's internal id, read from the Location header (or
	// from the async job's result).
	ID string
	// Location is the record's URL.
	Location string
	// Duplicate reports an async write whose idempotency key had been
	// used: the result is the earlier job's.
	Duplicate bool
}

// Upsert creates or updates the record of recordType whose external id is
// externalID (PUT /record/v1/{type}/eid:{externalId}).
func (c *Client) Upsert(ctx context.Context, recordType, externalID string, body []byte, o WriteOptions) (WriteResult, error) {
	if externalID == "" {
		return WriteResult{}, fmt.Errorf("upserting %s: the external id is empty", recordType)
	}
	res, err := c.write(ctx, http.MethodPut, c.recordURL(recordType, "eid:"+externalID), recordPath+recordType+"/eid:{externalId}", body, o)
	if err != nil {
		return res, fmt.Errorf("upserting %s %s: %w", recordType, externalID, err)
	}
	return res, nil
}

// Create adds a record (POST /record/v1/{type}). A create is not
// idempotent: it is retried only after a 429 (refused before processing)
// or, with Async and an IdempotencyKey, always.
func (c *Client) Create(ctx context.Context, recordType string, body []byte, o WriteOptions) (WriteResult, error) {
	res, err := c.write(ctx, http.MethodPost, recordPath+url.PathEscape(recordType), recordPath+recordType, body, o)
	if err != nil {
		return res, fmt.Errorf("creating %s: %w", recordType, err)
	}
	return res, nil
}

// Update changes the record with internal id (or "eid:<external id>")
// id (PATCH /record/v1/{type}/{id}). Setting the same fields again gives
// the same record, so with Replace covering every sublist sent it is safe
// to retry.
func (c *Client) Update(ctx context.Context, recordType, id string, body []byte, o WriteOptions) (WriteResult, error) {
	res, err := c.write(ctx, http.MethodPatch, c.recordURL(recordType, id), recordPath+recordType+"/{id}", body, o)
	if err != nil {
		return res, fmt.Errorf("updating %s %s: %w", recordType, id, err)
	}
	return res, nil
}

func (c *Client) write(ctx context.Context, method, path, endpoint string, body []byte, o WriteOptions) (WriteResult, error) {
	r := &httpx.Request{Method: method, Path: path, Endpoint: endpoint, Body: body, Header: http.Header{}}
	if len(o.Replace) > 0 {
		r.Query = url.Values{"replace": {strings.Join(o.Replace, ",")}}
	}
	// PATCH sets fields (sublists named in replace are replaced), so a
	// repeat converges on the same record.
	r.Idempotent = method == http.MethodPatch
	if o.Async {
		r.Header.Set("Prefer", "respond-async")
		if o.IdempotencyKey != "" {
			r.Header.Set("X-NetSuite-Idempotency-Key", o.IdempotencyKey)
			r.Idempotent = true
		}
		return c.writeAsync(ctx, r, o)
	}
	resp, err := c.do(ctx, r, nil)
	if err != nil {
		return WriteResult{}, err
	}
	return resultFromLocation(resp.Header.Get("Location"))
}

// resultFromLocation reads the internal id from a record URL.
func resultFromLocation(loc string) (WriteResult, error) {
	if loc == "" {
		return WriteResult{}, errors.New("the response has no Location header")
	}
	u, err := url.Parse(loc)
	if err != nil {
		return WriteResult{}, fmt.Errorf("parsing Location %q: %w", loc, err)
	}
	p := strings.TrimSuffix(u.Path, "/")
	id := p[strings.LastIndexByte(p, '/')+1:]
	if id == "" || strings.HasPrefix(id, "eid:") {
		return WriteResult{}, fmt.Errorf("Location %q names no internal id", loc)
	}
	return WriteResult{ID: id, Location: loc}, nil
}
