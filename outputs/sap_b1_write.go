package outputs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/httpx"
	"github.com/datawald/datawald/internal/sapb1"
	"github.com/datawald/datawald/internal/synctask"
)

// F codes of the sap_b1 output for failures that are not SAP's.
const (
	sapB1InvalidMessage     = "INVALID_MESSAGE"
	sapB1DuplicateNumAtCard = "DUPLICATE_NUMATCARD"
	sapB1BadAnswer          = "BAD_RESPONSE"
	sapB1UpstreamError      = "UPSTREAM_ERROR"
	sapB1OutcomeUnknown     = "OUTCOME_UNKNOWN"
)

// metaSkip is set by a mapping that decided, by a business rule, not to
// send the entity (a canceled order): its value is the reason.
const metaSkip = "dw_skip"

// write is one attempt for msg. retried says an earlier attempt's effect is
// unknown (a create that timed out), so that finding the record as the
// message has it means S rather than I.
func (o *sapB1Output) write(ctx context.Context, msg *service.Message, retried bool) (synctask.Result, error) {
	if err := msg.GetError(); err != nil {
		return synctask.Result{}, synctask.Permanent(sapB1UpstreamError, "processing failed upstream, nothing written: "+err.Error())
	}
	if reason, _ := msg.MetaGet(metaSkip); reason != "" {
		return synctask.Ignored(reason), nil
	}
	raw, err := msg.AsBytes()
	if err != nil {
		return synctask.Result{}, synctask.Permanent(sapB1InvalidMessage, fmt.Sprintf("reading the message body: %v", err))
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil || body == nil {
		return synctask.Result{}, synctask.Permanent(sapB1InvalidMessage, fmt.Sprintf("%s body is not a JSON object", o.cfg.entity.Set))
	}
	if o.cfg.entity == sapb1.Orders {
		return o.writeOrder(ctx, msg, body, retried)
	}
	return o.writePartner(ctx, msg, body, retried)
}

// naturalKey evaluates the record's key field and reconciles it with the
// body's property: set when absent, F when different.
func naturalKey(field string, is *service.InterpolatedString, msg *service.Message, body map[string]any, prop string) (string, error) {
	key, err := interpolate(field, is, msg)
	if err != nil {
		return "", synctask.Permanent(sapB1InvalidMessage, err.Error())
	}
	switch v := body[prop].(type) {
	case nil:
		body[prop] = key
	case string:
		if v != key {
			return "", synctask.Permanent(sapB1InvalidMessage, fmt.Sprintf("body %s %q differs from %s %q", prop, v, field, key))
		}
	default:
		return "", synctask.Permanent(sapB1InvalidMessage, fmt.Sprintf("body %s must be a string, got %v", prop, v))
	}
	return key, nil
}

// writeOrder creates the order unless one with its NumAtCard exists, which
// is then left alone when unchanged (I) or closed (I), or updated. A create
// that got no answer puts the NumAtCard in doubt: the message is nacked,
// and until one http.timeout has passed since that POST every attempt is
// nacked without a request; the next lookup decides and clears it.
func (o *sapB1Output) writeOrder(ctx context.Context, msg *service.Message, body map[string]any, retried bool) (synctask.Result, error) {
	ref, err := naturalKey(sboFieldNumAtCard, o.cfg.numAtCard, msg, body, "NumAtCard")
	if err != nil {
		return synctask.Result{}, err
	}
	what := "order NumAtCard " + ref
	defer o.locks.lock("Orders:" + ref)()

	failedAt, doubted := o.inDoubt.since(ref)
	if wait := o.inDoubtWindow() - time.Since(failedAt); doubted && wait > 0 {
		return synctask.Result{}, synctask.Undecided(fmt.Errorf("%s is in doubt: its create got no answer at %s and SAP B1 may still be committing it; it is not posted again for another %s, when the lookup by NumAtCard decides",
			what, failedAt.UTC().Format(time.RFC3339Nano), wait.Round(time.Millisecond)))
	}
	found, err := o.client.FindByNumAtCard(ctx, sapb1.Orders, ref)
	if err != nil {
		return synctask.Result{}, sapB1Failure("looking up "+what, err)
	}
	if doubted {
		// The lookup decides: the order is there (the create landed) or
		// it is not and is created now.
		o.inDoubt.clear(ref)
		retried = true
	}
	switch len(found) {
	case 0:
		raw, err := json.Marshal(body)
		if err != nil {
			return synctask.Result{}, synctask.Permanent(sapB1InvalidMessage, fmt.Sprintf("encoding %s: %v", what, err))
		}
		created, err := o.client.Create(ctx, sapb1.Orders, "", raw)
		if sapb1.OutcomeUnknown(err) {
			o.inDoubt.mark(ref, time.Now())
			return synctask.Result{}, synctask.Undecided(fmt.Errorf("creating %s: %w; the order may exist all the same, so it is looked up again after %s", what, err, o.inDoubtWindow()))
		}
		if err != nil {
			return synctask.Result{}, sapB1Failure("creating "+what, err)
		}
		entry, err := sapB1Property(created, "DocEntry")
		if err != nil {
			return synctask.Result{}, synctask.Permanent(sapB1BadAnswer, fmt.Sprintf("creating %s: %v", what, err))
		}
		return synctask.Sent(entry), nil
	case 1:
	default:
		entries := make([]string, len(found))
		for i, f := range found {
			entries[i], _ = sapB1Property(f, "DocEntry")
		}
		return synctask.Result{}, synctask.Permanent(sapB1DuplicateNumAtCard, fmt.Sprintf("%s matches %d orders in SAP B1 (DocEntry %s); resolve the duplicate there", what, len(found), strings.Join(entries, ", ")))
	}
	var existing map[string]any
	if err := json.Unmarshal(found[0], &existing); err != nil {
		return synctask.Result{}, synctask.Permanent(sapB1BadAnswer, fmt.Sprintf("reading %s: %v", what, err))
	}
	entry, err := sapB1Property(found[0], "DocEntry")
	if err != nil {
		return synctask.Result{}, synctask.Permanent(sapB1BadAnswer, fmt.Sprintf("reading %s: %v", what, err))
	}
	if sapB1Holds(body, existing) {
		return sapB1Unchanged(entry, retried), nil
	}
	if existing["DocumentStatus"] == "bost_Close" {
		return synctask.Result{Status: synctask.StatusIgnored, TgtID: entry, Note: fmt.Sprintf("order DocEntry %s is closed or cancelled in SAP B1; the changes are not applied", entry)}, nil
	}
	if err := o.update(ctx, sapb1.Orders, entry, body); err != nil {
		return synctask.Result{}, sapB1Failure(fmt.Sprintf("updating %s (DocEntry %s)", what, entry), err)
	}
	return synctask.Sent(entry), nil
}

// writePartner creates the business partner when its CardCode is new,
// else updates it unless it is unchanged. A create refused as a duplicate
// (created after the read) reads the partner again and goes on from there.
// A merge update that got no answer is F, never re-sent.
func (o *sapB1Output) writePartner(ctx context.Context, msg *service.Message, body map[string]any, retried bool) (synctask.Result, error) {
	code, err := naturalKey(sboFieldCardCode, o.cfg.cardCode, msg, body, "CardCode")
	if err != nil {
		return synctask.Result{}, err
	}
	what := "business partner " + code
	defer o.locks.lock("BusinessPartners:" + code)()

	current, err := o.client.Get(ctx, sapb1.BusinessPartners, code)
	switch {
	case sapb1.IsNotFound(err):
		raw, err := json.Marshal(body)
		if err != nil {
			return synctask.Result{}, synctask.Permanent(sapB1InvalidMessage, fmt.Sprintf("encoding %s: %v", what, err))
		}
		_, err = o.client.Create(ctx, sapb1.BusinessPartners, code, raw)
		if err == nil {
			return synctask.Sent(code), nil
		}
		if !sapb1.IsDuplicate(err) {
			return synctask.Result{}, sapB1Failure("creating "+what, err)
		}
		// It was created after the read: by an earlier attempt whose
		// answer was lost, or by someone else. Read it and compare.
		if current, err = o.client.Get(ctx, sapb1.BusinessPartners, code); err != nil {
			return synctask.Result{}, sapB1Failure("reading "+what+" after SAP B1 reported it exists", err)
		}
		retried = true
	case err != nil:
		return synctask.Result{}, sapB1Failure("reading "+what, err)
	}
	var existing map[string]any
	if err := json.Unmarshal(current, &existing); err != nil {
		return synctask.Result{}, synctask.Permanent(sapB1BadAnswer, fmt.Sprintf("reading %s: %v", what, err))
	}
	if sapB1Holds(body, existing) {
		return sapB1Unchanged(code, retried), nil
	}
	err = o.update(ctx, sapb1.BusinessPartners, code, body)
	if o.cfg.mode == sapb1.MergeCollections && sapb1.OutcomeUnknown(err) {
		// Repeating a merge appends the collection elements it carries
		// again: never re-sent, the operator decides.
		return synctask.Result{}, synctask.Permanent(sapB1OutcomeUnknown, fmt.Sprintf("updating %s (collections: merge) got no answer and may have been applied; a merge update is not sent again because it would append its collection elements twice: check the partner in SAP B1", what))
	}
	if err != nil {
		return synctask.Result{}, sapB1Failure("updating "+what, err)
	}
	return synctask.Sent(code), nil
}

// update patches the record with body, without its key property (which a
// PATCH cannot change).
func (o *sapB1Output) update(ctx context.Context, e sapb1.Entity, key string, body map[string]any) error {
	patch := make(map[string]any, len(body))
	for k, v := range body {
		if k != e.Key {
			patch[k] = v
		}
	}
	raw, err := json.Marshal(patch)
	if err != nil {
		return synctask.Permanent(sapB1InvalidMessage, fmt.Sprintf("encoding %s %s: %v", e.Set, key, err))
	}
	return o.client.Update(ctx, e, key, raw, o.cfg.mode)
}

// sapB1Unchanged is the outcome of a record that already holds the
// message's values: I, or S when an earlier attempt of this delivery may
// have written it (a create that timed out but landed).
func sapB1Unchanged(tgtID string, retried bool) synctask.Result {
	if retried {
		return synctask.Sent(tgtID)
	}
	return synctask.Result{Status: synctask.StatusIgnored, TgtID: tgtID, Note: "unchanged in SAP B1"}
}

// sapB1Failure turns a failed request into the reporter's terms: transient
// errors (429, 5xx, timeouts, the end of ctx) as they are, to be retried;
// SAP's refusals as permanent, with SAP's code and a note naming the record
// and SAP's message.
//
// A failed login (the password changed, the user was locked) is no
// record's fault: it is undecided, so the message is nacked, not F.
func sapB1Failure(what string, err error) error {
	if sapb1.IsLoginFailure(err) {
		return synctask.Undecided(fmt.Errorf("%s: %w", what, err))
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || sapb1.IsRetryable(err) {
		return fmt.Errorf("%s: %w", what, err)
	}
	var pe *synctask.PermanentError
	if errors.As(err, &pe) {
		return err
	}
	var se *sapb1.Error
	if errors.As(err, &se) {
		code := strconv.Itoa(se.Code)
		if se.Code == 0 {
			code = strconv.Itoa(se.HTTP.Status)
		}
		msg := se.Message
		if msg == "" {
			msg = se.Error()
		}
		return synctask.Permanent(code, what+": "+msg)
	}
	return synctask.Permanent("SAPB1_ERROR", what+": "+err.Error())
}

// sapB1InDoubt remembers the orders whose create got no answer, by
// NumAtCard, with the time the POST failed. It lives as long as the
// output.
type sapB1InDoubt struct {
	mu     sync.Mutex
	failed map[string]time.Time
}

func (d *sapB1InDoubt) mark(ref string, at time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.failed == nil {
		d.failed = map[string]time.Time{}
	}
	d.failed[ref] = at
}

// since returns when ref's create failed, if it is in doubt.
func (d *sapB1InDoubt) since(ref string) (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	at, ok := d.failed[ref]
	return at, ok
}

func (d *sapB1InDoubt) clear(ref string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.failed, ref)
}

// inDoubtWindow is how long after a create that got no answer the order
// is not posted again: one request timeout (http.timeout), the time the
// Service Layer may still spend on it.
func (o *sapB1Output) inDoubtWindow() time.Duration {
	if t := o.cfg.client.HTTP.Timeout; t > 0 {
		return t
	}
	return httpx.DefaultTimeout
}

// sapB1Property reads a top-level key property (DocEntry) as a string.
func sapB1Property(raw json.RawMessage, name string) (string, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return "", fmt.Errorf("the Service Layer answered no JSON object: %w", err)
	}
	v := bytes.Trim(obj[name], `"`)
	if len(v) == 0 || string(v) == "null" {
		return "", fmt.Errorf("the Service Layer's answer has no %s", name)
	}
	return string(v), nil
}

// sapB1Holds reports whether have, a record as the Service Layer returns
// it, already holds every value of want, the message: objects by property
// (properties only in have are ignored), collections element by element
// in order and of equal length, numbers within rounding, and a date
// "2026-12-01" equal to "2026-12-01T00:00:00".
func sapB1Holds(want, have any) bool {
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			if !sapB1Holds(wv, h[k]) {
				return false
			}
		}
		return true
	case []any:
		h, ok := have.([]any)
		if !ok || len(h) != len(w) {
			return false
		}
		for i := range w {
			if !sapB1Holds(w[i], h[i]) {
				return false
			}
		}
		return true
	case float64:
		h, ok := have.(float64)
		return ok && math.Abs(w-h) < 1e-6
	case string:
		h, ok := have.(string)
		return ok && (h == w || (len(w) == len("2006-01-02") && strings.HasPrefix(h, w+"T00:00:00")))
	case nil:
		return have == nil
	default:
		return want == have
	}
}
