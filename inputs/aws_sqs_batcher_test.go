package inputs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type recordedCalls struct {
	mu    sync.Mutex
	calls [][]string
	done  map[string]error
	count map[string]int
}

func newRecordedCalls() *recordedCalls {
	return &recordedCalls{done: map[string]error{}, count: map[string]int{}}
}

func (r *recordedCalls) onDone(h string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done[h] = err
	r.count[h]++
}

func (r *recordedCalls) snapshot() (calls [][]string, done map[string]error, count map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	done = map[string]error{}
	count = map[string]int{}
	for k, v := range r.done {
		done[k] = v
	}
	for k, v := range r.count {
		count[k] = v
	}
	return append([][]string(nil), r.calls...), done, count
}

func TestReceiptBatcherSendsAtMostTenHandlesPerCall(t *testing.T) {
	rec := newRecordedCalls()
	b := newReceiptBatcher(func(_ context.Context, hs []string) (map[int]entryFailure, error) {
		rec.mu.Lock()
		rec.calls = append(rec.calls, hs)
		rec.mu.Unlock()
		return nil, nil
	}, time.Hour, rec.onDone)
	for i := range 25 {
		b.Add(fmt.Sprint(i))
	}
	b.Flush(context.Background())
	calls, done, count := rec.snapshot()
	require.Len(t, calls, 3)
	assert.Len(t, calls[0], 10)
	assert.Len(t, calls[1], 10)
	assert.Len(t, calls[2], 5)
	assert.Len(t, done, 25)
	for h, n := range count {
		assert.Equal(t, 1, n, "onDone called once for %s", h)
		assert.NoError(t, done[h])
	}
}

func TestReceiptBatcherRetriesOnlyTheFailedEntriesOfAPartialFailure(t *testing.T) {
	rec := newRecordedCalls()
	failOnce := map[string]bool{"3": true, "7": true}
	b := newReceiptBatcher(func(_ context.Context, hs []string) (map[int]entryFailure, error) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.calls = append(rec.calls, hs)
		failed := map[int]entryFailure{}
		for i, h := range hs {
			if failOnce[h] {
				delete(failOnce, h)
				failed[i] = entryFailure{Retryable: true, Err: errors.New("InternalError")}
			}
		}
		return failed, nil
	}, time.Hour, rec.onDone)
	b.backoff = time.Millisecond
	for i := range 10 {
		b.Add(fmt.Sprint(i))
	}
	b.Flush(context.Background())
	calls, done, count := rec.snapshot()
	require.Len(t, calls, 2)
	assert.ElementsMatch(t, []string{"3", "7"}, calls[1], "only the failed entries are sent again")
	assert.Len(t, done, 10)
	for h := range done {
		assert.NoError(t, done[h])
		assert.Equal(t, 1, count[h])
	}
}

func TestReceiptBatcherReportsPermanentFailuresWithoutRetrying(t *testing.T) {
	rec := newRecordedCalls()
	b := newReceiptBatcher(func(_ context.Context, hs []string) (map[int]entryFailure, error) {
		rec.mu.Lock()
		rec.calls = append(rec.calls, hs)
		rec.mu.Unlock()
		return map[int]entryFailure{0: {Retryable: false, Err: errors.New("ReceiptHandleIsInvalid")}}, nil
	}, time.Hour, rec.onDone)
	b.Add("stale")
	b.Add("fine")
	b.Flush(context.Background())
	calls, done, _ := rec.snapshot()
	assert.Len(t, calls, 1)
	assert.EqualError(t, done["stale"], "ReceiptHandleIsInvalid")
	assert.NoError(t, done["fine"])
}

func TestReceiptBatcherGivesUpAfterMaxAttemptsOfAFailingCall(t *testing.T) {
	rec := newRecordedCalls()
	b := newReceiptBatcher(func(_ context.Context, hs []string) (map[int]entryFailure, error) {
		rec.mu.Lock()
		rec.calls = append(rec.calls, hs)
		rec.mu.Unlock()
		return nil, errors.New("connection refused")
	}, time.Hour, rec.onDone)
	b.backoff = time.Millisecond
	b.maxAttempts = 3
	b.Add("h")
	b.Flush(context.Background())
	calls, done, count := rec.snapshot()
	assert.Len(t, calls, 3)
	assert.EqualError(t, done["h"], "connection refused")
	assert.Equal(t, 1, count["h"])
}

func TestReceiptBatcherSendsAPartialBatchAfterThePeriod(t *testing.T) {
	rec := newRecordedCalls()
	b := newReceiptBatcher(func(_ context.Context, hs []string) (map[int]entryFailure, error) {
		rec.mu.Lock()
		rec.calls = append(rec.calls, hs)
		rec.mu.Unlock()
		return nil, nil
	}, 30*time.Millisecond, rec.onDone)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go b.Run(ctx)
	b.Add("a")
	b.Add("b")
	require.Eventually(t, func() bool {
		_, done, _ := rec.snapshot()
		return len(done) == 2
	}, 2*time.Second, 5*time.Millisecond)
	calls, _, _ := rec.snapshot()
	assert.Equal(t, [][]string{{"a", "b"}}, calls)
}

func TestReceiptBatcherSendsAFullBatchWithoutWaitingForThePeriod(t *testing.T) {
	rec := newRecordedCalls()
	b := newReceiptBatcher(func(_ context.Context, hs []string) (map[int]entryFailure, error) {
		rec.mu.Lock()
		rec.calls = append(rec.calls, hs)
		rec.mu.Unlock()
		return nil, nil
	}, time.Hour, rec.onDone)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go b.Run(ctx)
	for i := range 10 {
		b.Add(fmt.Sprint(i))
	}
	require.Eventually(t, func() bool {
		_, done, _ := rec.snapshot()
		return len(done) == 10
	}, 2*time.Second, 5*time.Millisecond)
}
