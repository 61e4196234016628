package hubspot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// MaxBatchInputs is the most inputs HubSpot takes in one batch call.
const MaxBatchInputs = 100

// Input is one object to create or update: for an update, ID is the
// object's hs_object_id (or, with IDProperty, the value of that unique
// property).
type Input struct {
	ID         string         `json:"id,omitempty"`
	IDProperty string         `json:"idProperty,omitempty"`
	Properties map[string]any `json:"properties"`
}

// BatchResult is the answer to one batch operation over all its chunks:
// the objects HubSpot returned (in no guaranteed order) and the per-input
// errors of 207 answers.
type BatchResult struct {
	Results []Object
	Errors  []InputError
}

// NotFound returns the ids named by OBJECT_NOT_FOUND errors: the inputs
// that matched no object. These, and only these, are "not found".
func (r BatchResult) NotFound() map[string]bool {
	out := map[string]bool{}
	for _, e := range r.Errors {
		if e.Category != CategoryNotFound {
			continue
		}
		for _, id := range e.IDs() {
			out[strings.ToLower(id)] = true
		}
	}
	return out
}

type batchBody struct {
	Inputs     any      `json:"inputs"`
	IDProperty string   `json:"idProperty,omitempty"`
	Properties []string `json:"properties,omitempty"`
}

type batchAnswer struct {
	Results []json.RawMessage `json:"results"`
	Errors  []InputError      `json:"errors"`
}

// BatchRead reads objects by id, or by the value of the unique property
// idProperty, with POST .../batch/read in chunks of MaxBatchInputs. An id
// that matches nothing comes back in NotFound; any failed call is an
// *ObjectError naming the ids of its chunk, and nothing read before it is
// returned: a caller must never take a failed read for "not found".
//
// HubSpot API docs: https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/batch/read-contacts
func (c *Client) BatchRead(ctx context.Context, objectType, idProperty string, ids, properties []string) (BatchResult, error) {
	if idProperty == PropObjectID {
		idProperty = "" // HubSpot's default: ids are object ids
	}
	var res BatchResult
	for start := 0; start < len(ids); start += MaxBatchInputs {
		chunk := ids[start:min(start+MaxBatchInputs, len(ids))]
		inputs := make([]map[string]string, len(chunk))
		for i, id := range chunk {
			inputs[i] = map[string]string{"id": id}
		}
		body := batchBody{Inputs: inputs, IDProperty: idProperty, Properties: properties}
		if err := c.batch(ctx, objectType, "read", "reading", chunk, body, true, &res); err != nil {
			return BatchResult{}, err
		}
	}
	return res, nil
}

// BatchCreate creates objects with POST .../batch/create in chunks of
// MaxBatchInputs. HubSpot validates a chunk as a whole: one invalid input
// fails the call (400) and creates nothing. Creation is not idempotent, so
// httpx repeats a chunk only after a 429.
func (c *Client) BatchCreate(ctx context.Context, objectType string, inputs []Input, names func(Input) string) (BatchResult, error) {
	return c.batchWrite(ctx, objectType, "create", "creating", inputs, names, false)
}

// BatchUpdate updates objects by id (or by IDProperty) with POST
// .../batch/update in chunks of MaxBatchInputs. Updating the same values
// twice has the same effect, so httpx may repeat a chunk after a transient
// failure. Ids that match nothing come back as OBJECT_NOT_FOUND errors.
func (c *Client) BatchUpdate(ctx context.Context, objectType string, inputs []Input, names func(Input) string) (BatchResult, error) {
	return c.batchWrite(ctx, objectType, "update", "updating", inputs, names, true)
}

// batchWrite sends inputs in chunks; names renders an input for errors. On
// error it returns the results of the chunks sent before with it.
func (c *Client) batchWrite(ctx context.Context, objectType, action, op string, inputs []Input, names func(Input) string, idempotent bool) (BatchResult, error) {
	var res BatchResult
	for start := 0; start < len(inputs); start += MaxBatchInputs {
		chunk := inputs[start:min(start+MaxBatchInputs, len(inputs))]
		ids := make([]string, len(chunk))
		for i, in := range chunk {
			ids[i] = names(in)
		}
		if err := c.batch(ctx, objectType, action, op, ids, batchBody{Inputs: chunk}, idempotent, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

// batch sends one batch call and appends its results and errors to res.
func (c *Client) batch(ctx context.Context, objectType, action, op string, ids []string, body batchBody, idempotent bool, res *BatchResult) error {
	var ans batchAnswer
	_, err := c.do(ctx, call{
		method:     http.MethodPost,
		path:       objectsPath(objectType) + "/batch/" + action,
		endpoint:   "/objects/{objectType}/batch/" + action,
		body:       body,
		idempotent: idempotent,
	}, &ans)
	if err != nil {
		return &ObjectError{Op: op, ObjectType: objectType, IDs: ids, Err: err}
	}
	for i, raw := range ans.Results {
		o, err := decodeObject(raw)
		if err != nil {
			return &ObjectError{Op: op, ObjectType: objectType, IDs: ids, Err: fmtResultErr(i, err)}
		}
		res.Results = append(res.Results, o)
	}
	res.Errors = append(res.Errors, ans.Errors...)
	return nil
}

func fmtResultErr(i int, err error) error {
	return fmt.Errorf("decoding result %d: %w", i, err)
}
