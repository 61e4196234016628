package synctask

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Shared is a process-wide handle on one store, shared by every component
// that names the same DSN. It wraps the Store so that staging, retries and
// outcomes wake the deadline timer, the replay inputs and the event inputs
// of this process at once instead of waiting for their next poll.
type Shared struct {
	Store
	dsn      string
	refs     int
	replay   broadcast
	events   broadcast
	deadline chan struct{}
	stop     context.CancelFunc
	done     chan struct{}
	// OnExpireError, when set, is told about deadline sweeps that failed.
	onExpireErr func(error)
}

var registry = struct {
	sync.Mutex
	stores map[string]*Shared
}{stores: map[string]*Shared{}}

// Acquire returns the shared store for dsn, opening it (and applying
// migrations) on first use. Supported DSNs:
//
//	sqlite:///absolute/path.db, sqlite://relative/path.db or sqlite:path.db
//	postgres://... or postgresql://... (pgx; optional dw_schema=<name>)
//
// Every Acquire must be paired with a Release. The first Acquire also starts
// the single deadline timer that turns overdue pending entities into ?.
func Acquire(ctx context.Context, dsn string) (*Shared, error) {
	registry.Lock()
	defer registry.Unlock()
	if s, ok := registry.stores[dsn]; ok {
		s.refs++
		return s, nil
	}
	st, err := openDSN(ctx, dsn)
	if err != nil {
		return nil, err
	}
	s := newShared(dsn, st)
	registry.stores[dsn] = s
	return s, nil
}

// NewShared wraps an already open store (for tests and embedding) and starts
// its deadline timer. It is not entered in the process registry.
func NewShared(st Store) *Shared {
	return newShared("", st)
}

func newShared(dsn string, st Store) *Shared {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Shared{Store: st, dsn: dsn, refs: 1, deadline: make(chan struct{}, 1), stop: cancel, done: make(chan struct{})}
	go s.runDeadlines(ctx)
	return s
}

// Release drops one reference; the last one stops the deadline timer and
// closes the store.
func (s *Shared) Release(ctx context.Context) error {
	registry.Lock()
	s.refs--
	last := s.refs <= 0
	if last && s.dsn != "" && registry.stores[s.dsn] == s {
		delete(registry.stores, s.dsn)
	}
	registry.Unlock()
	if !last {
		return nil
	}
	s.stop()
	<-s.done
	return s.Store.Close(ctx)
}

func openDSN(ctx context.Context, dsn string) (Store, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite://"):
		return OpenSQLite(ctx, strings.TrimPrefix(dsn, "sqlite://"))
	case strings.HasPrefix(dsn, "sqlite:"):
		return OpenSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return OpenPostgres(ctx, dsn)
	}
	return nil, fmt.Errorf("opening sync-task store: DSN must start with sqlite:, postgres:// or postgresql:// (got scheme of %q)", redactDSN(dsn))
}

// redactDSN keeps only the scheme of a DSN for error messages, so that
// passwords never reach logs.
func redactDSN(dsn string) string {
	if i := strings.Index(dsn, ":"); i >= 0 {
		return dsn[:i] + ":…"
	}
	return "…"
}

// Stage wraps Store.Stage and wakes the deadline timer.
func (s *Shared) Stage(ctx context.Context, spec TaskSpec, in []StageInput) ([]StageResult, error) {
	res, err := s.Store.Stage(ctx, spec, in)
	if err == nil {
		s.pokeDeadline()
		s.events.fire()
	}
	return res, err
}

// SealTask wraps Store.SealTask and wakes task-event readers.
func (s *Shared) SealTask(ctx context.Context, id string) error {
	err := s.Store.SealTask(ctx, id)
	if err == nil {
		s.events.fire()
	}
	return err
}

// RecordOutcomes wraps Store.RecordOutcomes and wakes task-event readers.
func (s *Shared) RecordOutcomes(ctx context.Context, outcomes []Outcome) error {
	err := s.Store.RecordOutcomes(ctx, outcomes)
	if err == nil {
		s.events.fire()
	}
	return err
}

// Retry wraps Store.Retry and wakes the replay inputs and the deadline timer.
func (s *Shared) Retry(ctx context.Context, r RetryRequest) (RetryResult, error) {
	res, err := s.Store.Retry(ctx, r)
	if err == nil && res.Entities > 0 {
		s.replay.fire()
		s.pokeDeadline()
	}
	return res, err
}

// ReplayReady returns a channel closed the next time a retry queues items.
func (s *Shared) ReplayReady() <-chan struct{} { return s.replay.wait() }

// EventsReady returns a channel closed the next time a task may have finished.
func (s *Shared) EventsReady() <-chan struct{} { return s.events.wait() }

// SetExpireErrorHandler sets a callback for failed deadline sweeps.
func (s *Shared) SetExpireErrorHandler(fn func(error)) {
	registry.Lock()
	s.onExpireErr = fn
	registry.Unlock()
}

func (s *Shared) pokeDeadline() {
	select {
	case s.deadline <- struct{}{}:
	default:
	}
}

// resyncEvery bounds how long the timer trusts its view of the next
// deadline; other replicas sharing a PostgreSQL store may add tasks.
const resyncEvery = time.Minute

// runDeadlines is the one timer per store: it sleeps until the earliest task
// deadline, expires overdue tasks and sleeps again. Nothing polls entities.
func (s *Shared) runDeadlines(ctx context.Context) {
	defer close(s.done)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-s.deadline:
		}
		next, err := s.Store.ExpireOverdue(ctx, time.Now())
		if err != nil && ctx.Err() == nil {
			registry.Lock()
			fn := s.onExpireErr
			registry.Unlock()
			if fn != nil {
				fn(err)
			}
			next = time.Now().Add(5 * time.Second)
		} else {
			s.events.fire()
		}
		wait := resyncEvery
		if !next.IsZero() {
			wait = min(max(time.Until(next), time.Millisecond), resyncEvery)
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(wait)
	}
}

// broadcast wakes every waiter once per fire.
type broadcast struct {
	mu sync.Mutex
	ch chan struct{}
}

func (b *broadcast) wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch == nil {
		b.ch = make(chan struct{})
	}
	return b.ch
}

func (b *broadcast) fire() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch != nil {
		close(b.ch)
		b.ch = nil
	}
}
