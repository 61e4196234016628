package synctask

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/redpanda-data/benthos/v4/public/service"
)

// PushBatch is a batch of entities pushed in through the API (DataWald's
// putMessages), handed to the sync_task_replay input registered under the
// target name. Done receives the pipeline's acknowledgement: nil once the
// batch was processed and written, the error otherwise.
type PushBatch struct {
	Messages service.MessageBatch
	Done     chan error
}

// ErrNoPushReceiver is returned by Push when no input accepts pushes under
// the requested name.
var ErrNoPushReceiver = errors.New("no sync_task_replay input accepts pushes under this name")

var pushReceivers = struct {
	sync.Mutex
	byName map[string]chan PushBatch
}{byName: map[string]chan PushBatch{}}

// RegisterPushReceiver makes name accept pushed batches and returns the
// channel they arrive on. It fails when the name is taken; release it with
// UnregisterPushReceiver.
func RegisterPushReceiver(name string) (<-chan PushBatch, error) {
	pushReceivers.Lock()
	defer pushReceivers.Unlock()
	if _, ok := pushReceivers.byName[name]; ok {
		return nil, fmt.Errorf("push name %q is already used by another sync_task_replay input", name)
	}
	ch := make(chan PushBatch)
	pushReceivers.byName[name] = ch
	return ch, nil
}

// UnregisterPushReceiver stops name from accepting pushes.
func UnregisterPushReceiver(name string) {
	pushReceivers.Lock()
	delete(pushReceivers.byName, name)
	pushReceivers.Unlock()
}

// Push hands msgs to the receiver registered under name and waits until the
// pipeline acknowledged them or ctx ends.
func Push(ctx context.Context, name string, msgs service.MessageBatch) error {
	pushReceivers.Lock()
	ch, ok := pushReceivers.byName[name]
	pushReceivers.Unlock()
	if !ok {
		return fmt.Errorf("pushing to %q: %w", name, ErrNoPushReceiver)
	}
	b := PushBatch{Messages: msgs, Done: make(chan error, 1)}
	select {
	case ch <- b:
	case <-ctx.Done():
		return fmt.Errorf("pushing to %q: waiting for the input: %w", name, ctx.Err())
	}
	select {
	case err := <-b.Done:
		if err != nil {
			return fmt.Errorf("pushing to %q: the pipeline rejected the batch: %w", name, err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("pushing to %q: waiting for acknowledgement: %w", name, ctx.Err())
	}
}
