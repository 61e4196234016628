package hubspot

import (
	"net/http"
	"strings"
	"time"
)

// batchResponse is HubSpot's BatchResponse / BatchResponseWithErrors. The
// status is 200 (or 201 for create) without errors and 207 with them.
type batchResponse struct {
	Status      string     `json:"status"`
	Results     []any      `json:"results"`
	Errors      []apiError `json:"errors,omitempty"`
	NumErrors   int        `json:"numErrors,omitempty"`
	StartedAt   string     `json:"startedAt"`
	CompletedAt string     `json:"completedAt"`
}

func newBatchResponse(started time.Time) *batchResponse {
	return &batchResponse{Status: "COMPLETE", Results: []any{}, StartedAt: started.Format(timeLayout)}
}

func (b *batchResponse) write(w http.ResponseWriter, ok int, now time.Time) {
	b.CompletedAt = now.Format(timeLayout)
	b.NumErrors = len(b.Errors)
	if len(b.Errors) > 0 {
		ok = http.StatusMultiStatus
	}
	writeJSON(w, ok, b)
}

// batchInput is the body of every v3 batch endpoint.
type batchInput struct {
	Inputs                []objectInput `json:"inputs"`
	Properties            []string      `json:"properties"`
	PropertiesWithHistory []string      `json:"propertiesWithHistory"`
	IDProperty            string        `json:"idProperty"`
}

// batchRequest reads the {objectType} of a v3 batch route and its body,
// enforcing HubSpot's input limits: at most 100 inputs (50 when reading
// property history), and no empty batch.
func (v *Vendor) batchRequest(r *http.Request) (*objectType, batchInput, *apiError) {
	var in batchInput
	t, err := v.objectTypeOf(r, "objectType")
	if err != nil {
		return nil, in, err
	}
	if err := decodeBody(r, &in); err != nil {
		return nil, in, err
	}
	if len(in.PropertiesWithHistory) > 0 && len(in.Inputs) > 50 {
		return nil, in, validationError("The maximum number of inputs supported in a batch request for property histories is 50. Please reduce the number of items and try again")
	}
	if err := checkBatchSize(len(in.Inputs), maxBatchInputs); err != nil {
		return nil, in, err
	}
	return t, in, nil
}

// checkBatchSize refuses an empty batch and one of more than limit inputs.
func checkBatchSize(n, limit int) *apiError {
	if n == 0 {
		return validationError("Invalid input: inputs must not be empty")
	}
	if n > limit {
		return validationError("The maximum number of inputs supported in a batch request is %d, but %d were provided. Please reduce the number of items and try again", limit, n)
	}
	return nil
}

// checkDuplicateIDs rejects a batch that names one object twice.
func checkDuplicateIDs(inputs []objectInput) *apiError {
	seen := map[string]bool{}
	var dup []string
	for _, in := range inputs {
		key := strings.ToLower(in.ID)
		if seen[key] {
			dup = append(dup, in.ID)
		}
		seen[key] = true
	}
	if len(dup) > 0 {
		return validationError("Duplicate IDs found in batch input: [%s]. IDs must be unique", strings.Join(dup, ", "))
	}
	return nil
}

func notFoundInBatch(t *objectType, verb string, ids []string) apiError {
	e := newError(http.StatusNotFound, categoryNotFound,
		"Could not %s some %s objects, they may be deleted or not exist. Check that ids are valid.", verb, t.singular)
	e.Context = map[string][]string{"ids": ids}
	return *e
}

// handleBatchRead serves POST /crm/v3/objects/{objectType}/batch/read.
// Unknown ids come back as a 207 with an OBJECT_NOT_FOUND error.
func (v *Vendor) handleBatchRead(w http.ResponseWriter, r *http.Request) *apiError {
	t, in, err := v.batchRequest(r)
	if err != nil {
		return err
	}
	started := v.now()
	v.mu.RLock()
	defer v.mu.RUnlock()
	resp := newBatchResponse(started)
	var missing []string
	for _, input := range in.Inputs {
		rec, err := v.store.getBy(t, input.ID, in.IDProperty)
		if err != nil {
			return err
		}
		if rec == nil {
			missing = append(missing, input.ID)
			continue
		}
		resp.Results = append(resp.Results, rec.render(in.Properties))
	}
	if len(missing) > 0 {
		resp.Errors = append(resp.Errors, notFoundInBatch(t, "get", missing))
	}
	resp.write(w, http.StatusOK, v.now())
	return nil
}

// handleBatchCreate serves POST /crm/v3/objects/{objectType}/batch/create.
// The batch is validated as a whole: one invalid input fails it all.
func (v *Vendor) handleBatchCreate(w http.ResponseWriter, r *http.Request) *apiError {
	t, in, err := v.batchRequest(r)
	if err != nil {
		return err
	}
	for _, input := range in.Inputs {
		if _, err := normalizeProperties(t, input.Properties); err != nil {
			return err
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.now()
	if err := v.checkBatchUnique(t, in.Inputs); err != nil {
		return err
	}
	for _, input := range in.Inputs {
		for _, a := range input.Associations {
			if _, _, err := v.resolveAssociationTarget(t, a); err != nil {
				return err
			}
		}
	}
	resp := newBatchResponse(now)
	for _, input := range in.Inputs {
		rec, err := v.createWithAssociations(t, input, now)
		if err != nil {
			return err // unreachable: every input was validated above
		}
		resp.Results = append(resp.Results, rec.render(propertyNames(input.Properties)))
	}
	resp.write(w, http.StatusCreated, now)
	return nil
}

// checkBatchUnique fails a create batch that collides with stored unique
// values or repeats one within itself, before anything is written.
func (v *Vendor) checkBatchUnique(t *objectType, inputs []objectInput) *apiError {
	seen := map[string]bool{}
	for _, input := range inputs {
		props, _ := normalizeProperties(t, input.Properties)
		if err := v.store.checkUnique(t, props, 0); err != nil {
			return err
		}
		for prop := range v.store.unique[t.name] {
			if val := props[prop]; val != "" {
				key := prop + "\x00" + strings.ToLower(val)
				if seen[key] {
					return validationError("Duplicate values found in batch input for unique property %s: %s", prop, val)
				}
				seen[key] = true
			}
		}
	}
	return nil
}

// handleBatchUpdate serves POST /crm/v3/objects/{objectType}/batch/update.
// Invalid properties fail the batch; unknown ids come back as a 207.
func (v *Vendor) handleBatchUpdate(w http.ResponseWriter, r *http.Request) *apiError {
	t, in, err := v.batchRequest(r)
	if err != nil {
		return err
	}
	if err := checkDuplicateIDs(in.Inputs); err != nil {
		return err
	}
	props := make([]map[string]string, len(in.Inputs))
	for i, input := range in.Inputs {
		if props[i], err = normalizeProperties(t, input.Properties); err != nil {
			return err
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.now()
	resp := newBatchResponse(now)
	var missing []string
	for i, input := range in.Inputs {
		rec, err := v.store.getBy(t, input.ID, input.IDProperty)
		if err != nil {
			return err
		}
		if rec == nil {
			missing = append(missing, input.ID)
			continue
		}
		if err := v.store.update(rec, props[i], now); err != nil {
			resp.Errors = append(resp.Errors, *err)
			continue
		}
		resp.Results = append(resp.Results, rec.render(propertyNames(input.Properties)))
	}
	if len(missing) > 0 {
		resp.Errors = append(resp.Errors, notFoundInBatch(t, "update", missing))
	}
	resp.write(w, http.StatusOK, now)
	return nil
}

// upsertResult is an upsert result: the object plus whether it was created.
type upsertResult struct {
	objectJSON
	New bool `json:"new"`
}

// handleBatchUpsert serves POST /crm/v3/objects/{objectType}/batch/upsert:
// each input is matched by the value of its idProperty, which must be a
// property with unique values; unmatched inputs are created with that value.
func (v *Vendor) handleBatchUpsert(w http.ResponseWriter, r *http.Request) *apiError {
	t, in, err := v.batchRequest(r)
	if err != nil {
		return err
	}
	if err := checkDuplicateIDs(in.Inputs); err != nil {
		return err
	}
	props := make([]map[string]string, len(in.Inputs))
	for i, input := range in.Inputs {
		if input.IDProperty == "" {
			return validationError("Invalid input: inputs[%d].idProperty is required for upsert; use a property with unique values (%s)",
				i, strings.Join(t.uniqueProperties(), ", "))
		}
		if def, ok := t.properties[input.IDProperty]; !ok || !def.unique || input.IDProperty == "hs_object_id" {
			return validationError("Invalid input: idProperty %s of inputs[%d] is not a property with unique values (unique properties: %s)",
				input.IDProperty, i, strings.Join(t.uniqueProperties(), ", "))
		}
		if input.ID == "" {
			return validationError("Invalid input: inputs[%d].id must not be empty", i)
		}
		if props[i], err = normalizeProperties(t, input.Properties); err != nil {
			return err
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.now()
	resp := newBatchResponse(now)
	for i, input := range in.Inputs {
		rec, err := v.store.getBy(t, input.ID, input.IDProperty)
		if err != nil {
			return err
		}
		created := rec == nil
		if created {
			p := props[i]
			p[input.IDProperty] = input.ID
			rec, err = v.store.create(t, p, now)
		} else {
			err = v.store.update(rec, props[i], now)
		}
		if err != nil {
			resp.Errors = append(resp.Errors, *err)
			continue
		}
		resp.Results = append(resp.Results, upsertResult{rec.render(propertyNames(input.Properties)), created})
	}
	resp.write(w, http.StatusOK, now)
	return nil
}

// handleBatchArchive serves POST /crm/v3/objects/{objectType}/batch/archive.
func (v *Vendor) handleBatchArchive(w http.ResponseWriter, r *http.Request) *apiError {
	t, in, err := v.batchRequest(r)
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.now()
	for _, input := range in.Inputs {
		if rec, ok := v.store.get(t, input.ID); ok {
			v.store.archive(rec, now)
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
