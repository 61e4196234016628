package storetest

// Retry and replay-claim cases of the conformance suite.

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/synctask"
)

func retryTask(t *testing.T, s synctask.Store) {
	stage(t, s, "t1", input("1", `{"a":1}`), input("2", `{"a":2}`), input("3", `{"a":3}`))
	record(t, s, "t1", synctask.StatusSent, "1")
	record(t, s, "t1", synctask.StatusFailed, "2")
	_, err := s.ExpireOverdue(ctx, time.Now().Add(2*time.Hour))
	require.NoError(t, err)
	require.Equal(t, synctask.TaskIncompleted, task(t, s, "t1").Status)

	res, err := s.Retry(ctx, synctask.RetryRequest{TaskID: "t1"})
	require.NoError(t, err)
	assert.Equal(t, 2, res.Entities)
	assert.Equal(t, []string{"t1"}, res.Tasks)
	tk := task(t, s, "t1")
	assert.Equal(t, synctask.TaskProcessing, tk.Status)
	assert.Equal(t, synctask.Counts{N: 2, S: 1}, tk.Counts)
	assert.Equal(t, 1, tk.Retries)
	assert.Equal(t, synctask.StatusNew, entity(t, s, "2").Status)
	assert.Equal(t, synctask.StatusNew, entity(t, s, "3").Status)

	again, err := s.Retry(ctx, synctask.RetryRequest{TaskID: "t1"})
	require.NoError(t, err)
	assert.Zero(t, again.Entities, "pending entities are not queued twice")

	items, err := s.ClaimReplay(ctx, synctask.ReplaySelector{Source: "ns", Target: "mage2"}, 100)
	require.NoError(t, err)
	require.Len(t, items, 2)
	assert.Equal(t, "2", items[0].Entity.SrcID)
	assert.JSONEq(t, `{"a":2}`, string(items[0].Entity.Data))
	assert.Equal(t, "t1", items[0].TaskID)
	assert.Equal(t, "3", items[1].Entity.SrcID)
	more, err := s.ClaimReplay(ctx, synctask.ReplaySelector{}, 100)
	require.NoError(t, err)
	assert.Empty(t, more, "a claimed item is never handed out again")

	record(t, s, "t1", synctask.StatusSent, "2", "3")
	tk = task(t, s, "t1")
	assert.Equal(t, synctask.TaskCompleted, tk.Status)
	assert.Equal(t, synctask.Counts{S: 3}, tk.Counts)
}

func retryByFilter(t *testing.T, s synctask.Store) {
	stage(t, s, "t1", input("1", `{"a":1}`), input("2", `{"a":2}`))
	other := synctask.StageInput{Key: synctask.Key{Source: "ns", Target: "hubspot", TxType: "order", SrcID: "1"}, Data: []byte(`{}`)}
	_, err := s.Stage(ctx, synctask.TaskSpec{ID: "t9", Source: "ns", Target: "hubspot", TxType: "order", Seal: true}, []synctask.StageInput{other})
	require.NoError(t, err)
	record(t, s, "t1", synctask.StatusFailed, "1")
	record(t, s, "t1", synctask.StatusSent, "2")
	require.NoError(t, s.RecordOutcomes(ctx, []synctask.Outcome{{Key: other.Key, TaskID: "t9", Status: synctask.StatusFailed}}))

	res, err := s.Retry(ctx, synctask.RetryRequest{Filter: synctask.EntityFilter{Target: "mage2", Statuses: []synctask.Status{synctask.StatusFailed}}})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Entities)
	assert.Equal(t, synctask.StatusNew, entity(t, s, "1").Status)
	assert.Equal(t, synctask.StatusSent, entity(t, s, "2").Status)
	e, err := s.GetEntity(ctx, other.Key)
	require.NoError(t, err)
	assert.Equal(t, synctask.StatusFailed, e.Status, "another target's failure is untouched")

	items, err := s.ClaimReplay(ctx, synctask.ReplaySelector{Target: "hubspot"}, 10)
	require.NoError(t, err)
	assert.Empty(t, items, "the selector only takes its own target")
	items, err = s.ClaimReplay(ctx, synctask.ReplaySelector{Target: "mage2", TxTypes: []string{"order"}}, 10)
	require.NoError(t, err)
	require.Len(t, items, 1)
	assert.Equal(t, key("1"), items[0].Entity.Key)
}

func concurrentClaimsAreDisjoint(t *testing.T, s synctask.Store) {
	const n = 200
	var in []synctask.StageInput
	var ids []string
	for i := range n {
		id := fmt.Sprintf("c%03d", i)
		ids = append(ids, id)
		in = append(in, input(id, fmt.Sprintf(`{"i":%d}`, i)))
	}
	stage(t, s, "t1", in...)
	record(t, s, "t1", synctask.StatusFailed, ids...)
	res, err := s.Retry(ctx, synctask.RetryRequest{TaskID: "t1"})
	require.NoError(t, err)
	require.Equal(t, n, res.Entities)

	got := make(chan string, 2*n)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			for {
				items, err := s.ClaimReplay(ctx, synctask.ReplaySelector{Target: "mage2"}, 7)
				if err != nil {
					errs <- err
					return
				}
				if len(items) == 0 {
					errs <- nil
					return
				}
				for _, it := range items {
					got <- it.Entity.SrcID
				}
			}
		}()
	}
	for range 4 {
		require.NoError(t, <-errs)
	}
	close(got)
	seen := map[string]int{}
	for id := range got {
		seen[id]++
	}
	assert.Len(t, seen, n, "every retried entity was claimed")
	for id, c := range seen {
		assert.Equal(t, 1, c, "claimed once: %s", id)
	}
}

func retryRejectsOtherStatuses(t *testing.T, s synctask.Store) {
	_, err := s.Retry(ctx, synctask.RetryRequest{Filter: synctask.EntityFilter{Statuses: []synctask.Status{synctask.StatusSent}}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "only F and ?")
}
