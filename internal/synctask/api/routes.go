package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/synctask"
)

// taskJSON is a task as the API returns it.
type taskJSON struct {
	ID         string          `json:"id"`
	TxType     string          `json:"tx_type"`
	Source     string          `json:"source"`
	Target     string          `json:"target"`
	Status     string          `json:"sync_status"`
	Counts     synctask.Counts `json:"counts"`
	CutAt      *time.Time      `json:"cut_at,omitempty"`
	StartedAt  time.Time       `json:"started_at"`
	EndedAt    *time.Time      `json:"ended_at,omitempty"`
	DeadlineAt *time.Time      `json:"deadline_at,omitempty"`
	Retries    int             `json:"retries"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func toTaskJSON(t synctask.Task) taskJSON {
	return taskJSON{ID: t.ID, TxType: t.TxType, Source: t.Source, Target: t.Target, Status: string(t.Status), Counts: t.Counts,
		CutAt: optTime(t.CutAt), StartedAt: t.StartedAt, EndedAt: optTime(t.EndedAt), DeadlineAt: optTime(t.DeadlineAt), Retries: t.Retries}
}

// entityJSON is an entity as the API returns it; Data and OldData only on
// the single-entity route.
type entityJSON struct {
	Source    string          `json:"source"`
	Target    string          `json:"target"`
	TxType    string          `json:"tx_type"`
	SrcID     string          `json:"src_id"`
	Status    string          `json:"tx_status"`
	Hash      string          `json:"hash"`
	TgtID     string          `json:"tgt_id"`
	ErrorCode string          `json:"error_code"`
	Note      string          `json:"tx_note"`
	TaskID    string          `json:"task_id"`
	CreatedAt *time.Time      `json:"created_at,omitempty"`
	UpdatedAt *time.Time      `json:"updated_at,omitempty"`
	StagedAt  time.Time       `json:"staged_at"`
	StatusAt  time.Time       `json:"status_at"`
	Data      json.RawMessage `json:"data,omitempty"`
	OldData   json.RawMessage `json:"old_data,omitempty"`
}

// rawJSON returns stored data as JSON: itself when valid, else as a string
// (a source-side failure may keep a raw record that is not JSON).
func rawJSON(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	if json.Valid(b) {
		return b
	}
	s, _ := json.Marshal(string(b))
	return s
}

func toEntityJSON(e synctask.Entity, withData bool) entityJSON {
	out := entityJSON{Source: e.Source, Target: e.Target, TxType: e.TxType, SrcID: e.SrcID, Status: string(e.Status), Hash: e.Hash,
		TgtID: e.TgtID, ErrorCode: e.ErrorCode, Note: e.Note, TaskID: e.TaskID, CreatedAt: optTime(e.CreatedAt), UpdatedAt: optTime(e.UpdatedAt),
		StagedAt: e.StagedAt, StatusAt: e.StatusAt}
	if withData {
		out.Data, out.OldData = rawJSON(e.Data), rawJSON(e.OldData)
	}
	return out
}

type pageJSON[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

func pageRequest(q url.Values, limitKey, cursorKey string) (synctask.PageRequest, error) {
	p := synctask.PageRequest{Cursor: q.Get(cursorKey)}
	if v := q.Get(limitKey); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return p, badf("%s must be an integer from 1 to 1000, got %q", limitKey, v)
		}
		p.Limit = n
	}
	return p, nil
}

// listValues accepts a parameter repeated or comma-separated.
func listValues(q url.Values, key string) []string {
	var out []string
	for _, v := range q[key] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func entityStatuses(q url.Values) ([]synctask.Status, error) {
	var out []synctask.Status
	for _, s := range listValues(q, "status") {
		st := synctask.Status(s)
		if !st.Valid() {
			return nil, badf("status %q is not one of N, S, F, I, ?", s)
		}
		out = append(out, st)
	}
	return out, nil
}

func queryTime(q url.Values, key string) (time.Time, error) {
	v := q.Get(key)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, badf("%s %q is not an RFC 3339 time", key, v)
	}
	return t, nil
}

func (h *Handler) listTasks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := synctask.TaskFilter{Source: q.Get("source"), Target: q.Get("target"), TxType: q.Get("tx_type")}
	var err error
	for _, s := range listValues(q, "status") {
		ts := synctask.TaskStatus(s)
		if !ts.Valid() {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("status %q is not one of Processing, Completed, Fail, Incompleted", s))
			return
		}
		f.Statuses = append(f.Statuses, ts)
	}
	if f.From, err = queryTime(q, "from"); err == nil {
		f.To, err = queryTime(q, "to")
	}
	if err == nil && !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		err = badf("from must be before to")
	}
	if err == nil {
		f.PageRequest, err = pageRequest(q, "limit", "cursor")
	}
	if err != nil {
		writeStoreError(w, err)
		return
	}
	page, err := storeOf(r).ListTasks(r.Context(), f)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	out := pageJSON[taskJSON]{Items: []taskJSON{}, Next: page.Next}
	for _, t := range page.Items {
		out.Items = append(out.Items, toTaskJSON(t))
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) getTask(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	pr, err := pageRequest(r.URL.Query(), "entity_limit", "entity_cursor")
	if err != nil {
		writeStoreError(w, err)
		return
	}
	t, err := storeOf(r).GetTask(r.Context(), id)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	ents, err := storeOf(r).TaskEntities(r.Context(), id, pr)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	items := ents.Items
	if items == nil {
		items = []synctask.TaskEntity{}
	}
	writeJSON(w, http.StatusOK, struct {
		Task     taskJSON                      `json:"task"`
		Entities pageJSON[synctask.TaskEntity] `json:"entities"`
	}{toTaskJSON(t), pageJSON[synctask.TaskEntity]{Items: items, Next: ents.Next}})
}

func (h *Handler) listEntities(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := synctask.EntityFilter{Source: q.Get("source"), Target: q.Get("target"), TxType: q.Get("tx_type"), SrcID: q.Get("src_id"), TaskID: q.Get("task_id")}
	var err error
	if f.Statuses, err = entityStatuses(q); err == nil {
		f.PageRequest, err = pageRequest(q, "limit", "cursor")
	}
	if err != nil {
		writeStoreError(w, err)
		return
	}
	page, err := storeOf(r).ListEntities(r.Context(), f)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	out := pageJSON[entityJSON]{Items: []entityJSON{}, Next: page.Next}
	for _, e := range page.Items {
		out.Items = append(out.Items, toEntityJSON(e, false))
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) getEntity(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	k := synctask.Key{Source: q.Get("source"), Target: q.Get("target"), TxType: q.Get("tx_type"), SrcID: q.Get("src_id")}
	if err := k.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	e, err := storeOf(r).GetEntity(r.Context(), k)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toEntityJSON(e, true))
}

func (h *Handler) retryTask(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := storeOf(r).GetTask(r.Context(), id); err != nil {
		writeStoreError(w, err)
		return
	}
	res, err := storeOf(r).Retry(r.Context(), synctask.RetryRequest{TaskID: id})
	if err != nil {
		writeStoreError(w, err)
		return
	}
	h.countRetry("task", res)
	writeRetry(w, res)
}

func (h *Handler) countRetry(kind string, res synctask.RetryResult) {
	if h.retried != nil {
		h.retried.Incr(int64(res.Entities), kind)
	}
}

func writeRetry(w http.ResponseWriter, res synctask.RetryResult) {
	if res.Tasks == nil {
		res.Tasks = []string{}
	}
	writeJSON(w, http.StatusOK, res)
}

type retryBody struct {
	TaskID   string   `json:"task_id"`
	Source   string   `json:"source"`
	Target   string   `json:"target"`
	TxType   string   `json:"tx_type"`
	SrcID    string   `json:"src_id"`
	Statuses []string `json:"statuses"`
	Max      int      `json:"max"`
}

func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 32<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badf("invalid JSON body: %v", err)
	}
	return nil
}

func (h *Handler) retryFilter(w http.ResponseWriter, r *http.Request) {
	var b retryBody
	if err := decodeBody(r, &b); err != nil {
		writeStoreError(w, err)
		return
	}
	if b.TaskID == "" && b.Source == "" && b.Target == "" && b.TxType == "" {
		writeError(w, http.StatusBadRequest, "name at least one of task_id, source, target or tx_type")
		return
	}
	if b.Max < 0 || b.Max > 100000 {
		writeError(w, http.StatusBadRequest, "max must be from 0 to 100000")
		return
	}
	f := synctask.EntityFilter{Source: b.Source, Target: b.Target, TxType: b.TxType, SrcID: b.SrcID, TaskID: b.TaskID}
	for _, s := range b.Statuses {
		st := synctask.Status(s)
		if st != synctask.StatusFailed && st != synctask.StatusUnknown {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("statuses: only F and ? can be retried, not %q", s))
			return
		}
		f.Statuses = append(f.Statuses, st)
	}
	res, err := storeOf(r).Retry(r.Context(), synctask.RetryRequest{Filter: f, Max: b.Max})
	if err != nil {
		writeStoreError(w, err)
		return
	}
	h.countRetry("filter", res)
	writeRetry(w, res)
}

type pushEntity struct {
	SrcID     string          `json:"src_id"`
	UpdatedAt string          `json:"updated_at"`
	CreatedAt string          `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

type pushBody struct {
	Source   string       `json:"source"`
	Target   string       `json:"target"`
	TxType   string       `json:"tx_type"`
	TaskID   string       `json:"task_id"`
	Entities []pushEntity `json:"entities"`
}

// pushTimeout bounds how long a push waits for the pipeline.
const pushTimeout = time.Minute

func (h *Handler) push(w http.ResponseWriter, r *http.Request) {
	var b pushBody
	if err := decodeBody(r, &b); err != nil {
		writeStoreError(w, err)
		return
	}
	batch, err := b.messages()
	if err != nil {
		writeStoreError(w, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), pushTimeout)
	defer cancel()
	err = synctask.Push(ctx, r.PathValue("name"), batch)
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, struct {
			TaskID   string `json:"task_id"`
			Accepted int    `json:"accepted"`
		}{b.TaskID, len(batch)})
	case errors.Is(err, synctask.ErrNoPushReceiver):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		writeError(w, http.StatusGatewayTimeout, err.Error())
	default:
		writeError(w, http.StatusBadGateway, err.Error())
	}
}

// messages validates the body and turns it into envelope messages.
func (b *pushBody) messages() (service.MessageBatch, error) {
	probe := synctask.Key{Source: b.Source, Target: b.Target, TxType: b.TxType, SrcID: "-"}
	if err := probe.Validate(); err != nil {
		return nil, badf("%v", err)
	}
	if len(b.Entities) == 0 || len(b.Entities) > 1000 {
		return nil, badf("entities must hold 1 to 1000 items, got %d", len(b.Entities))
	}
	if b.TaskID == "" {
		b.TaskID = synctask.NewTaskID()
	}
	batch := make(service.MessageBatch, 0, len(b.Entities))
	for i, e := range b.Entities {
		if e.SrcID == "" {
			return nil, badf("entities[%d]: src_id is required", i)
		}
		if len(e.Data) == 0 || string(e.Data) == "null" {
			return nil, badf("entities[%d] (%s): data is required", i, e.SrcID)
		}
		msg := service.NewMessage(e.Data)
		msg.MetaSetMut(synctask.MetaSource, b.Source)
		msg.MetaSetMut(synctask.MetaTarget, b.Target)
		msg.MetaSetMut(synctask.MetaTxType, b.TxType)
		msg.MetaSetMut(synctask.MetaSrcID, e.SrcID)
		msg.MetaSetMut(synctask.MetaTaskID, b.TaskID)
		msg.MetaSetMut(synctask.MetaPush, "true")
		for name, v := range map[string]string{synctask.MetaUpdatedAt: e.UpdatedAt, synctask.MetaCreatedAt: e.CreatedAt} {
			if v == "" {
				continue
			}
			if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
				return nil, badf("entities[%d] (%s): %s %q is not an RFC 3339 time", i, e.SrcID, strings.TrimPrefix(name, "dw_"), v)
			}
			msg.MetaSetMut(name, v)
		}
		batch = append(batch, msg)
	}
	batch[len(batch)-1].MetaSetMut(synctask.MetaTaskLast, "true")
	return batch, nil
}
