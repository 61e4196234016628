package processors

import (
	"context"
	"sync"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/synctask"
)

// stFieldStore is the `store` field (synctask.StoreField) of every sync_task
// processor.
const stFieldStore = "store"

// syncTaskStore is a sync_task processor's handle on the shared store named
// by its `store` DSN. The store is acquired on first use, not when the
// processor is built, so a store that is down at startup holds or errors
// the first messages that need it instead of failing the stream. Safe for
// concurrent use.
type syncTaskStore struct {
	dsn string
	log *service.Logger

	mu    sync.Mutex
	store *synctask.Shared // nil until opened and after close
}

func newSyncTaskStore(dsn string, log *service.Logger) *syncTaskStore {
	return &syncTaskStore{dsn: dsn, log: log}
}

// open returns the store, acquiring it on the first call (and on the first
// call after a failed one). Failures of the store's background expiry of
// overdue tasks are logged.
func (s *syncTaskStore) open(ctx context.Context) (*synctask.Shared, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store != nil {
		return s.store, nil
	}
	store, err := synctask.Acquire(ctx, s.dsn)
	if err != nil {
		return nil, err
	}
	store.SetExpireErrorHandler(func(err error) { s.log.Errorf("expiring overdue sync tasks: %v", err) })
	s.store = store
	return store, nil
}

// close releases the store if it was opened; a later open acquires it
// again.
func (s *syncTaskStore) close(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store == nil {
		return nil
	}
	err := s.store.Release(ctx)
	s.store = nil
	return err
}
