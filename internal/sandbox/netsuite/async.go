package netsuite

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/datawald/datawald/internal/sandbox"
)

const asyncPath = "/services/rest/async/v1/job/"

const idempotencyHeader = "X-NetSuite-Idempotency-Key"

// asyncJob is one request accepted with "Prefer: respond-async". Each job
// has a single task, as NetSuite's record requests do.
type asyncJob struct {
	id        int
	key       string // idempotency key, if any
	submitted time.Time
	started   time.Time
	ended     time.Time
	done      bool
	status    int
	header    http.Header
	body      []byte
}

// maxAsyncJobs is how many jobs (and their idempotency keys) are kept; the
// oldest completed ones are forgotten first.
const maxAsyncJobs = 10_000

// asyncJobs holds the jobs and the idempotency keys already used.
type asyncJobs struct {
	mu       sync.Mutex
	nextID   int
	oldestID int // no job has a smaller id
	jobs     map[int]*asyncJob
	keys     map[string]int // idempotency key -> job id
	wg       sync.WaitGroup
}

func newAsyncJobs() *asyncJobs {
	return &asyncJobs{nextID: 1, oldestID: 1, jobs: map[int]*asyncJob{}, keys: map[string]int{}}
}

func (a *asyncJobs) reset() {
	a.wg.Wait()
	a.mu.Lock()
	a.nextID, a.oldestID, a.jobs, a.keys = 1, 1, map[int]*asyncJob{}, map[string]int{}
	a.mu.Unlock()
}

// forgetOldest drops the oldest jobs while maxAsyncJobs are kept, stopping
// at a job still running. The caller holds a.mu.
func (a *asyncJobs) forgetOldest() {
	for len(a.jobs) >= maxAsyncJobs && a.oldestID < a.nextID {
		j, ok := a.jobs[a.oldestID]
		if ok && !j.done {
			return
		}
		if ok {
			delete(a.jobs, j.id)
			if j.key != "" {
				delete(a.keys, j.key)
			}
		}
		a.oldestID++
	}
}

// bufferedResponse records a handler's answer for the job result.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }
func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
func (b *bufferedResponse) WriteHeader(s int) {
	if b.status == 0 {
		b.status = s
	}
}

// asyncable lets a record write run asynchronously when the client sends
// "Prefer: respond-async": the answer is 202 Accepted with the job's URL in
// Location, and the write runs in the background. A request repeating an
// X-NetSuite-Idempotency-Key already submitted is refused with 400
// IDEMPOTENCY_ERROR and the earlier job in Location. Without respond-async
// the request runs synchronously and the key is ignored.
func (v *Vendor) asyncable(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !preferHas(r, "respond-async") {
			h(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
		if err != nil {
			writeError(w, errorf(http.StatusBadRequest, codeInvalidContent, "Error while reading the request body: %v", err))
			return
		}
		base := sandbox.BaseURL(r)
		key := r.Header.Get(idempotencyHeader)
		a := v.async
		a.mu.Lock()
		if prev, dup := a.keys[key]; key != "" && dup {
			a.mu.Unlock()
			w.Header().Set("Preference-Applied", "respond-async")
			writeError(w, &apiError{
				Status: http.StatusBadRequest, Title: "Conflict", TypeURL: statusTypeURL(http.StatusConflict),
				Code:     codeIdempotencyError,
				Detail:   `A request with the same idempotency key is already submitted. See the "Location" header for a link to the previously submitted job.`,
				Location: base + asyncPath + strconv.Itoa(prev),
			})
			return
		}
		job := &asyncJob{id: a.nextID, key: key, submitted: v.now()}
		a.nextID++
		a.forgetOldest()
		a.jobs[job.id] = job
		if key != "" {
			a.keys[key] = job.id
		}
		a.wg.Add(1)
		a.mu.Unlock()

		// The background run outlives this request: give it its own copy.
		req := r.Clone(context.WithoutCancel(r.Context()))
		req.Body = io.NopCloser(bytes.NewReader(body))
		go func() {
			defer a.wg.Done()
			if d := v.opts.AsyncDelay; d > 0 {
				time.Sleep(d)
			}
			a.mu.Lock()
			job.started = v.now()
			a.mu.Unlock()
			rec := &bufferedResponse{header: http.Header{}}
			h(rec, req)
			a.mu.Lock()
			job.ended, job.done = v.now(), true
			job.status, job.header, job.body = rec.status, rec.header, rec.body.Bytes()
			a.mu.Unlock()
		}()
		w.Header().Set("Preference-Applied", "respond-async")
		w.Header().Set("Location", base+asyncPath+strconv.Itoa(job.id))
		w.WriteHeader(http.StatusAccepted)
	}
}

// jobFrom finds the {job} of the path, answering 404 when unknown.
func (v *Vendor) jobFrom(w http.ResponseWriter, r *http.Request) (asyncJob, bool) {
	id, err := strconv.Atoi(r.PathValue("job"))
	v.async.mu.Lock()
	job, ok := v.async.jobs[id]
	var snap asyncJob
	if ok {
		snap = *job
	}
	v.async.mu.Unlock()
	if err != nil || !ok {
		writeError(w, notFound("async job", r.PathValue("job")))
		return asyncJob{}, false
	}
	return snap, true
}

func (j asyncJob) progress() string {
	switch {
	case !j.done:
		return "pending"
	case j.status >= 400:
		return "failed"
	default:
		return "succeeded"
	}
}

// handleJob answers GET /async/v1/job/{job}.
func (v *Vendor) handleJob(w http.ResponseWriter, r *http.Request) {
	job, ok := v.jobFrom(w, r)
	if !ok {
		return
	}
	href := sandbox.BaseURL(r) + asyncPath + strconv.Itoa(job.id)
	out := map[string]any{
		"links": selfLinks(href),
		"id":    strconv.Itoa(job.id),
		"task":  map[string]any{"links": selfLinks(href + "/task")},
	}
	job.addStatus(out)
	writeJSON(w, http.StatusOK, out)
}

// addStatus sets the fields a job and its one task both report: completed,
// progress, and startTime and endTime once known.
func (j *asyncJob) addStatus(out map[string]any) {
	out["completed"] = j.done
	out["progress"] = j.progress()
	if !j.started.IsZero() {
		out["startTime"] = j.started.UTC().Format(time.RFC3339)
	}
	if j.done {
		out["endTime"] = j.ended.UTC().Format(time.RFC3339)
	}
}

// handleTasks answers GET /async/v1/job/{job}/task: the job's one task.
func (v *Vendor) handleTasks(w http.ResponseWriter, r *http.Request) {
	job, ok := v.jobFrom(w, r)
	if !ok {
		return
	}
	href := sandbox.BaseURL(r) + asyncPath + strconv.Itoa(job.id) + "/task"
	writeJSON(w, http.StatusOK, page{
		Links: selfLinks(href), Count: 1, HasMore: false, Offset: 0, TotalResults: 1,
		Items: []map[string]any{{"links": selfLinks(href + "/1"), "id": "1"}},
	})
}

func taskFrom(w http.ResponseWriter, r *http.Request) bool {
	if r.PathValue("task") != "1" {
		writeError(w, notFound("async task", r.PathValue("task")))
		return false
	}
	return true
}

// handleTask answers GET /async/v1/job/{job}/task/{task}.
func (v *Vendor) handleTask(w http.ResponseWriter, r *http.Request) {
	job, ok := v.jobFrom(w, r)
	if !ok || !taskFrom(w, r) {
		return
	}
	href := sandbox.BaseURL(r) + asyncPath + strconv.Itoa(job.id) + "/task/1"
	out := map[string]any{
		"links": []link{{Rel: "related", Href: href + "/result"}, {Rel: "self", Href: href}},
		"id":    "1",
	}
	job.addStatus(out)
	writeJSON(w, http.StatusOK, out)
}

// handleTaskResult answers GET /async/v1/job/{job}/task/{task}/result: the
// answer of the executed request. A write that succeeded without a body
// links to the record it wrote; a failed one returns its error document with
// its status.
func (v *Vendor) handleTaskResult(w http.ResponseWriter, r *http.Request) {
	job, ok := v.jobFrom(w, r)
	if !ok || !taskFrom(w, r) {
		return
	}
	if !job.done {
		writeError(w, errorf(http.StatusNotFound, codeNonexistentID, "The result of task 1 of job %d is not available yet: the task has not completed.", job.id))
		return
	}
	if job.status >= 400 {
		w.Header().Set("Content-Type", errorMediaType)
		w.WriteHeader(job.status)
		_, _ = w.Write(job.body)
		return
	}
	if len(job.body) > 0 {
		w.Header().Set("Content-Type", "application/vnd.oracle.resource+json; type=singular")
		_, _ = w.Write(job.body)
		return
	}
	out := map[string]any{"links": []link{}}
	if loc := job.header.Get("Location"); loc != "" {
		out["links"] = selfLinks(loc)
		var id string
		if i := bytes.LastIndexByte([]byte(loc), '/'); i >= 0 {
			id = loc[i+1:]
		}
		out["id"] = id
	}
	writeJSON(w, http.StatusOK, out)
}
