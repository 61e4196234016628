package inputs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"
)

// cycleLookahead holds the items of one poll cycle read ahead of the one
// being emitted, so a polling input knows which message is its cycle's last
// and can flag it with dw_task_last (the sync_task processor seals the
// cycle's task when it stages that message). It is needed because a source
// often learns that a page was the last only by asking for the next one.
//
// Use one per input, from the goroutine that calls Read:
//
//	if err := la.fill(ctx, scan.Done, scan.Next); err != nil { ... }
//	it, last, ok := la.pop(scan.Done())
//	// !ok: the cycle has nothing more to emit (possibly nothing at all)
type cycleLookahead[T any] struct {
	items []T
}

// fill fetches pages until two items are buffered, so that the one popped
// next is known to be last or not, or until done reports that the cycle
// has nothing more to read. fetch returns the next page (possibly empty);
// on error the items already buffered are kept and a later fill resumes.
func (la *cycleLookahead[T]) fill(ctx context.Context, done func() bool, fetch func(context.Context) ([]T, error)) error {
	for len(la.items) < 2 && !done() {
		page, err := fetch(ctx)
		if err != nil {
			return err
		}
		la.items = append(la.items, page...)
	}
	return nil
}

// pop removes the next item. last is true when it is the cycle's last
// message: nothing else is buffered and the cycle has read everything
// (done, as reported by the source after the preceding fill). ok is false
// when nothing is buffered.
func (la *cycleLookahead[T]) pop(done bool) (it T, last, ok bool) {
	if len(la.items) == 0 {
		return it, false, false
	}
	it = la.items[0]
	var zero T
	la.items[0] = zero // let the page's memory go as the cycle advances
	la.items = la.items[1:]
	return it, done && len(la.items) == 0, true
}

// pollTaskID names one poll cycle of a polling input, the value of its
// messages' dw_task_id: "magento-orders-20260301T093000Z-1a2b3c4d". The
// random suffix keeps two cycles started in one second (or by two
// replicas) apart.
func pollTaskID(system, entity string, at time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms.
	return system + "-" + entity + "-" + at.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
