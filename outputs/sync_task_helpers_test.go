package outputs

import (
	"context"
	"errors"
	"testing"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/synctask"
)

// stageTask stages data under keys as the records of task spec in store,
// as the sync_task processor does upstream, and returns them as messages
// carrying the envelope, in order.
func stageTask(t testing.TB, store *synctask.Shared, spec synctask.TaskSpec, keys []synctask.Key, data [][]byte) service.MessageBatch {
	t.Helper()
	in := make([]synctask.StageInput, len(keys))
	for i, k := range keys {
		in[i] = synctask.StageInput{Key: k, Data: data[i]}
	}
	staged, err := store.Stage(context.Background(), spec, in)
	require.NoError(t, err)
	batch := make(service.MessageBatch, len(in))
	for i := range in {
		batch[i] = service.NewMessage(data[i])
		synctask.SetEnvelope(batch[i], synctask.Envelope{Key: in[i].Key, TaskID: spec.ID, Hash: staged[i].Hash})
	}
	return batch
}

// writeRedelivering writes batch with out as Benthos does: messages nacked
// in a *service.BatchError are written again until none is left. Messages
// still nacked after rounds writes, or an error for the batch as a whole,
// fail the test.
func writeRedelivering(t testing.TB, out interface {
	WriteBatch(context.Context, service.MessageBatch) error
}, batch service.MessageBatch, rounds int) {
	t.Helper()
	for round := 0; len(batch) > 0; round++ {
		require.Less(t, round, rounds, "messages still nacked after %d redeliveries", rounds)
		err := out.WriteBatch(context.Background(), batch)
		if err == nil {
			return
		}
		var berr *service.BatchError
		require.True(t, errors.As(err, &berr), "WriteBatch failed as a whole: %v", err)
		var again service.MessageBatch
		berr.WalkMessages(func(_ int, m *service.Message, err error) bool {
			if err != nil {
				again = append(again, m)
			}
			return true
		})
		batch = again
	}
}
