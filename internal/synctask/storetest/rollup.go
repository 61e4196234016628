package storetest

// Outcome, roll-up, sealing and deadline cases of the conformance suite.

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/synctask"
)

func rollUpFail(t *testing.T, s synctask.Store) {
	stage(t, s, "t1", input("1", `{}`), input("2", `{"b":1}`), input("3", `{"c":1}`))
	record(t, s, "t1", synctask.StatusSent, "1")
	record(t, s, "t1", synctask.StatusFailed, "2")
	tk := task(t, s, "t1")
	assert.Equal(t, synctask.TaskProcessing, tk.Status, "still waiting for 3")
	assert.Equal(t, synctask.Counts{N: 1, S: 1, F: 1}, tk.Counts)
	record(t, s, "t1", synctask.StatusSent, "3")
	tk = task(t, s, "t1")
	assert.Equal(t, synctask.TaskFail, tk.Status)
	assert.Equal(t, synctask.Counts{S: 2, F: 1}, tk.Counts)
	assert.False(t, tk.EndedAt.IsZero())
	assert.True(t, tk.DeadlineAt.IsZero(), "a finished task has no deadline")
	e := entity(t, s, "2")
	assert.Equal(t, synctask.StatusFailed, e.Status)
	assert.Equal(t, "VALIDATION", e.ErrorCode)
	assert.Equal(t, "sku is required", e.Note)
}

func rollUpCompleted(t *testing.T, s synctask.Store) {
	stage(t, s, "t1", input("1", `{}`), input("2", `{"b":1}`))
	record(t, s, "t1", synctask.StatusSent, "1")
	record(t, s, "t1", synctask.StatusIgnored, "2")
	tk := task(t, s, "t1")
	assert.Equal(t, synctask.TaskCompleted, tk.Status)
	assert.Equal(t, synctask.Counts{S: 1, I: 1}, tk.Counts)
	assert.Equal(t, "tgt-1", entity(t, s, "1").TgtID)
}

func rollUpAllIgnored(t *testing.T, s synctask.Store) {
	stage(t, s, "t1", input("1", `{}`))
	record(t, s, "t1", synctask.StatusSent, "1")
	stage(t, s, "t2", input("1", `{}`))
	tk := task(t, s, "t2")
	assert.Equal(t, synctask.TaskCompleted, tk.Status)
	assert.Equal(t, synctask.Counts{I: 1}, tk.Counts)
}

func rollUpUnknownWinsOverFail(t *testing.T, s synctask.Store) {
	stage(t, s, "t1", input("1", `{}`), input("2", `{"b":1}`))
	record(t, s, "t1", synctask.StatusFailed, "1")
	_, err := s.ExpireOverdue(ctx, time.Now().Add(2*time.Hour))
	require.NoError(t, err)
	tk := task(t, s, "t1")
	assert.Equal(t, synctask.TaskIncompleted, tk.Status)
	assert.Equal(t, synctask.Counts{F: 1, Unknown: 1}, tk.Counts)
}

func deadlineMakesUnknown(t *testing.T, s synctask.Store) {
	stage(t, s, "t1", input("1", `{}`), input("2", `{"b":1}`))
	record(t, s, "t1", synctask.StatusSent, "1")
	next, err := s.NextDeadline(ctx)
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(time.Hour), next, time.Minute)

	next, err = s.ExpireOverdue(ctx, time.Now())
	require.NoError(t, err)
	assert.Equal(t, synctask.TaskProcessing, task(t, s, "t1").Status, "nothing expires before the deadline")
	assert.False(t, next.IsZero())

	next, err = s.ExpireOverdue(ctx, time.Now().Add(2*time.Hour))
	require.NoError(t, err)
	assert.True(t, next.IsZero(), "no deadline is left")
	tk := task(t, s, "t1")
	assert.Equal(t, synctask.TaskIncompleted, tk.Status)
	assert.Equal(t, synctask.Counts{S: 1, Unknown: 1}, tk.Counts)
	assert.Equal(t, synctask.StatusUnknown, entity(t, s, "2").Status)

	record(t, s, "t1", synctask.StatusSent, "2")
	tk = task(t, s, "t1")
	assert.Equal(t, synctask.TaskCompleted, tk.Status)
	assert.Equal(t, synctask.Counts{S: 2}, tk.Counts)
}

func staleOutcomeOnlyUpdatesTask(t *testing.T, s synctask.Store) {
	v1 := stage(t, s, "t1", input("1", `{"v":1}`))
	stage(t, s, "t2", input("1", `{"v":2}`))
	require.NoError(t, s.RecordOutcomes(ctx, []synctask.Outcome{{Key: key("1"), TaskID: "t1", Hash: v1[0].Hash, Status: synctask.StatusSent, TgtID: "x"}}))
	assert.Equal(t, synctask.TaskCompleted, task(t, s, "t1").Status)
	e := entity(t, s, "1")
	assert.Equal(t, synctask.StatusNew, e.Status, "version 2 is still pending")
	assert.Equal(t, synctask.TaskProcessing, task(t, s, "t2").Status)
}

func unresolvedEntityMovesToNewTask(t *testing.T, s synctask.Store) {
	stage(t, s, "t1", input("1", `{"a":1}`), input("2", `{"a":2}`))
	record(t, s, "t1", synctask.StatusSent, "1")
	record(t, s, "t1", synctask.StatusFailed, "2")
	require.Equal(t, synctask.TaskFail, task(t, s, "t1").Status)

	// The source re-fetches the failed entity: N again, now in t2.
	res := stage(t, s, "t2", input("2", `{"a":2}`))
	assert.Equal(t, synctask.StatusNew, res[0].Status)
	t1 := task(t, s, "t1")
	assert.Equal(t, synctask.Counts{S: 1}, t1.Counts, "t1 no longer answers for entity 2")
	assert.Equal(t, synctask.TaskCompleted, t1.Status)
	assert.Equal(t, synctask.Counts{N: 1}, task(t, s, "t2").Counts)
	assert.Equal(t, "t2", entity(t, s, "2").TaskID)

	res2, err := s.Retry(ctx, synctask.RetryRequest{TaskID: "t1"})
	require.NoError(t, err)
	assert.Zero(t, res2.Entities, "t1 has nothing left to retry")
	record(t, s, "t2", synctask.StatusSent, "2")
	assert.Equal(t, synctask.TaskCompleted, task(t, s, "t2").Status)
}

func resolvedEntityStaysCounted(t *testing.T, s synctask.Store) {
	stage(t, s, "t1", input("1", `{"a":1}`))
	record(t, s, "t1", synctask.StatusSent, "1")
	stage(t, s, "t2", input("1", `{"a":2}`))
	assert.Equal(t, synctask.Counts{S: 1}, task(t, s, "t1").Counts)
	assert.Equal(t, synctask.TaskCompleted, task(t, s, "t1").Status)
	assert.Equal(t, synctask.Counts{N: 1}, task(t, s, "t2").Counts)
}

func unknownEntityOutcome(t *testing.T, s synctask.Store) {
	err := s.RecordOutcomes(ctx, []synctask.Outcome{{Key: key("nope"), TaskID: "t1", Status: synctask.StatusSent}})
	require.Error(t, err)
	assert.True(t, errors.Is(err, synctask.ErrNotFound), "got %v", err)
	var uk *synctask.UnknownEntityError
	require.ErrorAs(t, err, &uk)
	assert.Equal(t, key("nope"), uk.Key)
}

func reusedTaskIDRefused(t *testing.T, s synctask.Store) {
	stage(t, s, "t1", input("1", `{}`))
	_, err := s.Stage(ctx, synctask.TaskSpec{ID: "t1", Source: "ns", Target: "mage2", TxType: "customer"},
		[]synctask.StageInput{{Key: synctask.Key{Source: "ns", Target: "mage2", TxType: "customer", SrcID: "1"}, Data: []byte(`{}`)}})
	var mm *synctask.TaskMismatchError
	require.ErrorAs(t, err, &mm)
}

func unsealedTaskWaitsForSeal(t *testing.T, s synctask.Store) {
	open := spec("t1")
	open.Seal = false
	_, err := s.Stage(ctx, open, []synctask.StageInput{input("1", `{}`)})
	require.NoError(t, err)
	record(t, s, "t1", synctask.StatusSent, "1")
	tk := task(t, s, "t1")
	assert.Equal(t, synctask.TaskProcessing, tk.Status, "more entities of the poll cycle may come")
	assert.False(t, tk.Sealed)
	_, err = s.Stage(ctx, open, []synctask.StageInput{input("2", `{"b":1}`)})
	require.NoError(t, err)
	record(t, s, "t1", synctask.StatusFailed, "2")
	require.NoError(t, s.SealTask(ctx, "t1"))
	require.NoError(t, s.SealTask(ctx, "t1"), "sealing twice is harmless")
	tk = task(t, s, "t1")
	assert.True(t, tk.Sealed)
	assert.Equal(t, synctask.TaskFail, tk.Status)
	assert.Equal(t, synctask.Counts{S: 1, F: 1}, tk.Counts)
	evs, err := s.TaskEvents(ctx, 0, 10)
	require.NoError(t, err)
	assert.Len(t, evs, 1, "one event, when the sealed task finished")
	assert.ErrorIs(t, s.SealTask(ctx, "missing"), synctask.ErrNotFound)
}

func unsealedTaskSealedAtDeadline(t *testing.T, s synctask.Store) {
	open := spec("t1")
	open.Seal = false
	_, err := s.Stage(ctx, open, []synctask.StageInput{input("1", `{}`)})
	require.NoError(t, err)
	record(t, s, "t1", synctask.StatusSent, "1")
	_, err = s.ExpireOverdue(ctx, time.Now().Add(2*time.Hour))
	require.NoError(t, err)
	tk := task(t, s, "t1")
	assert.True(t, tk.Sealed)
	assert.Equal(t, synctask.TaskCompleted, tk.Status)
}

func outcomeWithoutTaskID(t *testing.T, s synctask.Store) {
	stage(t, s, "t1", input("1", `{}`))
	require.NoError(t, s.RecordOutcomes(ctx, []synctask.Outcome{{Key: key("1"), Status: synctask.StatusSent}}))
	tk := task(t, s, "t1")
	assert.Equal(t, synctask.Counts{S: 1}, tk.Counts)
	assert.Equal(t, synctask.TaskCompleted, tk.Status)
}
