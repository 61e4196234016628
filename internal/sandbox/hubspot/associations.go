package hubspot

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// associationTarget is one entry of a v4 association list:
// MultiAssociatedObjectWithLabel.
type associationTarget struct {
	ToObjectID       int64             `json:"toObjectId"`
	AssociationTypes []associationType `json:"associationTypes"`
}

// associationPair resolves {fromObjectType} and {toObjectType} and checks
// that HubSpot defines associations between them.
func (v *Vendor) associationPair(r *http.Request) (from, to *objectType, err *apiError) {
	if from, err = v.objectTypeOf(r, "fromObjectType"); err != nil {
		return nil, nil, err
	}
	if to, err = v.objectTypeOf(r, "toObjectType"); err != nil {
		return nil, nil, err
	}
	if _, ok := defaultAssociationDef(from.name, to.name); !ok {
		return nil, nil, validationError("No association types are defined from %s to %s", from.name, to.name)
	}
	return from, to, nil
}

// liveID parses an object id and checks the object exists and is live.
func (v *Vendor) liveID(t *objectType, raw string) (int64, *apiError) {
	rec, ok := v.store.get(t, raw)
	if !ok {
		e := newError(http.StatusNotFound, categoryNotFound, "No %s with ID %s exists", singularName(t.name), raw)
		return 0, e
	}
	return rec.id, nil
}

// livePair resolves both ends of an edge with liveID, the from end first.
func (v *Vendor) livePair(from, to *objectType, fromRaw, toRaw string) (fromID, toID int64, err *apiError) {
	if fromID, err = v.liveID(from, fromRaw); err != nil {
		return 0, 0, err
	}
	if toID, err = v.liveID(to, toRaw); err != nil {
		return 0, 0, err
	}
	return fromID, toID, nil
}

func (v *Vendor) targetsOf(from, to *objectType, id int64) []associationTarget {
	ids, edges := v.store.assoc.targets(from.name, id, to.name)
	out := make([]associationTarget, 0, len(ids))
	for _, target := range ids {
		out = append(out, associationTarget{ToObjectID: target, AssociationTypes: typesFor(from.name, to.name, edges[target])})
	}
	return out
}

// handleAssociationList serves GET
// /crm/v4/objects/{fromObjectType}/{fromObjectId}/associations/{toObjectType}.
func (v *Vendor) handleAssociationList(w http.ResponseWriter, r *http.Request) *apiError {
	from, to, err := v.associationPair(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, err := intParam(q, "limit", 500)
	if err != nil {
		return err
	}
	offset, err := intParam(q, "after", 0)
	if err != nil {
		return err
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	id, err := v.liveID(from, r.PathValue("fromObjectId"))
	if err != nil {
		return err
	}
	all := v.targetsOf(from, to, id)
	out := struct {
		Results []associationTarget `json:"results"`
		Paging  *pagingJSON         `json:"paging,omitempty"`
	}{Results: []associationTarget{}}
	if offset < len(all) {
		end := min(offset+max(limit, 1), len(all))
		out.Results = all[offset:end]
		if end < len(all) {
			out.Paging = &pagingJSON{Next: &pagingNext{After: strconv.Itoa(end)}}
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// defaultAssociationResult is one result of an "associate default" call.
type defaultAssociationResult struct {
	From            idRef           `json:"from"`
	To              idRef           `json:"to"`
	AssociationSpec associationSpec `json:"associationSpec"`
}

type idRef struct {
	ID string `json:"id"`
}

// labelsResult is LabelsBetweenObjectPair, the answer to a labeled create.
type labelsResult struct {
	FromObjectTypeID string   `json:"fromObjectTypeId"`
	FromObjectID     int64    `json:"fromObjectId"`
	ToObjectTypeID   string   `json:"toObjectTypeId"`
	ToObjectID       int64    `json:"toObjectId"`
	Labels           []string `json:"labels"`
}

func labelsOf(from, to *objectType, fromID, toID int64, defs []associationDef) labelsResult {
	out := labelsResult{from.typeID, fromID, to.typeID, toID, []string{}}
	for _, d := range defs {
		if d.label != "" {
			out.Labels = append(out.Labels, d.label)
		}
	}
	return out
}

// associateDefault adds the unlabeled edge between two live objects. The
// caller holds the write lock.
func (v *Vendor) associateDefault(from, to *objectType, fromRaw, toRaw string) (defaultAssociationResult, *apiError) {
	fromID, toID, err := v.livePair(from, to, fromRaw, toRaw)
	if err != nil {
		return defaultAssociationResult{}, err
	}
	d, _ := defaultAssociationDef(from.name, to.name)
	v.store.assoc.add(d, fromID, toID)
	return defaultAssociationResult{
		From: idRef{strconv.FormatInt(fromID, 10)}, To: idRef{strconv.FormatInt(toID, 10)},
		AssociationSpec: associationSpec{categoryHubSpotDefined, d.typeID},
	}, nil
}

// handleAssociateDefault serves PUT .../associations/default/{toObjectType}/{toObjectId}.
func (v *Vendor) handleAssociateDefault(w http.ResponseWriter, r *http.Request) *apiError {
	from, to, err := v.associationPair(r)
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.now()
	res, err := v.associateDefault(from, to, r.PathValue("fromObjectId"), r.PathValue("toObjectId"))
	if err != nil {
		return err
	}
	resp := newBatchResponse(now)
	resp.Results = append(resp.Results, res)
	resp.write(w, http.StatusOK, now)
	return nil
}

// specsToDefs checks association specs against the HUBSPOT_DEFINED types of
// a pair.
func specsToDefs(from, to *objectType, specs []associationSpec) ([]associationDef, *apiError) {
	if len(specs) == 0 {
		return nil, validationError("Invalid input: at least one association type is required")
	}
	defs := make([]associationDef, 0, len(specs))
	for _, s := range specs {
		d, ok := lookupAssociationDef(from.name, to.name, s.AssociationTypeID)
		if !ok || s.AssociationCategory != categoryHubSpotDefined {
			return nil, validationError("association type %d (category %s) is not defined from %s to %s",
				s.AssociationTypeID, s.AssociationCategory, from.name, to.name)
		}
		defs = append(defs, d)
	}
	return defs, nil
}

// handleAssociateLabeled serves PUT .../associations/{toObjectType}/{toObjectId}
// with a body listing association types.
func (v *Vendor) handleAssociateLabeled(w http.ResponseWriter, r *http.Request) *apiError {
	from, to, err := v.associationPair(r)
	if err != nil {
		return err
	}
	var specs []associationSpec
	if err := decodeBody(r, &specs); err != nil {
		return err
	}
	defs, err := specsToDefs(from, to, specs)
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	fromID, err := v.liveID(from, r.PathValue("fromObjectId"))
	if err != nil {
		return err
	}
	toID, err := v.liveID(to, r.PathValue("toObjectId"))
	if err != nil {
		return err
	}
	for _, d := range defs {
		v.store.assoc.add(d, fromID, toID)
	}
	writeJSON(w, http.StatusCreated, labelsOf(from, to, fromID, toID, defs))
	return nil
}

// handleDisassociate serves DELETE .../associations/{toObjectType}/{toObjectId}.
func (v *Vendor) handleDisassociate(w http.ResponseWriter, r *http.Request) *apiError {
	from, to, err := v.associationPair(r)
	if err != nil {
		return err
	}
	fromID, perr := strconv.ParseInt(r.PathValue("fromObjectId"), 10, 64)
	toID, perr2 := strconv.ParseInt(r.PathValue("toObjectId"), 10, 64)
	if perr != nil || perr2 != nil {
		return validationError("Invalid input: object ids must be numeric")
	}
	v.mu.Lock()
	v.store.assoc.remove(from.name, fromID, to.name, toID)
	v.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// associationBatchInput is the body of the v4 batch endpoints; each input
// uses the fields its endpoint needs.
type associationBatchInput struct {
	Inputs []struct {
		ID    string            `json:"id"`
		From  idRef             `json:"from"`
		To    flexibleTo        `json:"to"`
		Types []associationSpec `json:"types"`
	} `json:"inputs"`
}

// flexibleTo is "to" as one {id} (create, associate default) or a list of
// them (archive).
type flexibleTo []idRef

func (f *flexibleTo) UnmarshalJSON(b []byte) error {
	var one idRef
	if err := json.Unmarshal(b, &one); err == nil {
		*f = flexibleTo{one}
		return nil
	}
	var many []idRef
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*f = many
	return nil
}

// associationBatch reads the object type pair of a v4 batch route and its
// body, which must hold 1 to limit inputs.
func (v *Vendor) associationBatch(r *http.Request, limit int) (from, to *objectType, in associationBatchInput, err *apiError) {
	if from, to, err = v.associationPair(r); err != nil {
		return nil, nil, in, err
	}
	if err = decodeBody(r, &in); err != nil {
		return nil, nil, in, err
	}
	if err = checkBatchSize(len(in.Inputs), limit); err != nil {
		return nil, nil, in, err
	}
	return from, to, in, nil
}

// associationReadResult is one result of a v4 batch read.
type associationReadResult struct {
	From idRef               `json:"from"`
	To   []associationTarget `json:"to"`
}

// handleAssociationBatchRead serves POST /crm/v4/associations/{from}/{to}/batch/read
// (at most 1000 inputs). Objects with no associations come back as errors,
// as HubSpot reports them.
func (v *Vendor) handleAssociationBatchRead(w http.ResponseWriter, r *http.Request) *apiError {
	from, to, in, err := v.associationBatch(r, maxAssociationBatch)
	if err != nil {
		return err
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	now := v.now()
	resp := newBatchResponse(now)
	for _, input := range in.Inputs {
		id, perr := strconv.ParseInt(input.ID, 10, 64)
		var targets []associationTarget
		if perr == nil {
			targets = v.targetsOf(from, to, id)
		}
		if len(targets) == 0 {
			e := newError(http.StatusNotFound, "OBJECT_NOT_FOUND", "No %s is associated with %s %s.", to.singular, from.singular, input.ID)
			e.SubCategory = "crm.associations.NO_ASSOCIATIONS_FOUND"
			e.Context = map[string][]string{"fromObjectId": {input.ID}}
			resp.Errors = append(resp.Errors, *e)
			continue
		}
		resp.Results = append(resp.Results, associationReadResult{From: idRef{input.ID}, To: targets})
	}
	resp.write(w, http.StatusOK, now)
	return nil
}

// handleAssociationBatchCreate serves POST .../batch/create with typed edges.
func (v *Vendor) handleAssociationBatchCreate(w http.ResponseWriter, r *http.Request) *apiError {
	from, to, in, err := v.associationBatch(r, maxBatchInputs)
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.now()
	resp := newBatchResponse(now)
	for _, input := range in.Inputs {
		defs, err := specsToDefs(from, to, input.Types)
		if err != nil {
			return err
		}
		if len(input.To) != 1 {
			return validationError("Invalid input: each input needs exactly one to.id")
		}
		fromID, toID, err := v.livePair(from, to, input.From.ID, input.To[0].ID)
		if err != nil {
			resp.Errors = append(resp.Errors, *err)
			continue
		}
		for _, d := range defs {
			v.store.assoc.add(d, fromID, toID)
		}
		resp.Results = append(resp.Results, labelsOf(from, to, fromID, toID, defs))
	}
	resp.write(w, http.StatusCreated, now)
	return nil
}

// handleAssociationBatchDefault serves POST .../batch/associate/default.
func (v *Vendor) handleAssociationBatchDefault(w http.ResponseWriter, r *http.Request) *apiError {
	from, to, in, err := v.associationBatch(r, maxBatchInputs)
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.now()
	resp := newBatchResponse(now)
	for _, input := range in.Inputs {
		if len(input.To) != 1 {
			return validationError("Invalid input: each input needs exactly one to.id")
		}
		res, err := v.associateDefault(from, to, input.From.ID, input.To[0].ID)
		if err != nil {
			resp.Errors = append(resp.Errors, *err)
			continue
		}
		resp.Results = append(resp.Results, res)
	}
	resp.write(w, http.StatusOK, now)
	return nil
}

// handleAssociationBatchArchive serves POST .../batch/archive: every edge
// between each from object and the listed to objects is removed.
func (v *Vendor) handleAssociationBatchArchive(w http.ResponseWriter, r *http.Request) *apiError {
	from, to, in, err := v.associationBatch(r, maxBatchInputs)
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, input := range in.Inputs {
		fromID, perr := strconv.ParseInt(input.From.ID, 10, 64)
		if perr != nil {
			continue
		}
		for _, t := range input.To {
			if toID, perr := strconv.ParseInt(t.ID, 10, 64); perr == nil {
				v.store.assoc.remove(from.name, fromID, to.name, toID)
			}
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
