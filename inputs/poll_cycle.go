package inputs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/synctask"
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

// cycleSource is a polling input as nextInCycle drives it. Its methods are
// called by the goroutine that calls Read.
type cycleSource[T any] interface {
	// cycleOpen reports whether a poll cycle is open.
	cycleOpen() bool
	// startCycle opens a poll cycle; it is called once the cycle is due.
	startCycle(context.Context) error
	// cycleRead reports whether the open cycle has read everything.
	cycleRead() bool
	// fetch reads the open cycle's next page, possibly empty. Its error
	// names the input; after one, the cycle keeps its position.
	fetch(context.Context) ([]T, error)
	// endCycle closes the open cycle and schedules the next.
	endCycle()
}

// nextInCycle returns the next item a polling input emits: it waits until
// a cycle is due and opens it when none is open, reads one item ahead
// (through la) and closes the cycle once it is over. last is true for the
// cycle's last item, whose cycle is closed already when nextInCycle
// returns; a cycle that reads nothing is closed and the next awaited. It
// returns ctx's error when ctx ends, the timer's service.ErrEndOfInput
// after Close, and start and fetch errors as they are; la keeps its items
// across an error, so the next call resumes the same cycle.
func nextInCycle[T any](ctx context.Context, la *cycleLookahead[T], timer *pollTimer, cfg pollingConfig, src cycleSource[T]) (it T, last bool, err error) {
	for {
		if !src.cycleOpen() {
			if err = timer.wait(ctx, cfg); err != nil {
				return it, false, err
			}
			if err = src.startCycle(ctx); err != nil {
				return it, false, err
			}
		}
		if err = la.fill(ctx, src.cycleRead, src.fetch); err != nil {
			if ctx.Err() != nil {
				return it, false, ctx.Err()
			}
			return it, false, err
		}
		var ok bool
		if it, last, ok = la.pop(src.cycleRead()); !ok {
			src.endCycle()
			continue
		}
		if last {
			src.endCycle()
		}
		return it, last, nil
	}
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

// cycleSealer seals poll cycles' tasks in the sync-task store itself, once
// every message of a cycle has been acknowledged, so a task finishes even
// when its dw_task_last message never reaches the sync_task processor (a
// mapping's deleted() or a filter dropped it, or the processor rejected
// it). An acknowledged message has left the pipeline, so every message of
// the cycle that was going to be staged has been. Acks may arrive from any
// goroutine; begin, emitted and end are called by the reading goroutine.
type cycleSealer struct {
	dsn string
	log *service.Logger

	mu     sync.Mutex
	cycles map[string]*cycleAcks
}

type cycleAcks struct {
	pending int
	ended   bool
}

func newCycleSealer(dsn string, log *service.Logger) *cycleSealer {
	return &cycleSealer{dsn: dsn, log: log, cycles: map[string]*cycleAcks{}}
}

// emitted counts one more message of task id and wraps its ack so that the
// cycle's last acknowledgement (success or not: a nacked message is not
// redelivered into this task) seals the task.
func (s *cycleSealer) emitted(id string, ack func(context.Context, error) error) func(context.Context, error) error {
	s.mu.Lock()
	c := s.cycles[id]
	if c == nil {
		c = &cycleAcks{}
		s.cycles[id] = c
	}
	c.pending++
	s.mu.Unlock()
	var once sync.Once
	return func(ctx context.Context, err error) error {
		aerr := ack(ctx, err)
		once.Do(func() {
			s.mu.Lock()
			c.pending--
			seal := c.ended && c.pending == 0
			if seal {
				delete(s.cycles, id)
			}
			s.mu.Unlock()
			if seal {
				s.seal(ctx, id)
			}
		})
		return aerr
	}
}

// end marks task id's cycle as having emitted its last message; the task
// is sealed now if every message was acknowledged already. A cycle that
// emitted nothing has no task and nothing to seal.
func (s *cycleSealer) end(ctx context.Context, id string) {
	s.mu.Lock()
	c := s.cycles[id]
	if c == nil {
		s.mu.Unlock()
		return
	}
	c.ended = true
	seal := c.pending == 0
	if seal {
		delete(s.cycles, id)
	}
	s.mu.Unlock()
	if seal {
		s.seal(ctx, id)
	}
}

func (s *cycleSealer) seal(ctx context.Context, id string) {
	store, err := synctask.Acquire(ctx, s.dsn)
	if err == nil {
		err = store.SealTask(ctx, id)
		if rerr := store.Release(context.WithoutCancel(ctx)); err == nil {
			err = rerr
		}
	}
	switch {
	case errors.Is(err, synctask.ErrNotFound):
		s.log.Debugf("poll cycle %s staged nothing: no task to seal", id)
	case err != nil:
		s.log.Errorf("sealing the task of poll cycle %s: %v (it is sealed at its deadline instead)", id, err)
	}
}
