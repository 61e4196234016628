package netsuite

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/datawald/datawald/internal/sandbox"
)

// maxRequestBody is NetSuite's request size limit (104 MB).
const maxRequestBody = 104 << 20

const recordPath = "/services/rest/record/v1/"

const singularMediaType = "application/vnd.oracle.resource+json; type=singular"

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", singularMediaType)
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// link is one entry of a links array.
type link struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

func selfLinks(href string) []link { return []link{{Rel: "self", Href: href}} }

// recordTypeFrom resolves the {type} path value.
func recordTypeFrom(r *http.Request) (*recordType, *apiError) {
	name := r.PathValue("type")
	t, ok := lookupType(name)
	if !ok {
		return nil, &apiError{Status: http.StatusBadRequest, Code: codeInvalidRecordType,
			Detail: fmt.Sprintf("Record type '%s' does not exist.", name)}
	}
	return t, nil
}

// readBody decodes a JSON object request body.
func readBody(r *http.Request) (map[string]any, *apiError) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return nil, errorf(http.StatusBadRequest, codeInvalidContent, "Error while reading the request body: %v", err)
	}
	if len(raw) > maxRequestBody {
		return nil, errorf(http.StatusRequestEntityTooLarge, codeInvalidContent, "The request body exceeds the maximum size of 104 MB.")
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil || body == nil {
		return nil, errorf(http.StatusBadRequest, codeInvalidContent, "Invalid content in the request body. The request body must be a valid JSON object.")
	}
	return body, nil
}

func recordURL(base string, t *recordType, id int64) string {
	return base + recordPath + t.name + "/" + strconv.FormatInt(id, 10)
}

// handleGet answers GET /record/v1/{type}/{id} (id may be eid:<externalId>).
// Sublists and address subrecords are links unless expandSubResources=true;
// fields= limits the body fields returned.
func (v *Vendor) handleGet(w http.ResponseWriter, r *http.Request) {
	t, aerr := recordTypeFrom(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	id, version, ok := v.store.peek(t.name, r.PathValue("id"))
	if !ok {
		writeError(w, notFound(t.name, r.PathValue("id")))
		return
	}
	q := r.URL.Query()
	expand := strings.EqualFold(q.Get("expandSubResources"), "true")
	var fields map[string]bool
	if f := q.Get("fields"); f != "" {
		fields = map[string]bool{}
		for _, name := range strings.Split(f, ",") {
			fields[strings.TrimSpace(name)] = true
		}
	}
	base := sandbox.BaseURL(r)
	key := fmt.Sprintf("%s|%d|%t|%s|%s", t.name, id, expand, q.Get("fields"), base)
	body, ok := v.renders.get(key, version)
	if !ok {
		var rec *Record
		if rec, version, ok = v.store.getVersion(t.name, strconv.FormatInt(id, 10)); !ok {
			writeError(w, notFound(t.name, r.PathValue("id")))
			return
		}
		var err error
		if body, err = marshalJSON(v.render(base, t, rec, expand, fields)); err != nil {
			writeError(w, errorf(http.StatusInternalServerError, codeUnexpectedError, "An unexpected error occurred while rendering the record: %v", err))
			return
		}
		v.renders.put(key, version, body)
	}
	w.Header().Set("Content-Type", singularMediaType)
	_, _ = w.Write(body)
}

// handleCreate answers POST /record/v1/{type}: 204 No Content with the new
// record's URL in Location.
func (v *Vendor) handleCreate(w http.ResponseWriter, r *http.Request) {
	t, aerr := recordTypeFrom(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	body, aerr := readBody(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if _, err := parseReplace(t, r.URL.Query().Get("replace")); err != nil {
		writeError(w, err)
		return
	}
	v.writeRecord(w, r, t, func(tx *storeTx) (int64, *apiError) {
		return v.create(tx, t, body, "")
	})
}

// create builds and inserts a record from body. A non-empty eid is the
// external id of an upsert and wins over body's externalId.
func (v *Vendor) create(tx *storeTx, t *recordType, body map[string]any, eid string) (int64, *apiError) {
	rec := &Record{Type: t.name, Fields: map[string]any{}, Sublists: map[string][]map[string]any{}}
	if err := apply(tx, rec, body, writeMode{create: true}); err != nil {
		return 0, err
	}
	if eid != "" {
		rec.ExternalID = eid
	}
	v.fillGenerated(tx, t, rec)
	if err := tx.insert(rec); err != nil {
		return 0, err
	}
	return rec.ID, nil
}

// initialStatus is the status NetSuite gives a new transaction of a type.
var initialStatus = map[string]map[string]any{
	"invoice":         {"id": "A", "refName": "Open"},
	"salesOrder":      {"id": "B", "refName": "Pending Fulfillment"},
	"itemFulfillment": {"id": "C", "refName": "Shipped"},
}

// fillGenerated sets what NetSuite generates on create: a tranId and the
// initial status for transactions, an entityId for customers.
func (v *Vendor) fillGenerated(tx *storeTx, t *recordType, rec *Record) {
	if st, ok := initialStatus[t.name]; ok && rec.Fields["status"] == nil {
		rec.Fields["status"] = map[string]any{"id": st["id"], "refName": st["refName"]}
	}
	if t.tranPrefix != "" && scalarString(rec.Fields["tranId"]) == "" {
		rec.Fields["tranId"] = fmt.Sprintf("%s%d", t.tranPrefix, tx.nextID(t.name))
	}
	if t.name == "customer" && scalarString(rec.Fields["entityId"]) == "" {
		rec.Fields["entityId"] = fmt.Sprintf("CUST%d", tx.nextID(t.name))
	}
	if t.tranPrefix != "" && scalarString(rec.Fields["tranDate"]) == "" {
		rec.Fields["tranDate"] = tx.now.In(v.opts.TimeZone).Format("2006-01-02")
	}
}

// update applies body to the record addressed by ref. The record is changed
// only when the whole body applies.
func (v *Vendor) update(tx *storeTx, t *recordType, ref string, body map[string]any, replace map[string]bool) (int64, *apiError) {
	cur := tx.lookup(t.name, ref)
	if cur == nil {
		return 0, notFound(t.name, ref)
	}
	next := cur.clone()
	eid, eidSet := body["externalId"]
	delete(body, "externalId")
	if err := apply(tx, next, body, writeMode{replace: replace}); err != nil {
		return 0, err
	}
	if eidSet {
		if err := tx.replaceExternalID(next, scalarString(eid)); err != nil {
			return 0, err
		}
	}
	tx.touch(next)
	tx.s.tables[t.name].recs[next.ID] = next
	return next.ID, nil
}

// writeRecord runs fn, which writes one record of type t, in a store
// transaction and answers 204 No Content with the record's URL in
// Location, or fn's error.
func (v *Vendor) writeRecord(w http.ResponseWriter, r *http.Request, t *recordType, fn func(tx *storeTx) (int64, *apiError)) {
	id, aerr := v.store.write(v.now(), fn)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	w.Header().Set("Location", recordURL(sandbox.BaseURL(r), t, id))
	w.WriteHeader(http.StatusNoContent)
}

// patchInput reads what PATCH and PUT take: the replace= sublists, then the
// JSON body.
func patchInput(r *http.Request, t *recordType) (map[string]any, map[string]bool, *apiError) {
	replace, aerr := parseReplace(t, r.URL.Query().Get("replace"))
	if aerr != nil {
		return nil, nil, aerr
	}
	body, aerr := readBody(r)
	if aerr != nil {
		return nil, nil, aerr
	}
	return body, replace, nil
}

// handleUpdate answers PATCH /record/v1/{type}/{id}: 204 No Content.
func (v *Vendor) handleUpdate(w http.ResponseWriter, r *http.Request) {
	t, aerr := recordTypeFrom(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	body, replace, aerr := patchInput(r, t)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	v.writeRecord(w, r, t, func(tx *storeTx) (int64, *apiError) {
		return v.update(tx, t, r.PathValue("id"), body, replace)
	})
}

// handleUpsert answers PUT /record/v1/{type}/eid:{externalId}: the record
// with that external id is updated (with PATCH's sublist rules) or created.
// PUT is allowed with an external id only.
func (v *Vendor) handleUpsert(w http.ResponseWriter, r *http.Request) {
	t, aerr := recordTypeFrom(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	ref := r.PathValue("id")
	eid, isEID := cutPrefix(ref, "eid:")
	if !isEID || eid == "" {
		writeError(w, &apiError{Status: http.StatusBadRequest, Code: codeInvalidID,
			Detail: "The upsert operation (PUT) is supported only with an external ID in the URL: /record/v1/" + t.name + "/eid:{externalId}."})
		return
	}
	body, replace, aerr := patchInput(r, t)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if b, ok := body["externalId"]; ok && scalarString(b) != eid {
		writeError(w, invalidContent("externalId", "The external ID in the request body (%s) does not match the external ID in the URL (%s).", scalarString(b), eid))
		return
	}
	delete(body, "externalId")
	v.writeRecord(w, r, t, func(tx *storeTx) (int64, *apiError) {
		if tx.lookup(t.name, ref) != nil {
			return v.update(tx, t, ref, body, replace)
		}
		return v.create(tx, t, body, eid)
	})
}

// handleDelete answers DELETE /record/v1/{type}/{id}: 204 No Content.
func (v *Vendor) handleDelete(w http.ResponseWriter, r *http.Request) {
	t, aerr := recordTypeFrom(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	_, aerr = v.store.write(v.now(), func(tx *storeTx) (int64, *apiError) {
		cur := tx.lookup(t.name, r.PathValue("id"))
		if cur == nil {
			return 0, notFound(t.name, r.PathValue("id"))
		}
		tx.remove(cur)
		return cur.ID, nil
	})
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleSubresource answers GET /record/v1/{type}/{id}/{sub}: one sublist
// (as a collection of its lines) or one address subrecord.
func (v *Vendor) handleSubresource(w http.ResponseWriter, r *http.Request) {
	t, aerr := recordTypeFrom(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	rec, ok := v.store.get(t.name, r.PathValue("id"))
	if !ok {
		writeError(w, notFound(t.name, r.PathValue("id")))
		return
	}
	sub := r.PathValue("sub")
	if _, isSublist := t.sublists[sub]; !isSublist && !t.isSubrecord(sub) {
		writeError(w, &apiError{Status: http.StatusNotFound, Code: codeNonexistentID,
			Detail: fmt.Sprintf("The subresource '%s' does not exist on record type %s.", sub, t.name)})
		return
	}
	full := v.render(sandbox.BaseURL(r), t, rec, true, map[string]bool{sub: true})
	val, ok := full[sub]
	if !ok { // an unset address subrecord
		val = map[string]any{"links": selfLinks(recordURL(sandbox.BaseURL(r), t, rec.ID) + "/" + sub)}
	}
	writeJSON(w, http.StatusOK, val)
}

// handleUnknown answers requests under /services/rest/ that match no
// route: 405 when the path exists for another method, else 404, with
// NetSuite's error body.
func (v *Vendor) handleUnknown(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/services/rest/")
	known := strings.HasPrefix(p, "record/v1/") || p == "query/v1/suiteql" || p == "system/v1/serverTime" ||
		strings.HasPrefix(p, "async/v1/job/") || p == "auth/oauth2/v1/token"
	if known {
		writeError(w, errorf(http.StatusMethodNotAllowed, codeMethodNotAllowed, "The HTTP method %s is not allowed for the resource %s.", r.Method, r.URL.Path))
		return
	}
	writeError(w, errorf(http.StatusNotFound, codeNonexistentID, "The requested resource %s does not exist.", r.URL.Path))
}
