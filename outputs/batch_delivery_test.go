package outputs

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/synctask"
)

// A batch holds two versions of entity A with B between them. The first
// version's write is undecided, so it is left to be redelivered: B is
// written, but the second version of A must wait for the first instead of
// being written now and then overwritten by the redelivered older one.
func TestDeliverEachHoldsLaterVersionsOfAnEntityWhoseEarlierVersionIsRedelivered(t *testing.T) {
	store, err := synctask.Acquire(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "synctask.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Release(context.Background()) })
	rep := synctask.NewReporter(store, synctask.ReporterConfig{MaxAttempts: 2, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond}, nil)

	a := synctask.Key{Source: "magento", Target: "sap_b1", TxType: "order", SrcID: "A"}
	b := synctask.Key{Source: "magento", Target: "sap_b1", TxType: "order", SrcID: "B"}
	batch := append(
		stageTask(t, store, synctask.TaskSpec{ID: "t1", Source: "magento", Target: "sap_b1", TxType: "order"}, []synctask.Key{a, b}, [][]byte{[]byte(`{"v":1}`), []byte(`{"v":1}`)}),
		stageTask(t, store, synctask.TaskSpec{ID: "t2", Source: "magento", Target: "sap_b1", TxType: "order"}, []synctask.Key{a}, [][]byte{[]byte(`{"v":2}`)})...,
	)

	var written []string
	write := func(_ context.Context, msg *service.Message, _ bool) (synctask.Result, error) {
		env, err := synctask.EnvelopeFromMessage(msg)
		require.NoError(t, err)
		body, _ := msg.AsBytes()
		written = append(written, env.Key.SrcID+string(body))
		if env.Key == a {
			return synctask.Result{}, synctask.Undecided(errors.New("no answer"))
		}
		return synctask.Sent("tgt-" + env.Key.SrcID), nil
	}
	errs := make([]error, len(batch))
	deliverEach(context.Background(), rep, batch, write, func(i int, _ synctask.Outcome, err error) { errs[i] = err })

	assert.Equal(t, []string{`A{"v":1}`, `B{"v":1}`}, written, "the second version of A is not written")
	assert.Error(t, errs[0], "the undecided first version is redelivered")
	assert.NoError(t, errs[1])
	require.Error(t, errs[2], "the second version of A is redelivered after the first")
	assert.Contains(t, errs[2].Error(), "an earlier version in this batch is to be redelivered")
}
