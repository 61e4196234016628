package inputs

import (
	"fmt"
	"sort"
)

// offsetWindow tracks the records of one partition that were handed to the
// pipeline and not yet acknowledged. Records are tracked in offset order; an
// offset becomes committable only when it and every tracked offset before it
// are acked, so a commit never passes an unprocessed record.
//
// offsetWindow is not safe for concurrent use; kafkaReader guards it.
type offsetWindow struct {
	pending []windowEntry // pending[head:] are tracked, not yet released, ascending offsets
	head    int
	// next is the offset to commit: one past the highest offset released
	// contiguously, or -1 while nothing has been released.
	next  int64
	epoch int32 // leader epoch of the record at next-1
	// lastTracked guards against tracking an offset twice or out of order.
	lastTracked int64
}

type windowEntry struct {
	offset int64
	epoch  int32
	acked  bool
}

func newOffsetWindow() *offsetWindow {
	return &offsetWindow{next: -1, epoch: -1, lastTracked: -1}
}

// track records that offset was handed to the pipeline. Offsets must be
// tracked in strictly ascending order.
func (w *offsetWindow) track(offset int64, epoch int32) error {
	if offset <= w.lastTracked {
		return fmt.Errorf("tracking offset %d: not after last tracked offset %d", offset, w.lastTracked)
	}
	w.lastTracked = offset
	w.pending = append(w.pending, windowEntry{offset: offset, epoch: epoch})
	return nil
}

// ack marks offset as processed and reports whether the committable offset
// advanced. Acking an offset that is not pending (already released, or
// never tracked) is a no-op.
func (w *offsetWindow) ack(offset int64) bool {
	live := w.pending[w.head:]
	i := sort.Search(len(live), func(i int) bool { return live[i].offset >= offset })
	if i == len(live) || live[i].offset != offset {
		return false
	}
	live[i].acked = true
	released := 0
	for released < len(live) && live[released].acked {
		released++
	}
	if released == 0 {
		return false
	}
	last := live[released-1]
	w.next, w.epoch = last.offset+1, last.epoch
	w.head += released
	if w.head > len(w.pending)/2 {
		// Compact once the released prefix dominates: amortised O(1).
		n := copy(w.pending, w.pending[w.head:])
		w.pending = w.pending[:n]
		w.head = 0
	}
	return true
}

// inFlight is the number of tracked offsets not yet released.
func (w *offsetWindow) inFlight() int { return len(w.pending) - w.head }

// committable returns the offset to commit and its leader epoch; ok is false
// while no offset has been released.
func (w *offsetWindow) committable() (offset int64, epoch int32, ok bool) {
	return w.next, w.epoch, w.next >= 0
}
