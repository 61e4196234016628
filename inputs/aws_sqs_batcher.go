package inputs

import (
	"context"
	"sync"
	"time"

	"github.com/datawald/datawald/internal/awsconf"
)

// entryFailure is one failed entry of a batch call.
type entryFailure struct {
	// Retryable reports a server-side fault worth retrying; false means the
	// entry itself is wrong (e.g. an expired receipt handle).
	Retryable bool
	Err       error
}

// batchSendFunc performs one batch call for handles (at most awsconf.SQSMaxBatchEntries)
// and returns the failed entries by index. A non-nil error means the whole
// call failed and every entry may be retried.
type batchSendFunc func(ctx context.Context, handles []string) (map[int]entryFailure, error)

// receiptBatcher groups receipt handles into batch calls of at most ten
// entries (DeleteMessageBatch on ack, ChangeMessageVisibilityBatch on nack).
// A batch is sent when ten handles are waiting or period after the first one
// arrived. Failed entries that are retryable, and whole failed calls, are
// retried up to maxAttempts; onDone is called exactly once per added handle
// with nil or the final error.
type receiptBatcher struct {
	send        batchSendFunc
	period      time.Duration
	maxAttempts int
	backoff     time.Duration
	onDone      func(handle string, err error)

	mu      sync.Mutex
	pending []pendingHandle
	kick    chan struct{}
}

type pendingHandle struct {
	handle   string
	attempts int
}

func newReceiptBatcher(send batchSendFunc, period time.Duration, onDone func(string, error)) *receiptBatcher {
	return &receiptBatcher{
		send:        send,
		period:      period,
		maxAttempts: 5,
		backoff:     200 * time.Millisecond,
		onDone:      onDone,
		kick:        make(chan struct{}, 1),
	}
}

// Add queues a handle.
func (b *receiptBatcher) Add(handle string) {
	b.mu.Lock()
	b.pending = append(b.pending, pendingHandle{handle: handle})
	full := len(b.pending) >= awsconf.SQSMaxBatchEntries
	b.mu.Unlock()
	if full {
		select {
		case b.kick <- struct{}{}:
		default:
		}
	}
}

// Run sends batches until ctx is done. It does not flush on exit; call
// Flush for that.
func (b *receiptBatcher) Run(ctx context.Context) {
	t := time.NewTicker(b.period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.kick:
		case <-t.C:
		}
		b.sendReady(ctx, false)
	}
}

// Flush sends every queued handle, retrying failures, until the queue is
// empty or ctx is done. Handles still queued when ctx ends are reported to
// onDone with ctx's error.
func (b *receiptBatcher) Flush(ctx context.Context) {
	for ctx.Err() == nil && b.sendReady(ctx, true) {
		select {
		case <-ctx.Done():
		case <-time.After(b.backoff):
		}
	}
	b.mu.Lock()
	left := b.pending
	b.pending = nil
	b.mu.Unlock()
	for _, p := range left {
		b.onDone(p.handle, ctx.Err())
	}
}

// sendReady sends full batches, and with all a final partial batch too. It
// reports whether handles remain queued (retries).
func (b *receiptBatcher) sendReady(ctx context.Context, all bool) bool {
	var retry []pendingHandle
	for {
		b.mu.Lock()
		n := min(len(b.pending), awsconf.SQSMaxBatchEntries)
		if n == 0 {
			b.pending = append(b.pending, retry...)
			more := len(b.pending) > 0
			b.mu.Unlock()
			return more
		}
		batch := append([]pendingHandle(nil), b.pending[:n]...)
		b.pending = b.pending[n:]
		b.mu.Unlock()

		retry = append(retry, b.sendOne(ctx, batch)...)
		if !all && n < awsconf.SQSMaxBatchEntries {
			// A partial batch is only sent on the period tick; it was.
			b.mu.Lock()
			b.pending = append(b.pending, retry...)
			more := len(b.pending) > 0
			b.mu.Unlock()
			return more
		}
	}
}

// sendOne performs one call and returns the entries to retry.
func (b *receiptBatcher) sendOne(ctx context.Context, batch []pendingHandle) []pendingHandle {
	handles := make([]string, len(batch))
	for i, p := range batch {
		handles[i] = p.handle
	}
	failed, err := b.send(ctx, handles)
	var retry []pendingHandle
	for i, p := range batch {
		f, bad := failed[i]
		switch {
		case err != nil:
			f, bad = entryFailure{Retryable: true, Err: err}, true
		case !bad:
			b.onDone(p.handle, nil)
			continue
		}
		p.attempts++
		if f.Retryable && p.attempts < b.maxAttempts {
			retry = append(retry, p)
			continue
		}
		b.onDone(p.handle, f.Err)
	}
	return retry
}
