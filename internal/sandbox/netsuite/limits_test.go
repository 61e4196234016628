package netsuite

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox"
)

func TestRequestsOverTheConcurrencyLimitAreRefusedWith429(t *testing.T) {
	_, c, _, srv := startSandbox(t, func(o *Options) { o.ProcessingTime = 600 * time.Millisecond })
	const n = 8
	statuses := make([]int, n)
	codes := make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			r := c.do(http.MethodGet, "/record/v1/customer/10", nil)
			statuses[i] = r.status
			if r.status == http.StatusTooManyRequests {
				codes[i] = r.errorCode(t)
			}
		}(i)
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	assert.Equal(t, map[int]int{http.StatusOK: 5, http.StatusTooManyRequests: 3}, count)
	for i, s := range statuses {
		if s == http.StatusTooManyRequests {
			assert.Equal(t, "CONCURRENCY_LIMIT_EXCEEDED", codes[i])
		}
	}
	assert.LessOrEqual(t, srv.Stats().MaxConcurrency, int64(n))

	// Slots are released: the next request gets through.
	assert.Equal(t, http.StatusOK, c.do(http.MethodGet, "/record/v1/customer/10", nil).status)
}

func TestInjectedFaultsCarryNetSuiteErrorBodies(t *testing.T) {
	_, c, _, srv := startSandbox(t, nil)
	srv.SetFaults(sandbox.Faults{RateLimitRate: 1})
	r := c.do(http.MethodGet, "/record/v1/customer/10", nil)
	requireErrorCode(t, r, http.StatusTooManyRequests, "CONCURRENCY_LIMIT_EXCEEDED")
	srv.SetFaults(sandbox.Faults{ErrorRate: 1})
	r = c.do(http.MethodGet, "/record/v1/customer/10", nil)
	assert.GreaterOrEqual(t, r.status, 500)
	assert.Equal(t, "UNEXPECTED_ERROR", r.errorCode(t))
}

func waitJob(t *testing.T, c *client, jobPath string) map[string]any {
	t.Helper()
	var job map[string]any
	require.Eventually(t, func() bool {
		r := c.do(http.MethodGet, jobPath, nil)
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		job = r.json(t)
		return job["completed"] == true
	}, 5*time.Second, 10*time.Millisecond)
	return job
}

func TestAsyncRequestAnswers202AndItsJobReportsTheResult(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	r := c.do(http.MethodPost, "/record/v1/customer", map[string]any{"companyName": "Async AG", "externalId": "C-ASYNC"},
		"Prefer", "respond-async", "X-NetSuite-Idempotency-Key", "8b0f6f4e-2f52-4a43-9a52-5d8c2b0f1e11")
	require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
	assert.Equal(t, "respond-async", r.header.Get("Preference-Applied"))
	jobPath := strings.TrimPrefix(r.header.Get("Location"), c.base+"/services/rest")
	require.True(t, strings.HasPrefix(jobPath, "/async/v1/job/"), r.header.Get("Location"))

	job := waitJob(t, c, jobPath)
	assert.Equal(t, "succeeded", job["progress"])
	task := c.do(http.MethodGet, jobPath+"/task/1", nil)
	require.Equal(t, http.StatusOK, task.status)
	assert.Equal(t, "succeeded", task.json(t)["progress"])
	res := c.do(http.MethodGet, jobPath+"/task/1/result", nil)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	id := res.json(t)["id"].(string)
	got := c.do(http.MethodGet, "/record/v1/customer/"+id, nil)
	require.Equal(t, http.StatusOK, got.status)
	assert.Equal(t, "C-ASYNC", got.json(t)["externalId"])
}

func TestAsyncRequestRepeatingAnIdempotencyKeyIsRefused(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	key := "0b6a3c70-5e07-4f0c-9a3f-8f1f3c2e9d01"
	first := c.do(http.MethodPost, "/record/v1/customer", map[string]any{"companyName": "Once Ltd"},
		"Prefer", "respond-async", "X-NetSuite-Idempotency-Key", key)
	require.Equal(t, http.StatusAccepted, first.status)
	again := c.do(http.MethodPost, "/record/v1/customer", map[string]any{"companyName": "Once Ltd"},
		"Prefer", "respond-async", "X-NetSuite-Idempotency-Key", key)
	requireErrorCode(t, again, http.StatusBadRequest, "IDEMPOTENCY_ERROR")
	assert.Equal(t, first.header.Get("Location"), again.header.Get("Location"), "Location points at the earlier job")

	waitJob(t, c, strings.TrimPrefix(first.header.Get("Location"), c.base+"/services/rest"))
	list := c.do(http.MethodGet, "/record/v1/customer?q=companyName%20IS%20%22Once%20Ltd%22", nil)
	require.Equal(t, http.StatusOK, list.status, "body: %s", list.body)
	assert.EqualValues(t, 1, list.json(t)["totalResults"], "the duplicate did not create a second customer")
}

func TestAsyncFailureIsReportedByTheJob(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	r := c.do(http.MethodPatch, "/record/v1/salesOrder/30", map[string]any{
		"item": map[string]any{"items": []any{map[string]any{"item": map[string]any{"id": "404"}}}},
	}, "Prefer", "respond-async")
	require.Equal(t, http.StatusAccepted, r.status)
	jobPath := strings.TrimPrefix(r.header.Get("Location"), c.base+"/services/rest")
	job := waitJob(t, c, jobPath)
	assert.Equal(t, "failed", job["progress"])
	res := c.do(http.MethodGet, jobPath+"/task/1/result", nil)
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.Equal(t, "INVALID_CONTENT", res.errorCode(t))
}

func TestGovernanceLimitsReportTheAccountAndIntegrationLimits(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	r := c.do(http.MethodGet, "/system/v1/governanceLimits", nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(t, map[string]any{"accountConcurrencyLimit": 5.0, "accountUnallocatedConcurrencyLimit": 5.0, "limitType": "accountLimit"}, r.json(t))

	_, c, _, _ = startSandbox(t, func(o *Options) { o.ConcurrencyLimit = 15; o.IntegrationConcurrencyLimit = 2 })
	r = c.do(http.MethodGet, "/system/v1/governanceLimits", nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(t, map[string]any{"accountConcurrencyLimit": 15.0, "accountUnallocatedConcurrencyLimit": 13.0,
		"integrationConcurrencyLimit": 2.0, "limitType": "integrationSpecific"}, r.json(t))
}

func TestAnIntegrationSpecificLimitCapsConcurrency(t *testing.T) {
	_, c, _, _ := startSandbox(t, func(o *Options) {
		o.ConcurrencyLimit, o.IntegrationConcurrencyLimit, o.ProcessingTime = 15, 2, 600*time.Millisecond
	})
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	for i := range statuses {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			statuses[i] = c.do(http.MethodGet, "/record/v1/customer/10", nil).status
		}(i)
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	assert.Equal(t, map[int]int{http.StatusOK: 2, http.StatusTooManyRequests: 2}, count)
}
