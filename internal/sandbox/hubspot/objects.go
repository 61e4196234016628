package hubspot

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/datawald/datawald/internal/sandbox"
)

// objectJSON is HubSpot's SimplePublicObject (and its WithAssociations
// variant).
type objectJSON struct {
	ID           string                     `json:"id"`
	Properties   map[string]*string         `json:"properties"`
	CreatedAt    string                     `json:"createdAt"`
	UpdatedAt    string                     `json:"updatedAt"`
	Archived     bool                       `json:"archived"`
	ArchivedAt   string                     `json:"archivedAt,omitempty"`
	Associations map[string]associationPage `json:"associations,omitempty"`
}

// associationPage is the v3 inline associations block of an object.
type associationPage struct {
	Results []associationRef `json:"results"`
}

type associationRef struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type pagingJSON struct {
	Next *pagingNext `json:"next,omitempty"`
}

type pagingNext struct {
	After string `json:"after"`
	Link  string `json:"link,omitempty"`
}

// render builds the response form of a record version. Requested
// properties are returned with null when unset; HubSpot always adds
// hs_object_id, createdate and the last-modified property. Without a request
// the type's default properties are returned.
func render(t *objectType, id int64, props map[string]string, createdAt, updatedAt time.Time, archived bool, archivedAt time.Time, requested []string) objectJSON {
	names := requested
	if len(names) == 0 {
		names = t.defaults
	} else {
		names = append(append([]string{}, names...), "hs_object_id", "createdate", t.modifiedProp)
	}
	out := objectJSON{
		ID:         strconv.FormatInt(id, 10),
		Properties: make(map[string]*string, len(names)),
		CreatedAt:  createdAt.Format(timeLayout),
		UpdatedAt:  updatedAt.Format(timeLayout),
		Archived:   archived,
	}
	for _, name := range names {
		if _, known := t.properties[name]; !known {
			continue // HubSpot ignores unknown requested properties
		}
		if v, ok := props[name]; ok {
			value := v
			out.Properties[name] = &value
		} else {
			out.Properties[name] = nil
		}
	}
	if archived {
		out.ArchivedAt = archivedAt.Format(timeLayout)
	}
	return out
}

func (r *record) render(requested []string) objectJSON {
	return render(r.typ, r.id, r.props, r.createdAt, r.updatedAt, r.archived, r.archivedAt, requested)
}

// listParam reads a multi-valued query parameter given either repeated or
// comma separated.
func listParam(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// intParam reads an optional integer query parameter.
func intParam(q url.Values, name string, def int) (int, *apiError) {
	raw := q.Get(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 {
		return 0, validationError("Invalid input: %s must be a non-negative integer, got %q", name, raw)
	}
	return n, nil
}

// handleList serves GET /crm/v3/objects/{objectType}: objects in id order,
// paged with an opaque after cursor.
func (v *Vendor) handleList(w http.ResponseWriter, r *http.Request) *apiError {
	t, err := v.objectTypeOf(r, "objectType")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, err := intParam(q, "limit", 10)
	if err != nil {
		return err
	}
	if limit < 1 || limit > maxListLimit {
		return validationError("Invalid input: limit must be between 1 and %d, got %d", maxListLimit, limit)
	}
	after := int64(0)
	if raw := q.Get("after"); raw != "" {
		n, perr := strconv.ParseInt(raw, 10, 64)
		if perr != nil {
			return validationError("Invalid input: after %q is not a valid paging cursor", raw)
		}
		after = n
	}
	archived := q.Get("archived") == "true"
	props := listParam(q, "properties")
	assocTypes := listParam(q, "associations")

	v.mu.RLock()
	defer v.mu.RUnlock()
	ids := v.store.ids[t.name]
	start := sort.Search(len(ids), func(i int) bool { return ids[i] >= after })
	out := struct {
		Results []objectJSON `json:"results"`
		Paging  *pagingJSON  `json:"paging,omitempty"`
	}{Results: []objectJSON{}}
	for i := start; i < len(ids); i++ {
		rec := v.store.records[t.name][ids[i]]
		if rec.archived != archived {
			continue
		}
		if len(out.Results) == limit {
			next := strconv.FormatInt(rec.id, 10)
			out.Paging = &pagingJSON{Next: &pagingNext{After: next, Link: nextLink(r, next)}}
			break
		}
		obj := rec.render(props)
		obj.Associations = v.inlineAssociations(t, rec.id, assocTypes)
		out.Results = append(out.Results, obj)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// nextLink is the absolute URL of the next page on this server.
func nextLink(r *http.Request, after string) string {
	q := r.URL.Query()
	q.Set("after", after)
	return sandbox.BaseURL(r) + r.URL.Path + "?" + q.Encode()
}

// inlineAssociations renders the v3 "associations" block for the requested
// object types.
func (v *Vendor) inlineAssociations(t *objectType, id int64, toTypes []string) map[string]associationPage {
	if len(toTypes) == 0 {
		return nil
	}
	out := map[string]associationPage{}
	for _, name := range toTypes {
		to, ok := v.store.lookupType(name)
		if !ok {
			continue
		}
		ids, edges := v.store.assoc.targets(t.name, id, to.name)
		if len(ids) == 0 {
			continue
		}
		page := associationPage{}
		for _, target := range ids {
			for _, typeID := range edges[target] {
				label := fmt.Sprintf("%s_to_%s", singularName(t.name), singularName(to.name))
				if d, ok := lookupAssociationDef(t.name, to.name, typeID); ok && d.label != "" {
					label = fmt.Sprintf("%s_to_%s_%s", singularName(t.name), singularName(to.name), strings.ToLower(d.label))
				}
				page.Results = append(page.Results, associationRef{ID: strconv.FormatInt(target, 10), Type: label})
			}
		}
		out[to.name] = page
	}
	return out
}

func singularName(typ string) string {
	switch typ {
	case "companies":
		return "company"
	case "line_items":
		return "line_item"
	default:
		return strings.TrimSuffix(typ, "s")
	}
}

// handleGet serves GET /crm/v3/objects/{objectType}/{objectId}, also by a
// unique property with ?idProperty=.
func (v *Vendor) handleGet(w http.ResponseWriter, r *http.Request) *apiError {
	t, err := v.objectTypeOf(r, "objectType")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v.mu.RLock()
	defer v.mu.RUnlock()
	rec, err := v.store.getBy(t, r.PathValue("objectId"), q.Get("idProperty"))
	if err != nil {
		return err
	}
	if rec == nil {
		return notFoundError()
	}
	obj := rec.render(listParam(q, "properties"))
	obj.Associations = v.inlineAssociations(t, rec.id, listParam(q, "associations"))
	writeJSON(w, http.StatusOK, obj)
	return nil
}

// objectInput is one create/update/upsert input.
type objectInput struct {
	ID                 string             `json:"id"`
	IDProperty         string             `json:"idProperty"`
	ObjectWriteTraceID string             `json:"objectWriteTraceId"`
	Properties         map[string]any     `json:"properties"`
	Associations       []associationInput `json:"associations"`
}

// associationInput is an association given with a create: the target and
// the types of the edge.
type associationInput struct {
	To    struct{ ID string } `json:"to"`
	Types []associationSpec   `json:"types"`
}

type associationSpec struct {
	AssociationCategory string `json:"associationCategory"`
	AssociationTypeID   int    `json:"associationTypeId"`
}

// decodeBody reads a JSON request body, answering HubSpot's 400 for
// malformed JSON.
func decodeBody(r *http.Request, into any) *apiError {
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(into); err != nil {
		return validationError("Invalid input JSON on line 1: %v", err)
	}
	return nil
}

// objectRequest reads the {objectType} of a single-object route and the
// object in its body.
func (v *Vendor) objectRequest(r *http.Request) (*objectType, objectInput, *apiError) {
	var in objectInput
	t, err := v.objectTypeOf(r, "objectType")
	if err != nil {
		return nil, in, err
	}
	if err := decodeBody(r, &in); err != nil {
		return nil, in, err
	}
	return t, in, nil
}

// handleCreate serves POST /crm/v3/objects/{objectType}.
func (v *Vendor) handleCreate(w http.ResponseWriter, r *http.Request) *apiError {
	t, in, err := v.objectRequest(r)
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	rec, err := v.createWithAssociations(t, in, v.now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, rec.render(propertyNames(in.Properties)))
	return nil
}

// createWithAssociations validates and creates one object, then adds the
// associations given with it. The caller holds the write lock.
func (v *Vendor) createWithAssociations(t *objectType, in objectInput, now time.Time) (*record, *apiError) {
	props, err := normalizeProperties(t, in.Properties)
	if err != nil {
		return nil, err
	}
	type edge struct {
		def associationDef
		to  int64
	}
	var edges []edge
	for _, a := range in.Associations {
		target, def, err := v.resolveAssociationTarget(t, a)
		if err != nil {
			return nil, err
		}
		for _, d := range def {
			edges = append(edges, edge{d, target})
		}
	}
	rec, err := v.store.create(t, props, now)
	if err != nil {
		return nil, err
	}
	for _, e := range edges {
		v.store.assoc.add(e.def, rec.id, e.to)
	}
	return rec, nil
}

// resolveAssociationTarget finds the object an inline association points
// to: HubSpot infers its type from the association type id.
func (v *Vendor) resolveAssociationTarget(from *objectType, a associationInput) (int64, []associationDef, *apiError) {
	id, perr := strconv.ParseInt(a.To.ID, 10, 64)
	if perr != nil {
		return 0, nil, validationError("Invalid association: to.id %q is not an object id", a.To.ID)
	}
	if len(a.Types) == 0 {
		return 0, nil, validationError("Invalid association to %s: types must not be empty", a.To.ID)
	}
	var defs []associationDef
	for _, spec := range a.Types {
		var found *associationDef
		for _, d := range hubspotDefined {
			if d.from == from.name && d.typeID == spec.AssociationTypeID && spec.AssociationCategory == categoryHubSpotDefined {
				found = &d
				break
			}
		}
		if found == nil {
			return 0, nil, validationError("%s is not a valid association type id from %s (category %s)",
				strconv.Itoa(spec.AssociationTypeID), from.name, spec.AssociationCategory)
		}
		if rec, ok := v.store.records[found.to][id]; !ok || rec.archived {
			return 0, nil, validationError("No %s with ID %d exists to associate with", singularName(found.to), id)
		}
		defs = append(defs, *found)
	}
	return id, defs, nil
}

func propertyNames(in map[string]any) []string {
	out := make([]string, 0, len(in))
	for k := range in {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// handleUpdate serves PATCH /crm/v3/objects/{objectType}/{objectId}.
func (v *Vendor) handleUpdate(w http.ResponseWriter, r *http.Request) *apiError {
	t, in, err := v.objectRequest(r)
	if err != nil {
		return err
	}
	props, err := normalizeProperties(t, in.Properties)
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	rec, err := v.store.getBy(t, r.PathValue("objectId"), r.URL.Query().Get("idProperty"))
	if err != nil {
		return err
	}
	if rec == nil {
		return notFoundError()
	}
	if err := v.store.update(rec, props, v.now()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rec.render(propertyNames(in.Properties)))
	return nil
}

// handleArchive serves DELETE /crm/v3/objects/{objectType}/{objectId}:
// 204 whether or not the object existed, as HubSpot answers.
func (v *Vendor) handleArchive(w http.ResponseWriter, r *http.Request) *apiError {
	t, err := v.objectTypeOf(r, "objectType")
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if rec, ok := v.store.get(t, r.PathValue("objectId")); ok {
		v.store.archive(rec, v.now())
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
