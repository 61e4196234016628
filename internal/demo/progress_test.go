package demo

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/synctask"
)

var orders = Flow{Source: "magento", Target: "netsuite", TxType: "order"}

// stage puts n entities of flow into one sealed task and returns its keys
// and hashes.
func stage(t *testing.T, st synctask.Store, taskID string, n int) []synctask.StageResult {
	t.Helper()
	var in []synctask.StageInput
	for i := range n {
		in = append(in, synctask.StageInput{
			Key:       synctask.Key{Source: orders.Source, Target: orders.Target, TxType: orders.TxType, SrcID: fmt.Sprint(i)},
			Data:      []byte(fmt.Sprintf(`{"n":%d}`, i)),
			UpdatedAt: time.Now(),
		})
	}
	res, err := st.Stage(t.Context(), synctask.TaskSpec{ID: taskID, TxType: orders.TxType, Source: orders.Source, Target: orders.Target}, in)
	require.NoError(t, err)
	require.NoError(t, st.SealTask(t.Context(), taskID))
	return res
}

func TestTakeAndSettle_FollowATaskUntilEveryOutcomeIsIn(t *testing.T) {
	shared, err := synctask.Acquire(t.Context(), "sqlite://"+filepath.Join(t.TempDir(), "s.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = shared.Release(t.Context()) })

	settler := Settler{Expect: []Flow{orders}, Quiet: time.Minute}
	t0 := time.Now()
	snap, err := Take(t.Context(), shared)
	require.NoError(t, err)
	assert.False(t, settler.Observe(snap, t0), "no task yet")

	res := stage(t, shared, "task-1", 3)
	snap, err = Take(t.Context(), shared)
	require.NoError(t, err)
	assert.Equal(t, 1, snap.Processing())
	assert.Equal(t, 3, snap.Flows[orders].Counts.N)
	assert.False(t, settler.Observe(snap, t0.Add(2*time.Minute)), "a Processing task never settles")

	var outs []synctask.Outcome
	for i, r := range res {
		st := synctask.StatusSent
		if i == 2 {
			st = synctask.StatusFailed
		}
		outs = append(outs, synctask.Outcome{Key: r.Key, TaskID: r.TaskID, Hash: r.Hash, Status: st, Note: "x"})
	}
	require.NoError(t, shared.RecordOutcomes(t.Context(), outs))
	snap, err = Take(t.Context(), shared)
	require.NoError(t, err)
	assert.Equal(t, 0, snap.Processing())
	assert.True(t, snap.Failed())
	assert.Contains(t, snap.ProgressLine(), "S=2 F=1")

	now := t0.Add(3 * time.Minute)
	assert.False(t, settler.Observe(snap, now), "it just changed: wait for the quiet period")
	assert.True(t, settler.Observe(snap, now.Add(time.Minute)))

	var out bytes.Buffer
	snap.WriteSummary(&out)
	assert.Contains(t, out.String(), "task-1")
	assert.Contains(t, out.String(), "Fail")
}

func TestSettler_WaitsForEveryExpectedFlow(t *testing.T) {
	other := Flow{Source: "netsuite", Target: "magento", TxType: "inventory"}
	s := Settler{Expect: []Flow{orders, other}, Quiet: time.Second}
	snap := Snapshot{Flows: map[Flow]*FlowStats{orders: {Tasks: 1, Counts: synctask.Counts{S: 1}}}}
	now := time.Now()
	s.Observe(snap, now)
	assert.False(t, s.Observe(snap, now.Add(time.Hour)))
	assert.Equal(t, []Flow{other}, s.Missing(snap))
}
