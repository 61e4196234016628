package checkpoint

import (
	"context"
	"fmt"
	"sync"
)

// Tracker turns out-of-order acknowledgements into an in-order watermark.
// An input calls Add for each message in source order; when every message
// up to some position has been acked, Committed moves to that position.
// A message that is nacked (or never acked) holds the watermark before it,
// whatever happens to later messages. Safe for concurrent use.
type Tracker struct {
	mu        sync.Mutex
	committed Cursor
	pending   []*mark // in Add order; pending[0] is the oldest unsettled
}

type mark struct {
	pos   Cursor
	acked bool
}

// NewTracker starts a tracker at the given committed position.
func NewTracker(start Cursor) *Tracker { return &Tracker{committed: start} }

// Add registers the next message, at position pos (which must not be
// before the previously added one), and returns the function to call when
// it is acknowledged. Ack reports the new committed position and whether it
// moved. Calling ack more than once is harmless.
func (t *Tracker) Add(pos Cursor) (ack func() (Cursor, bool)) {
	m := &mark{pos: pos}
	t.mu.Lock()
	t.pending = append(t.pending, m)
	t.mu.Unlock()
	return func() (Cursor, bool) {
		t.mu.Lock()
		defer t.mu.Unlock()
		m.acked = true
		moved := false
		for len(t.pending) > 0 && t.pending[0].acked {
			t.committed = t.pending[0].pos
			t.pending[0] = nil
			t.pending = t.pending[1:]
			moved = true
		}
		return t.committed, moved
	}
}

// Committed returns the watermark: the last position whose predecessors
// have all been acked.
func (t *Tracker) Committed() Cursor {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.committed
}

// Pending returns how many added messages are not yet behind the watermark.
func (t *Tracker) Pending() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.pending)
}

// Checkpointer joins a Tracker with its Store: acks advance the watermark
// and every advance is saved. It is what a vendor input uses:
//
//	cp, _ := checkpoint.NewCheckpointer(ctx, store)   // in Connect
//	start := cp.Committed()                           // query from here
//	ack := cp.Track(entityCursor)                     // in Read, per message
//	return msg, func(ctx context.Context, err error) error { return ack(ctx, err) }, nil
type Checkpointer struct {
	store   *Store
	tracker *Tracker
	saveMu  sync.Mutex
	saved   Cursor
}

// NewCheckpointer loads the stored cursor (zero when none) and starts
// tracking from it. A corrupt or unknown-version value is an error.
func NewCheckpointer(ctx context.Context, store *Store) (*Checkpointer, error) {
	c, _, err := store.Load(ctx)
	if err != nil {
		return nil, err
	}
	return &Checkpointer{store: store, tracker: NewTracker(c), saved: c}, nil
}

// Committed returns the acked watermark (initially the loaded cursor).
func (c *Checkpointer) Committed() Cursor { return c.tracker.Committed() }

// Pending returns how many tracked messages are not yet behind the watermark.
func (c *Checkpointer) Pending() int { return c.tracker.Pending() }

// Track registers a message at pos and returns its Benthos-style ack
// function. A nil error acks it and saves the watermark if it moved; a
// non-nil error (a nack) leaves the watermark where it was, so the message
// is read again after a restart.
func (c *Checkpointer) Track(pos Cursor) func(ctx context.Context, err error) error {
	ack := c.tracker.Add(pos)
	return func(ctx context.Context, err error) error {
		if err != nil {
			return nil
		}
		if _, moved := ack(); !moved {
			return nil
		}
		return c.flush(ctx)
	}
}

// flush saves the current watermark unless a newer one was saved already.
func (c *Checkpointer) flush(ctx context.Context) error {
	c.saveMu.Lock()
	defer c.saveMu.Unlock()
	cur := c.tracker.Committed()
	if cur.Compare(c.saved) <= 0 && cur.PageToken == c.saved.PageToken {
		return nil
	}
	if err := c.store.Save(ctx, cur); err != nil {
		return fmt.Errorf("advancing checkpoint to %s: %w", cur, err)
	}
	c.saved = cur
	return nil
}
