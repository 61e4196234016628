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

// newRecordedBatcher is a receiptBatcher with the given period whose calls
// are recorded and answered by answer (nil: every entry succeeds).
func newRecordedBatcher(period time.Duration, answer func(hs []string) (map[int]entryFailure, error)) (*receiptBatcher, *recordedCalls) {
	r := &recordedCalls{done: map[string]error{}, count: map[string]int{}}
	send := func(_ context.Context, hs []string) (map[int]entryFailure, error) {
		r.mu.Lock()
		r.calls = append(r.calls, hs)
		r.mu.Unlock()
		if answer == nil {
			return nil, nil
		}
		return answer(hs)
	}
	return newReceiptBatcher(send, period, r.onDone), r
}

// waitDone waits until n handles are settled.
func (r *recordedCalls) waitDone(t *testing.T, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		_, done, _ := r.snapshot()
		return len(done) == n
	}, 2*time.Second, 5*time.Millisecond)
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
	b, rec := newRecordedBatcher(time.Hour, nil)
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
	failOnce := map[string]bool{"3": true, "7": true}
	b, rec := newRecordedBatcher(time.Hour, func(hs []string) (map[int]entryFailure, error) {
		failed := map[int]entryFailure{}
		for i, h := range hs {
			if failOnce[h] {
				delete(failOnce, h)
				failed[i] = entryFailure{Retryable: true, Err: errors.New("InternalError")}
			}
		}
		return failed, nil
	})
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
	b, rec := newRecordedBatcher(time.Hour, func([]string) (map[int]entryFailure, error) {
		return map[int]entryFailure{0: {Retryable: false, Err: errors.New("ReceiptHandleIsInvalid")}}, nil
	})
	b.Add("stale")
	b.Add("fine")
	b.Flush(context.Background())
	calls, done, _ := rec.snapshot()
	assert.Len(t, calls, 1)
	assert.EqualError(t, done["stale"], "ReceiptHandleIsInvalid")
	assert.NoError(t, done["fine"])
}

func TestReceiptBatcherGivesUpAfterMaxAttemptsOfAFailingCall(t *testing.T) {
	b, rec := newRecordedBatcher(time.Hour, func([]string) (map[int]entryFailure, error) {
		return nil, errors.New("connection refused")
	})
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
	b, rec := newRecordedBatcher(30*time.Millisecond, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go b.Run(ctx)
	b.Add("a")
	b.Add("b")
	rec.waitDone(t, 2)
	calls, _, _ := rec.snapshot()
	assert.Equal(t, [][]string{{"a", "b"}}, calls)
}

func TestReceiptBatcherSendsAFullBatchWithoutWaitingForThePeriod(t *testing.T) {
	b, rec := newRecordedBatcher(time.Hour, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go b.Run(ctx)
	for i := range 10 {
		b.Add(fmt.Sprint(i))
	}
	rec.waitDone(t, 10)
}
