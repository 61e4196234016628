package netsuite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/datawald/datawald/internal/httpx"
)

const asyncJobPath = "/services/rest/async/v1/job/"

// writeAsync submits r with "Prefer: respond-async" (202 Accepted, the job
// in Location) and follows the job to its result. When NetSuite refuses
// the submission because the idempotency key was used already
// (IDEMPOTENCY_ERROR, the earlier job in Location), the earlier job is
// followed instead, so a redelivered message never creates a second
// record.
func (c *Client) writeAsync(ctx context.Context, r *httpx.Request, o WriteOptions) (WriteResult, error) {
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Minute
	}
	duplicate := false
	resp, err := c.do(ctx, r, nil)
	var job string
	switch {
	case err == nil:
		job = resp.Header.Get("Location")
	default:
		var ne *Error
		if !errors.As(err, &ne) || ne.Code != CodeIdempotency || ne.Location == "" {
			return WriteResult{}, err
		}
		job, duplicate = ne.Location, true
	}
	jobPath, err := jobPathOf(job)
	if err != nil {
		return WriteResult{}, err
	}
	res, err := c.awaitJob(ctx, jobPath, o)
	res.Duplicate = duplicate
	return res, err
}

// jobPathOf keeps the path of a job URL: requests are only ever sent to
// the account's own host.
func jobPathOf(loc string) (string, error) {
	u, err := url.Parse(loc)
	if err != nil || !strings.HasPrefix(u.Path, asyncJobPath) {
		return "", fmt.Errorf("async job Location %q is not a job URL", loc)
	}
	return strings.TrimSuffix(u.Path, "/"), nil
}

type asyncStatus struct {
	Completed bool   `json:"completed"`
	Progress  string `json:"progress"`
}

// awaitJob polls the job until it completes, then reads its task's result.
func (c *Client) awaitJob(ctx context.Context, jobPath string, o WriteOptions) (WriteResult, error) {
	deadline := time.Now().Add(o.Timeout)
	for {
		var st asyncStatus
		if _, err := c.do(ctx, &httpx.Request{Path: jobPath, Endpoint: asyncJobPath + "{job}"}, &st); err != nil {
			return WriteResult{}, fmt.Errorf("reading async job %s: %w", jobPath, err)
		}
		if st.Completed {
			break
		}
		if time.Now().After(deadline) {
			return WriteResult{}, &JobTimeoutError{Job: jobPath, Progress: st.Progress, Waited: o.Timeout}
		}
		t := time.NewTimer(o.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return WriteResult{}, ctx.Err()
		case <-t.C:
		}
	}
	var tasks struct {
		Items []struct {
			ID    string `json:"id"`
			Links []link `json:"links"`
		} `json:"items"`
	}
	if _, err := c.do(ctx, &httpx.Request{Path: jobPath + "/task", Endpoint: asyncJobPath + "{job}/task"}, &tasks); err != nil {
		return WriteResult{}, fmt.Errorf("reading tasks of async job %s: %w", jobPath, err)
	}
	if len(tasks.Items) == 0 {
		return WriteResult{}, fmt.Errorf("async job %s completed with no task", jobPath)
	}
	taskPath := jobPath + "/task/" + url.PathEscape(tasks.Items[0].ID)
	var result struct {
		ID    string `json:"id"`
		Links []link `json:"links"`
	}
	resp, err := c.do(ctx, &httpx.Request{Path: taskPath + "/result", Endpoint: asyncJobPath + "{job}/task/{task}/result"}, &result)
	if err != nil {
		// The task's own error document (e.g. 400 USER_ERROR) is the
		// write's error.
		return WriteResult{}, fmt.Errorf("async job %s: %w", jobPath, err)
	}
	for _, l := range result.Links {
		if l.Rel == "self" {
			if r, err := resultFromLocation(l.Href); err == nil {
				return r, nil
			}
		}
	}
	if result.ID != "" {
		return WriteResult{ID: result.ID}, nil
	}
	return WriteResult{}, fmt.Errorf("async job %s: result names no record (%s)", jobPath, excerpt(resp.Body))
}

type link struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

// JobTimeoutError is an async job that did not complete in time. It is
// retryable: submitting again with the same idempotency key follows the
// same job.
type JobTimeoutError struct {
	Job      string
	Progress string
	Waited   time.Duration
}

func (e *JobTimeoutError) Error() string {
	return fmt.Sprintf("async job %s still %s after %s", e.Job, e.Progress, e.Waited)
}

// Retryable reports true.
func (e *JobTimeoutError) Retryable() bool { return true }

func excerpt(b []byte) string {
	var v any
	if json.Unmarshal(b, &v) == nil {
		if s, err := json.Marshal(v); err == nil {
			b = s
		}
	}
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}
