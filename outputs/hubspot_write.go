package outputs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/hubspot"
	"github.com/datawald/datawald/internal/synctask"
)

// hubspotRecord is one message to write.
type hubspotRecord struct {
	idx   int
	name  string // for notes and logs: dw_src_id, or the message's position
	key   string // the id_property value; "" for a create by hs_object_id
	props map[string]any
}

// hubspotWrite is a record on its way to a batch create or update.
type hubspotWrite struct {
	*hubspotRecord
	id string // HubSpot id of the object to update; "" for a create
}

const noteUnchangedInHubSpot = "unchanged in HubSpot"

// parse reads each message's properties and key, recording F for messages
// it cannot use, including those an upstream processor flagged as failed
// (a mapping's error). Properties HubSpot maintains, and those outside the
// allow-list, are dropped.
func (o *hubspotOutput) parse(batch service.MessageBatch, outs []outcome) []*hubspotRecord {
	recs := make([]*hubspotRecord, 0, len(batch))
	for i, msg := range batch {
		rec := &hubspotRecord{idx: i, name: fmt.Sprintf("message %d of the batch", i)}
		if id, ok := msg.MetaGet(synctask.MetaSrcID); ok && id != "" {
			rec.name = id
		}
		if err := o.parseRecord(msg, rec); err != nil {
			outs[i] = invalid("hubspot %s %s: %v", o.cfg.object.Name, rec.name, err)
			continue
		}
		recs = append(recs, rec)
	}
	return recs
}

func (o *hubspotOutput) parseRecord(msg *service.Message, rec *hubspotRecord) error {
	if err := msg.GetError(); err != nil {
		return fmt.Errorf("processing failed upstream, nothing written: %w", err)
	}
	raw, err := msg.AsBytes()
	if err != nil {
		return fmt.Errorf("reading the message: %w", err)
	}
	var body struct {
		ID         json.RawMessage `json:"id"`
		Properties map[string]any  `json:"properties"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		return fmt.Errorf("the message is not a JSON object {\"properties\": {...}}: %w", err)
	}
	if body.Properties == nil {
		return errors.New("the message has no properties object")
	}
	idProp := o.cfg.idProperty
	if idProp == hubspot.PropObjectID {
		rec.key = scalarString(body.Properties[hubspot.PropObjectID])
		if len(body.ID) > 0 && string(body.ID) != "null" {
			var id any
			if err := json.Unmarshal(body.ID, &id); err != nil {
				return fmt.Errorf("id: %w", err)
			}
			rec.key = scalarString(id)
		}
		if rec.key != "" {
			if _, err := strconv.ParseUint(rec.key, 10, 64); err != nil {
				return fmt.Errorf("id %q is not a HubSpot object id", rec.key)
			}
		}
	} else if rec.key = scalarString(body.Properties[idProp]); rec.key == "" {
		return fmt.Errorf("properties.%s (the id_property) is missing or empty", idProp)
	}
	rec.props = make(map[string]any, len(body.Properties))
	var dropped []string
	for k, v := range body.Properties {
		switch {
		case k != idProp && isReadOnly(o.cfg.object, k):
		case o.cfg.allowed != nil && !o.cfg.allowed[k]:
			dropped = append(dropped, k)
		case k == hubspot.PropObjectID:
		default:
			rec.props[k] = v
		}
	}
	if len(dropped) > 0 {
		sort.Strings(dropped)
		o.log.Debugf("hubspot %s %s: dropping properties outside the allow-list: %s", o.cfg.object.Name, rec.name, strings.Join(dropped, ", "))
	}
	return nil
}

func isReadOnly(t hubspot.ObjectType, prop string) bool {
	for _, p := range t.ReadOnlyProperties() {
		if p == prop {
			return true
		}
	}
	return false
}

// scalarString renders a JSON scalar property value as HubSpot stores it;
// objects and arrays are rendered as JSON, null as "".
func scalarString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(x)
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// keyRounds splits records into rounds in which no key appears twice, in
// message order, so that two versions of one record in a batch are written
// one after the other rather than in one call (which HubSpot refuses).
func keyRounds(recs []*hubspotRecord) [][]*hubspotRecord {
	var rounds [][]*hubspotRecord
	seen := map[string]int{}
	for _, r := range recs {
		n := 0
		if r.key != "" {
			k := strings.ToLower(r.key)
			n = seen[k]
			seen[k] = n + 1
		}
		for len(rounds) <= n {
			rounds = append(rounds, nil)
		}
		rounds[n] = append(rounds[n], r)
	}
	return rounds
}

// upsert writes one round: an existence check of the keyed records, then
// updates of those found and creates of the rest.
func (o *hubspotOutput) upsert(ctx context.Context, recs []*hubspotRecord, outs []outcome) {
	var keyed []*hubspotRecord
	var creates, updates []hubspotWrite
	for _, r := range recs {
		if r.key == "" {
			creates = append(creates, hubspotWrite{hubspotRecord: r})
		} else {
			keyed = append(keyed, r)
		}
	}
	if len(keyed) > 0 {
		found, missing := o.lookup(ctx, keyed, outs)
		updates = append(updates, found...)
		creates = append(creates, missing...)
	}
	o.write(ctx, updates, outs)
	if o.cfg.idProperty == hubspot.PropObjectID {
		// Creates without a key: HubSpot returns a batch's results in no
		// guaranteed order and nothing ties a new object to its input, so
		// each is created in its own call, whose one result is its own.
		o.oneByOne(ctx, creates, outs)
	} else {
		o.write(ctx, creates, outs)
	}
}

// lookup is the existence check. It returns the records to update (with
// their HubSpot ids) and those to create. A record counts as missing only
// when HubSpot answers OBJECT_NOT_FOUND for its key; when the check fails,
// its records are decided (nacked or F) here and neither list holds them.
func (o *hubspotOutput) lookup(ctx context.Context, recs []*hubspotRecord, outs []outcome) (found, missing []hubspotWrite) {
	keys := make([]string, len(recs))
	names := map[string]bool{}
	for i, r := range recs {
		keys[i] = r.key
		for p := range r.props {
			names[p] = true
		}
	}
	props := make([]string, 0, len(names)+1)
	for p := range names {
		props = append(props, p)
	}
	if o.cfg.idProperty != hubspot.PropObjectID && !names[o.cfg.idProperty] {
		props = append(props, o.cfg.idProperty)
	}
	sort.Strings(props)
	res, err := o.client.BatchRead(ctx, o.cfg.object.Name, o.cfg.idProperty, keys, props)
	if err != nil {
		for _, r := range recs {
			outs[r.idx] = o.failed(r, err)
			if outs[r.idx].Nack == nil {
				o.unsure.take(r.key)
			}
		}
		return nil, nil
	}
	current := map[string]hubspot.Object{}
	for _, obj := range res.Results {
		current[strings.ToLower(o.keyOf(obj))] = obj
	}
	notFound := res.NotFound()
	other := inputErrorsByID(res.Errors)
	for _, r := range recs {
		k := strings.ToLower(r.key)
		cur, ok := current[k]
		// The read decides whether an earlier in-doubt write took effect,
		// so the mark is dropped here either way; a write that follows
		// and fails in doubt marks the key again.
		wasUnsure := (ok || notFound[k] || other[k] != nil) && o.unsure.take(r.key)
		switch {
		case ok && unchanged(cur, r.props) && wasUnsure:
			// Our own earlier write, whose answer was lost, took effect.
			outs[r.idx] = sent(cur.ID)
		case ok && unchanged(cur, r.props):
			outs[r.idx] = outcome{Status: synctask.StatusIgnored, TgtID: cur.ID, Note: noteUnchangedInHubSpot}
		case ok:
			found = append(found, hubspotWrite{hubspotRecord: r, id: cur.ID})
		case notFound[k] && o.cfg.idProperty == hubspot.PropObjectID:
			outs[r.idx] = outcome{Status: synctask.StatusFailed, Code: hubspot.CategoryNotFound,
				Note: fmt.Sprintf("hubspot %s %s: no object has hs_object_id %s", o.cfg.object.Name, r.name, r.key)}
		case notFound[k]:
			r.props[o.cfg.idProperty] = r.key
			missing = append(missing, hubspotWrite{hubspotRecord: r})
		case other[k] != nil:
			outs[r.idx] = o.inputFailed("reading", r, *other[k])
		default:
			outs[r.idx] = outcome{Nack: fmt.Errorf("reading hubspot %s %s: HubSpot's batch read answered neither the object nor OBJECT_NOT_FOUND", o.cfg.object.Name, r.key)}
		}
	}
	return found, missing
}

// unsureWrites holds the keys whose last create or update failed with an
// unknown effect (a timeout, a 5xx): when a redelivery finds the record
// already holding the values sent, the earlier write took effect and the
// outcome is S, not I. A key is forgotten as soon as a read or write
// decides its record, so a later true no-op is I. Safe for concurrent use.
type unsureWrites struct {
	mu   sync.Mutex
	keys map[string]struct{}
}

// mark remembers key (a create without a key is never found again, so it
// is not remembered).
func (u *unsureWrites) mark(key string) {
	if key == "" {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.keys == nil {
		u.keys = map[string]struct{}{}
	}
	u.keys[strings.ToLower(key)] = struct{}{}
}

// take reports whether key was marked, and forgets it.
func (u *unsureWrites) take(key string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	k := strings.ToLower(key)
	_, ok := u.keys[k]
	delete(u.keys, k)
	return ok
}

// keyOf returns the id_property value of an object HubSpot returned.
func (o *hubspotOutput) keyOf(obj hubspot.Object) string {
	if o.cfg.idProperty == hubspot.PropObjectID {
		return obj.ID
	}
	v, _ := obj.Property(o.cfg.idProperty)
	return v
}

// unchanged reports whether cur already holds every property value sent.
func unchanged(cur hubspot.Object, props map[string]any) bool {
	for k, v := range props {
		want := scalarString(v)
		got, has := cur.Property(k)
		if want != got || (want != "" && !has) {
			return false
		}
	}
	return true
}

// write sends creates (no id) or updates in calls of at most
// hubspot.MaxBatchInputs.
func (o *hubspotOutput) write(ctx context.Context, ws []hubspotWrite, outs []outcome) {
	for start := 0; start < len(ws); start += hubspot.MaxBatchInputs {
		o.writeChunk(ctx, ws[start:min(start+hubspot.MaxBatchInputs, len(ws))], outs)
	}
}

// writeChunk sends one batch call (all creates or all updates) and decides
// each record's outcome. HubSpot refuses a whole batch for one bad record
// (400 for an invalid one, 409 for a create whose unique value exists
// already): then the records are sent again one per call, whose answers
// are unambiguous, and a lone create refused with 409 updates the record
// that now holds its key. Updates that a 2xx answer does not account for
// are sent again one per call (an update is idempotent); creates are never
// sent again after a 2xx answer (they may have been made): they are nacked
// and their redelivery's existence check finds them.
func (o *hubspotOutput) writeChunk(ctx context.Context, ws []hubspotWrite, outs []outcome) {
	create := ws[0].id == ""
	op := "updating"
	if create {
		op = "creating"
	}
	inputs := make([]hubspot.Input, len(ws))
	for i, w := range ws {
		inputs[i] = hubspot.Input{ID: w.id, Properties: w.props}
	}
	name := func(in hubspot.Input) string { return in.ID }
	var (
		res hubspot.BatchResult
		err error
	)
	if create {
		name = func(in hubspot.Input) string {
			if k := scalarString(in.Properties[o.cfg.idProperty]); k != "" {
				return k
			}
			return "(new object)"
		}
		res, err = o.client.BatchCreate(ctx, o.cfg.object.Name, inputs, name)
	} else {
		res, err = o.client.BatchUpdate(ctx, o.cfg.object.Name, inputs, name)
	}
	if err != nil {
		switch {
		case len(ws) > 1 && refusedForOneInput(err):
			o.oneByOne(ctx, ws, outs)
		case create && ws[0].key != "" && hubspot.Status(err) == http.StatusConflict:
			o.updateExisting(ctx, ws[0], err, outs)
		default:
			for _, w := range ws {
				outs[w.idx] = o.failed(w.hubspotRecord, err)
				if outs[w.idx].Nack != nil && !hubspot.IsDailyLimit(err) {
					o.unsure.mark(w.key)
				}
			}
		}
		return
	}
	byKey := map[string]hubspot.Object{}
	for _, obj := range res.Results {
		byKey[strings.ToLower(o.writtenKey(obj, create))] = obj
	}
	errs := inputErrorsByID(res.Errors)
	var unmatched []hubspotWrite
	for _, w := range ws {
		k := strings.ToLower(w.id)
		if create {
			k = strings.ToLower(w.key)
		}
		switch obj, ok := byKey[k]; {
		case ok:
			outs[w.idx] = sent(obj.ID)
		case create && w.key == "" && len(ws) == 1 && len(res.Results) == 1:
			// A keyless create, alone in its call: the one result is its.
			outs[w.idx] = sent(res.Results[0].ID)
		case !create && errs[k] != nil && errs[k].Category == hubspot.CategoryNotFound:
			outs[w.idx] = outcome{Nack: fmt.Errorf("updating hubspot %s %s: object %s was deleted after it was read; redelivery reads it again", o.cfg.object.Name, w.name, w.id)}
		case errs[k] != nil:
			outs[w.idx] = o.inputFailed(op, w.hubspotRecord, *errs[k])
		default:
			unmatched = append(unmatched, w)
		}
	}
	switch {
	case len(unmatched) == 0:
	case len(ws) > 1 && !create:
		o.oneByOne(ctx, unmatched, outs)
	case len(ws) > 1:
		for _, w := range unmatched {
			outs[w.idx] = outcome{Nack: fmt.Errorf("creating hubspot %s %s: HubSpot's batch answer named neither a result nor an error for it; redelivery reads it again rather than create it twice", o.cfg.object.Name, w.name)}
			o.unsure.mark(w.key)
		}
	case len(res.Errors) > 0:
		outs[unmatched[0].idx] = o.inputFailed(op, unmatched[0].hubspotRecord, res.Errors[0])
	default:
		outs[unmatched[0].idx] = outcome{Nack: fmt.Errorf("%s hubspot %s %s: HubSpot answered neither a result nor an error", op, o.cfg.object.Name, unmatched[0].name)}
	}
}

// refusedForOneInput reports a batch call HubSpot refused as a whole that
// may concern only some of its inputs: any 4xx but an authentication or
// permission failure (401, 403) or a rate limit (429), which every input
// would meet again.
func refusedForOneInput(err error) bool {
	switch st := hubspot.Status(err); st {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests:
		return false
	default:
		return st >= 400 && st < 500
	}
}

// updateExisting handles a create of one keyed record that HubSpot refused
// with 409: the key exists now (another writer created it after the
// existence check), so it is read again and updated, or recorded I when it
// already holds the values. When the read does not find the key, the
// conflict was on another unique property and the record is F with
// HubSpot's message.
func (o *hubspotOutput) updateExisting(ctx context.Context, w hubspotWrite, conflict error, outs []outcome) {
	found, missing := o.lookup(ctx, []*hubspotRecord{w.hubspotRecord}, outs)
	o.write(ctx, found, outs)
	for _, m := range missing {
		outs[m.idx] = o.failed(m.hubspotRecord, conflict)
	}
}

// oneByOne sends each record in its own call.
func (o *hubspotOutput) oneByOne(ctx context.Context, ws []hubspotWrite, outs []outcome) {
	for _, w := range ws {
		o.writeChunk(ctx, []hubspotWrite{w}, outs)
	}
}

// writtenKey is what ties a write's result to its input: the object id
// for updates and keyless creates, the id_property value otherwise.
func (o *hubspotOutput) writtenKey(obj hubspot.Object, create bool) string {
	if !create {
		return obj.ID
	}
	return o.keyOf(obj)
}

// inputErrorsByID indexes a batch answer's per-input errors by the ids
// (lower-cased) they name.
func inputErrorsByID(errs []hubspot.InputError) map[string]*hubspot.InputError {
	out := map[string]*hubspot.InputError{}
	for i := range errs {
		for _, id := range errs[i].IDs() {
			out[strings.ToLower(id)] = &errs[i]
		}
	}
	return out
}

// failed turns a failed call into the record's outcome: a nack when
// transient or when the portal's daily limit is used up (the record is
// fine; it is redelivered until the budget returns at midnight), else F
// whose note names the record.
func (o *hubspotOutput) failed(r *hubspotRecord, err error) outcome {
	if hubspot.IsDailyLimit(err) {
		return outcome{Nack: fmt.Errorf("hubspot %s %s: the portal's daily API limit (policy DAILY) is used up until midnight in the portal's time zone; the message is redelivered, not failed: %w", o.cfg.object.Name, r.name, err)}
	}
	out := failure(err)
	if out.Nack == nil {
		out.Note = fmt.Sprintf("hubspot %s %s: %s", o.cfg.object.Name, r.name, out.Note)
	}
	return out
}

// inputFailed is F for a per-input error of a batch answer.
func (o *hubspotOutput) inputFailed(op string, r *hubspotRecord, e hubspot.InputError) outcome {
	return outcome{Status: synctask.StatusFailed, Code: e.Category,
		Note: fmt.Sprintf("%s hubspot %s %s: %s", op, o.cfg.object.Name, r.name, e.Message)}
}
