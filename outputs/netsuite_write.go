package outputs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/netsuite"
	"github.com/datawald/datawald/internal/synctask"
)

// netsuiteInvalidMessage is the F code of a message the output cannot use
// (not a JSON object, no record type or key); nothing was sent.
const netsuiteInvalidMessage = "INVALID_MESSAGE"

// deliver is one attempt: related records, then the message's record.
// Permanent NetSuite errors come back as synctask.Permanent with the
// o:errorCode and the detail (and path); transient ones as retryable
// errors for the reporter to retry.
func (o *netsuiteOutput) deliver(ctx context.Context, msg *service.Message) (synctask.Result, error) {
	recordType, err := interpolate(noFieldRecordType, o.cfg.recordType, msg)
	if err != nil {
		return synctask.Result{}, synctask.Permanent(netsuiteInvalidMessage, err.Error())
	}
	body, err := msg.AsBytes()
	if err != nil {
		return synctask.Result{}, synctask.Permanent(netsuiteInvalidMessage, fmt.Sprintf("reading the message body: %v", err))
	}
	obj, err := netsuiteObject(body)
	if err != nil {
		return synctask.Result{}, synctask.Permanent(netsuiteInvalidMessage, fmt.Sprintf("%s body: %v", recordType, err))
	}
	for _, rel := range o.cfg.related {
		if err := o.upsertRelated(ctx, msg, rel); err != nil {
			return synctask.Result{}, err
		}
	}
	var (
		res netsuite.WriteResult
		key string
	)
	switch o.cfg.operation {
	case noOpCreate:
		opts := o.writeOptions(obj, noOpCreate, recordType, "", body)
		res, err = o.client.Create(ctx, recordType, body, opts)
	case noOpUpdate:
		if key, err = interpolate(noFieldInternalID, o.cfg.internalID, msg); err != nil {
			return synctask.Result{}, synctask.Permanent(netsuiteInvalidMessage, err.Error())
		}
		res, err = o.client.Update(ctx, recordType, key, body, o.writeOptions(obj, noOpUpdate, recordType, key, body))
	default:
		if key, err = interpolate(noFieldExternalID, o.cfg.externalID, msg); err != nil {
			return synctask.Result{}, synctask.Permanent(netsuiteInvalidMessage, err.Error())
		}
		res, err = o.client.Upsert(ctx, recordType, key, body, o.writeOptions(obj, noOpUpsert, recordType, key, body))
	}
	if err != nil {
		return synctask.Result{}, netsuiteOutcomeError("", err)
	}
	return synctask.Sent(res.ID), nil
}

// upsertRelated upserts the record held in rel's metadata key, if any.
func (o *netsuiteOutput) upsertRelated(ctx context.Context, msg *service.Message, rel netsuiteRelated) error {
	raw, ok := msg.MetaGetMut(rel.metaKey)
	if !ok || raw == nil {
		return nil
	}
	var body []byte
	switch v := raw.(type) {
	case string:
		body = []byte(v)
	case []byte:
		body = v
	default:
		var err error
		if body, err = json.Marshal(v); err != nil {
			return synctask.Permanent(netsuiteInvalidMessage, fmt.Sprintf("metadata %s: %v", rel.metaKey, err))
		}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	obj, err := netsuiteObject(body)
	if err != nil {
		return synctask.Permanent(netsuiteInvalidMessage, fmt.Sprintf("related %s in metadata %s: %v", rel.recordType, rel.metaKey, err))
	}
	eid, _ := obj["externalId"].(string)
	if eid == "" {
		return synctask.Permanent(netsuiteInvalidMessage, fmt.Sprintf("related %s in metadata %s has no externalId", rel.recordType, rel.metaKey))
	}
	if _, err := o.client.Upsert(ctx, rel.recordType, eid, body, o.writeOptions(obj, noOpUpsert, rel.recordType, eid, body)); err != nil {
		return netsuiteOutcomeError(fmt.Sprintf("related %s %s: ", rel.recordType, eid), err)
	}
	return nil
}

// writeOptions names the sublists to replace and, in async mode, the
// idempotency key.
func (o *netsuiteOutput) writeOptions(obj map[string]any, op, recordType, key string, body []byte) netsuite.WriteOptions {
	opts := netsuite.WriteOptions{PollInterval: o.cfg.asyncPoll, Timeout: o.cfg.asyncTimeout}
	if o.cfg.replace {
		opts.Replace = netsuiteSublists(obj)
	}
	if o.cfg.async {
		opts.Async = true
		opts.IdempotencyKey = netsuiteIdempotencyKey(op, recordType, key, body)
	}
	return opts
}

// netsuiteObject decodes a record body, which must be a JSON object.
func netsuiteObject(body []byte) (map[string]any, error) {
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	if obj == nil {
		return nil, errors.New("not a JSON object")
	}
	return obj, nil
}

// netsuiteSublists lists the top-level fields that are sublists: objects
// with an items array (or items null, which clears the sublist).
func netsuiteSublists(obj map[string]any) []string {
	var out []string
	for k, v := range obj {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		if items, has := m["items"]; has {
			if _, isList := items.([]any); isList || items == nil {
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out
}

// netsuiteIdempotencyKey derives the X-NetSuite-Idempotency-Key of a write
// from the entity (operation, record type, id) and its content, formatted
// as a UUID (version 8, RFC 9562's custom form): the same entity with the
// same content always gets the same key, so a redelivery cannot start a
// second job, while changed content gets a new one.
func netsuiteIdempotencyKey(op, recordType, key string, body []byte) string {
	content := sha256.Sum256(body)
	h := sha256.New()
	for _, part := range []string{"datawald/netsuite/v1", op, recordType, key, hex.EncodeToString(content[:])} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x80
	u[8] = u[8]&0x3f | 0x80
	s := hex.EncodeToString(u[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

// netsuiteTransientError is a failure worth retrying whose cause would be
// classified permanent by status alone (a 401 after a token renewal:
// NetSuite answers 401 under concurrency pressure too).
type netsuiteTransientError struct{ msg string }

func (e *netsuiteTransientError) Error() string   { return e.msg }
func (e *netsuiteTransientError) Retryable() bool { return true }

// netsuiteOutcomeError turns a write error into what the reporter records:
// a permanent NetSuite error becomes F with o:errorCode and the detail (and
// the JSON path it names); anything else is retried.
func netsuiteOutcomeError(prefix string, err error) error {
	var ne *netsuite.Error
	if !errors.As(err, &ne) {
		return err
	}
	if ne.HTTP.Status == http.StatusUnauthorized {
		return &netsuiteTransientError{msg: prefix + err.Error()}
	}
	if ne.Retryable() {
		return err
	}
	detail := ne.Detail
	if ne.Path != "" {
		detail += " (at " + ne.Path + ")"
	}
	code := ne.Code
	if code == "" {
		code = fmt.Sprint(ne.HTTP.Status)
	}
	return synctask.Permanent(code, strings.TrimSpace(prefix+detail))
}
