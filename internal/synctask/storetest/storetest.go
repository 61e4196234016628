// Package storetest is the conformance suite every synctask.Store backend
// must pass. A backend's test calls Run with a function that opens a fresh,
// empty store; each subtest gets its own store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/synctask"
)

// Opener returns a fresh, empty store that is closed when t ends.
type Opener func(t *testing.T) synctask.Store

// Run runs the conformance suite against the stores open returns.
func Run(t *testing.T, open Opener) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

type testCase struct {
	name string
	fn   func(t *testing.T, s synctask.Store)
}

var cases = []testCase{
	{"first sighting is staged N and the task is Processing", firstSightingIsN},
	{"unchanged data after S is staged I even with other key order and number spelling", unchangedAfterSentIsI},
	{"unchanged data after I stays I", unchangedAfterIgnoredIsI},
	{"unchanged data after F is staged N again", unchangedAfterFailedIsN},
	{"unchanged data after N stays N", unchangedAfterPendingIsN},
	{"changed data is staged N with the previous data as old_data", changedDataKeepsOldData},
	{"created_at is kept from the first sighting", createdAtFromFirstSighting},
	{"a batch mixing first sightings, unchanged, changed and failed entities stores each one's own fields", mixedBatchStoresEachEntity},
	{"a source-side failure is staged F with its note and never pending", sourceFailureIsF},
	{"a task with any F and no ? ends Fail", rollUpFail},
	{"a task with only S and I ends Completed", rollUpCompleted},
	{"a task whose entities are all unchanged completes at once", rollUpAllIgnored},
	{"? wins over F in the roll-up", rollUpUnknownWinsOverFail},
	{"pending entities become ? after the deadline and a late outcome still counts", deadlineMakesUnknown},
	{"retrying a task resets F and ? to N, queues each once, and completes after success", retryTask},
	{"retrying by filter only touches F and ? entities of that filter", retryByFilter},
	{"retry rejects statuses other than F and ?", retryRejectsOtherStatuses},
	{"concurrent replay claims hand each retried entity out exactly once", concurrentClaimsAreDisjoint},
	{"concurrent first sightings of the same keys in different tasks all succeed", concurrentFirstSightings},
	{"an outcome for a superseded version is ignored", staleOutcomeOnlyUpdatesTask},
	{"re-staging an unresolved entity in a new task moves it out of the old task", unresolvedEntityMovesToNewTask},
	{"a delivered entity stays counted in the task that delivered it", resolvedEntityStaysCounted},
	{"keys containing separators never collide", keysWithSeparatorsDoNotCollide},
	{"quotes, backslashes, NUL bytes and non-ASCII text round-trip", awkwardTextRoundTrips},
	{"an outcome for an unknown entity is ErrNotFound", unknownEntityOutcome},
	{"a task id reused for another tx_type is refused", reusedTaskIDRefused},
	{"a duplicate key in one batch counts once and the last version wins", duplicateKeyInBatch},
	{"entities are listed by status and key with cursor paging", listEntitiesPaging},
	{"tasks are listed by status and time range, newest first", listTasksFilters},
	{"an invalid page cursor is an error", invalidCursor},
	{"task events are emitted once per terminal transition, in order", taskEventsInOrder},
	{"named cursors persist", cursorsPersist},
	{"an unsealed task stays Processing until it is sealed", unsealedTaskWaitsForSeal},
	{"an unsealed task is sealed and rolled up at its deadline", unsealedTaskSealedAtDeadline},
	{"a missing entity or task is ErrNotFound", missingIsNotFound},
	{"an outcome without a task id counts for the entity's current task", outcomeWithoutTaskID},
}

var ctx = context.Background()

func key(id string) synctask.Key {
	return synctask.Key{Source: "ns", Target: "mage2", TxType: "order", SrcID: id}
}

func spec(id string) synctask.TaskSpec {
	return synctask.TaskSpec{ID: id, Source: "ns", Target: "mage2", TxType: "order", Deadline: time.Hour, Seal: true}
}

var t0 = time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)

func input(id, data string) synctask.StageInput {
	return synctask.StageInput{Key: key(id), Data: []byte(data), CreatedAt: t0, UpdatedAt: t0.Add(time.Minute)}
}

func stage(t *testing.T, s synctask.Store, task string, in ...synctask.StageInput) []synctask.StageResult {
	t.Helper()
	res, err := s.Stage(ctx, spec(task), in)
	require.NoError(t, err)
	require.Len(t, res, len(in))
	return res
}

func record(t *testing.T, s synctask.Store, task string, st synctask.Status, ids ...string) {
	t.Helper()
	var outs []synctask.Outcome
	for _, id := range ids {
		o := synctask.Outcome{Key: key(id), TaskID: task, Status: st}
		switch st {
		case synctask.StatusSent:
			o.TgtID = "tgt-" + id
		case synctask.StatusFailed:
			o.ErrorCode, o.Note = "VALIDATION", "sku is required"
		}
		outs = append(outs, o)
	}
	require.NoError(t, s.RecordOutcomes(ctx, outs))
}

func entity(t *testing.T, s synctask.Store, id string) synctask.Entity {
	t.Helper()
	e, err := s.GetEntity(ctx, key(id))
	require.NoError(t, err)
	return e
}

func task(t *testing.T, s synctask.Store, id string) synctask.Task {
	t.Helper()
	tk, err := s.GetTask(ctx, id)
	require.NoError(t, err)
	return tk
}

func firstSightingIsN(t *testing.T, s synctask.Store) {
	res := stage(t, s, "t1", input("1", `{"a":1}`))
	assert.Equal(t, synctask.StatusNew, res[0].Status)
	assert.True(t, res[0].Changed)
	assert.Equal(t, "t1", res[0].TaskID)
	e := entity(t, s, "1")
	assert.Equal(t, synctask.StatusNew, e.Status)
	assert.JSONEq(t, `{"a":1}`, string(e.Data))
	assert.Empty(t, e.OldData)
	tk := task(t, s, "t1")
	assert.Equal(t, synctask.TaskProcessing, tk.Status)
	assert.Equal(t, synctask.Counts{N: 1}, tk.Counts)
	assert.Equal(t, t0.Add(time.Minute), tk.CutAt)
	assert.False(t, tk.DeadlineAt.IsZero(), "a task with pending entities has a deadline")
	assert.True(t, tk.EndedAt.IsZero())
}

func unchangedAfterSentIsI(t *testing.T, s synctask.Store) {
	stage(t, s, "t1", input("1", `{"a":1,"b":{"x":[1.5,2]}}`))
	record(t, s, "t1", synctask.StatusSent, "1")
	res := stage(t, s, "t2", input("1", `{ "b": {"x": [15e-1, 2.0]}, "a": 1.00 }`))
	assert.Equal(t, synctask.StatusIgnored, res[0].Status)
	assert.False(t, res[0].Changed)
	e := entity(t, s, "1")
	assert.Equal(t, synctask.StatusIgnored, e.Status)
	assert.Equal(t, "tgt-1", e.TgtID, "the target id survives re-staging")
}

func unchangedAfterIgnoredIsI(t *testing.T, s synctask.Store) {
	stage(t, s, "t1", input("1", `{"a":1}`))
	record(t, s, "t1", synctask.StatusIgnored, "1")
	res := stage(t, s, "t2", input("1", `{"a":1}`))
	assert.Equal(t, synctask.StatusIgnored, res[0].Status)
}

func unchangedAfterFailedIsN(t *testing.T, s synctask.Store) {
	stage(t, s, "t1", input("1", `{"a":1}`))
	record(t, s, "t1", synctask.StatusFailed, "1")
	res := stage(t, s, "t2", input("1", `{"a":1}`))
	assert.Equal(t, synctask.StatusNew, res[0].Status)
	e := entity(t, s, "1")
	assert.Equal(t, synctask.StatusNew, e.Status)
	assert.Empty(t, e.ErrorCode, "a re-staged entity carries no stale error")
}

func unchangedAfterPendingIsN(t *testing.T, s synctask.Store) {
	stage(t, s, "t1", input("1", `{"a":1}`))
	res := stage(t, s, "t2", input("1", `{"a":1}`))
	assert.Equal(t, synctask.StatusNew, res[0].Status)
	assert.False(t, res[0].Changed)
}

func changedDataKeepsOldData(t *testing.T, s synctask.Store) {
	stage(t, s, "t1", input("1", `{"a":1}`))
	record(t, s, "t1", synctask.StatusSent, "1")
	res := stage(t, s, "t2", input("1", `{"a":2}`))
	assert.Equal(t, synctask.StatusNew, res[0].Status)
	assert.True(t, res[0].Changed)
	e := entity(t, s, "1")
	assert.JSONEq(t, `{"a":2}`, string(e.Data))
	assert.JSONEq(t, `{"a":1}`, string(e.OldData))
	assert.Equal(t, "t2", e.TaskID)
}

func createdAtFromFirstSighting(t *testing.T, s synctask.Store) {
	stage(t, s, "t1", input("1", `{"a":1}`))
	later := input("1", `{"a":2}`)
	later.CreatedAt = t0.Add(48 * time.Hour)
	later.UpdatedAt = t0.Add(49 * time.Hour)
	stage(t, s, "t2", later)
	e := entity(t, s, "1")
	assert.Equal(t, t0, e.CreatedAt)
	assert.Equal(t, t0.Add(49*time.Hour), e.UpdatedAt)
}

func mixedBatchStoresEachEntity(t *testing.T, s synctask.Store) {
	first := []synctask.StageInput{input("a", `{"v":1}`), input("b", `{"v":1}`), input("c", `{"v":1}`)}
	for i := range first {
		first[i].CreatedAt = t0.Add(time.Duration(i) * time.Hour)
	}
	stage(t, s, "t1", first...)
	record(t, s, "t1", synctask.StatusSent, "a")
	record(t, s, "t1", synctask.StatusFailed, "b")

	later := t0.Add(72 * time.Hour)
	failed := input("e", `not json, it's raw`)
	failed.Failed, failed.ErrorCode, failed.Note = true, "E'1", "bad: 'x'"
	again := []synctask.StageInput{input("a", `{"v":1}`), input("b", `{"v":2}`), input("c", `{"v":3}`), input("d", `{"v":4}`), failed}
	for i := range again {
		again[i].CreatedAt, again[i].UpdatedAt = later, later.Add(time.Duration(i)*time.Minute)
	}
	stage(t, s, "t2", again...)

	want := []struct {
		id, data, old, tgt, code, note string
		status                         synctask.Status
		created                        time.Time
	}{
		{"a", `{"v":1}`, "", "tgt-a", "", "no update: data unchanged since last delivery", synctask.StatusIgnored, t0},
		{"b", `{"v":2}`, `{"v":1}`, "", "", "ns -> datawald", synctask.StatusNew, t0.Add(time.Hour)},
		{"c", `{"v":3}`, `{"v":1}`, "", "", "ns -> datawald", synctask.StatusNew, t0.Add(2 * time.Hour)},
		{"d", `{"v":4}`, "", "", "", "ns -> datawald", synctask.StatusNew, later},
		{"e", `not json, it's raw`, "", "", "E'1", "bad: 'x'", synctask.StatusFailed, later},
	}
	for i, w := range want {
		e := entity(t, s, w.id)
		assert.Equal(t, w.status, e.Status, w.id)
		assert.Equal(t, w.data, string(e.Data), w.id)
		if w.old == "" {
			assert.Nil(t, e.OldData, w.id)
		} else {
			assert.Equal(t, w.old, string(e.OldData), w.id)
		}
		assert.Equal(t, w.tgt, e.TgtID, w.id)
		assert.Equal(t, w.code, e.ErrorCode, w.id)
		assert.Equal(t, w.note, e.Note, w.id)
		assert.Equal(t, "t2", e.TaskID, w.id)
		assert.Equal(t, w.created, e.CreatedAt, w.id)
		assert.Equal(t, later.Add(time.Duration(i)*time.Minute), e.UpdatedAt, w.id)
	}
	assert.Equal(t, synctask.Counts{N: 3, F: 1, I: 1}, task(t, s, "t2").Counts)
}

func sourceFailureIsF(t *testing.T, s synctask.Store) {
	in := input("1", `not json at all`)
	in.Failed, in.ErrorCode, in.Note = true, "SCHEMA", "/total: expected number"
	res := stage(t, s, "t1", in, input("2", `{"a":1}`))
	assert.Equal(t, synctask.StatusFailed, res[0].Status)
	assert.Equal(t, synctask.StatusNew, res[1].Status)
	e := entity(t, s, "1")
	assert.Equal(t, "SCHEMA", e.ErrorCode)
	assert.Equal(t, "/total: expected number", e.Note)
	record(t, s, "t1", synctask.StatusSent, "2")
	tk := task(t, s, "t1")
	assert.Equal(t, synctask.TaskFail, tk.Status)
	assert.Equal(t, synctask.Counts{S: 1, F: 1}, tk.Counts)
}

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

func keysWithSeparatorsDoNotCollide(t *testing.T, s synctask.Store) {
	a := synctask.Key{Source: "ns_eu", Target: "mage2", TxType: "order-line", SrcID: "1-2"}
	b := synctask.Key{Source: "ns", Target: "eu_mage2", TxType: "order", SrcID: "line-1-2"}
	for i, k := range []synctask.Key{a, b} {
		_, err := s.Stage(ctx, synctask.TaskSpec{Source: k.Source, Target: k.Target, TxType: k.TxType},
			[]synctask.StageInput{{Key: k, Data: []byte(fmt.Sprintf(`{"n":%d}`, i))}})
		require.NoError(t, err)
	}
	ea, err := s.GetEntity(ctx, a)
	require.NoError(t, err)
	eb, err := s.GetEntity(ctx, b)
	require.NoError(t, err)
	assert.JSONEq(t, `{"n":0}`, string(ea.Data))
	assert.JSONEq(t, `{"n":1}`, string(eb.Data))
	assert.Equal(t, a, ea.Key)
	assert.Equal(t, b, eb.Key)
}

func awkwardTextRoundTrips(t *testing.T, s synctask.Store) {
	k := synctask.Key{Source: "it's", Target: `back\slash`, TxType: "order'); DROP TABLE dw_entities; --", SrcID: "ünïcödé 注文 -_/%?"}
	_, err := s.Stage(ctx, synctask.TaskSpec{ID: "t'1", Source: k.Source, Target: k.Target, TxType: k.TxType, Seal: true},
		[]synctask.StageInput{{Key: k, Data: []byte(`{"name":"O'Brien \\ \u0000"}`)}})
	require.NoError(t, err)
	require.NoError(t, s.RecordOutcomes(ctx, []synctask.Outcome{{Key: k, TaskID: "t'1", Status: synctask.StatusFailed, ErrorCode: "E'1", Note: "can't: \"quoted\""}}))
	e, err := s.GetEntity(ctx, k)
	require.NoError(t, err)
	assert.Equal(t, k, e.Key)
	assert.Equal(t, "t'1", e.TaskID)
	assert.Equal(t, "can't: \"quoted\"", e.Note)
	assert.JSONEq(t, `{"name":"O'Brien \\ \u0000"}`, string(e.Data))
	assert.Equal(t, synctask.TaskFail, task(t, s, "t'1").Status)

	bad := k
	bad.SrcID = "nul\x00byte"
	_, err = s.Stage(ctx, synctask.TaskSpec{Source: k.Source, Target: k.Target, TxType: k.TxType}, []synctask.StageInput{{Key: bad, Data: []byte(`{}`)}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "src_id must be valid UTF-8 without NUL bytes")
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

func duplicateKeyInBatch(t *testing.T, s synctask.Store) {
	res := stage(t, s, "t1", input("1", `{"v":1}`), input("1", `{"v":2}`))
	assert.Equal(t, synctask.StatusNew, res[1].Status)
	assert.JSONEq(t, `{"v":2}`, string(entity(t, s, "1").Data))
	assert.Equal(t, synctask.Counts{N: 1}, task(t, s, "t1").Counts)
}

func listEntitiesPaging(t *testing.T, s synctask.Store) {
	var in []synctask.StageInput
	for i := range 7 {
		in = append(in, input(fmt.Sprintf("e%02d", i), fmt.Sprintf(`{"i":%d}`, i)))
	}
	stage(t, s, "t1", in...)
	record(t, s, "t1", synctask.StatusFailed, "e01", "e03", "e05")
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5)
		p, err := s.ListEntities(ctx, synctask.EntityFilter{Target: "mage2", Statuses: []synctask.Status{synctask.StatusFailed},
			PageRequest: synctask.PageRequest{Limit: 2, Cursor: cursor}})
		require.NoError(t, err)
		for _, e := range p.Items {
			got = append(got, e.SrcID)
			assert.Nil(t, e.Data, "listings carry no payload")
		}
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	assert.Equal(t, []string{"e01", "e03", "e05"}, got)

	p, err := s.ListEntities(ctx, synctask.EntityFilter{Source: "ns", Target: "mage2", TxType: "order", SrcID: "e04"})
	require.NoError(t, err)
	require.Len(t, p.Items, 1)
	assert.Equal(t, synctask.StatusNew, p.Items[0].Status)

	te, err := s.TaskEntities(ctx, "t1", synctask.PageRequest{Limit: 100})
	require.NoError(t, err)
	assert.Len(t, te.Items, 7)
	assert.Equal(t, synctask.StatusFailed, te.Items[1].Status)
}

func listTasksFilters(t *testing.T, s synctask.Store) {
	stage(t, s, "a", input("1", `{}`))
	record(t, s, "a", synctask.StatusSent, "1")
	stage(t, s, "b", input("2", `{}`))
	stage(t, s, "c", input("3", `{}`))
	record(t, s, "c", synctask.StatusFailed, "3")

	p, err := s.ListTasks(ctx, synctask.TaskFilter{})
	require.NoError(t, err)
	require.Len(t, p.Items, 3)
	assert.Equal(t, "c", p.Items[0].ID, "newest first")

	p, err = s.ListTasks(ctx, synctask.TaskFilter{Statuses: []synctask.TaskStatus{synctask.TaskFail, synctask.TaskCompleted}, TxType: "order", Source: "ns", Target: "mage2"})
	require.NoError(t, err)
	var ids []string
	for _, tk := range p.Items {
		ids = append(ids, tk.ID)
	}
	assert.ElementsMatch(t, []string{"a", "c"}, ids)

	p, err = s.ListTasks(ctx, synctask.TaskFilter{From: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	assert.Empty(t, p.Items)
	p, err = s.ListTasks(ctx, synctask.TaskFilter{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour), PageRequest: synctask.PageRequest{Limit: 2}})
	require.NoError(t, err)
	assert.Len(t, p.Items, 2)
	require.NotEmpty(t, p.Next)
	p, err = s.ListTasks(ctx, synctask.TaskFilter{PageRequest: synctask.PageRequest{Limit: 2, Cursor: p.Next}})
	require.NoError(t, err)
	require.Len(t, p.Items, 1)
	assert.Equal(t, "a", p.Items[0].ID)
	assert.Empty(t, p.Next)
}

func invalidCursor(t *testing.T, s synctask.Store) {
	_, err := s.ListTasks(ctx, synctask.TaskFilter{PageRequest: synctask.PageRequest{Cursor: "%%%"}})
	var ic *synctask.InvalidCursorError
	require.ErrorAs(t, err, &ic)
	_, err = s.ListEntities(ctx, synctask.EntityFilter{PageRequest: synctask.PageRequest{Cursor: "bm9wZQ"}})
	require.ErrorAs(t, err, &ic)
}

func taskEventsInOrder(t *testing.T, s synctask.Store) {
	stage(t, s, "a", input("1", `{}`))
	stage(t, s, "b", input("2", `{}`))
	record(t, s, "b", synctask.StatusFailed, "2")
	record(t, s, "a", synctask.StatusSent, "1")
	evs, err := s.TaskEvents(ctx, 0, 10)
	require.NoError(t, err)
	require.Len(t, evs, 2)
	assert.Equal(t, "b", evs[0].Task.ID)
	assert.Equal(t, synctask.TaskFail, evs[0].Task.Status)
	assert.Equal(t, "a", evs[1].Task.ID)
	assert.Equal(t, synctask.TaskCompleted, evs[1].Task.Status)
	assert.Less(t, evs[0].Seq, evs[1].Seq)
	after, err := s.TaskEvents(ctx, evs[0].Seq, 10)
	require.NoError(t, err)
	require.Len(t, after, 1)
	assert.Equal(t, "a", after[0].Task.ID)

	// Re-recording the same outcome does not finish the task again.
	record(t, s, "a", synctask.StatusSent, "1")
	evs, err = s.TaskEvents(ctx, 0, 10)
	require.NoError(t, err)
	assert.Len(t, evs, 2)
}

func cursorsPersist(t *testing.T, s synctask.Store) {
	v, err := s.LoadCursor(ctx, "events:notify")
	require.NoError(t, err)
	assert.Zero(t, v)
	require.NoError(t, s.SaveCursor(ctx, "events:notify", 42))
	require.NoError(t, s.SaveCursor(ctx, "events:notify", 43))
	v, err = s.LoadCursor(ctx, "events:notify")
	require.NoError(t, err)
	assert.Equal(t, int64(43), v)
}

func missingIsNotFound(t *testing.T, s synctask.Store) {
	_, err := s.GetEntity(ctx, key("missing"))
	assert.ErrorIs(t, err, synctask.ErrNotFound)
	_, err = s.GetTask(ctx, "missing")
	assert.ErrorIs(t, err, synctask.ErrNotFound)
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

func concurrentFirstSightings(t *testing.T, s synctask.Store) {
	const keys, stagers = 50, 4
	errs := make(chan error, stagers)
	for g := range stagers {
		go func() {
			var in []synctask.StageInput
			for i := range keys {
				in = append(in, input(fmt.Sprintf("k%02d", i), fmt.Sprintf(`{"i":%d}`, i)))
			}
			_, err := s.Stage(ctx, spec(fmt.Sprintf("t%d", g)), in)
			errs <- err
		}()
	}
	for range stagers {
		require.NoError(t, <-errs)
	}
	p, err := s.ListEntities(ctx, synctask.EntityFilter{Source: "ns", PageRequest: synctask.PageRequest{Limit: 1000}})
	require.NoError(t, err)
	assert.Len(t, p.Items, keys)
	pending := 0
	for g := range stagers {
		pending += task(t, s, fmt.Sprintf("t%d", g)).Counts.N
	}
	assert.Equal(t, keys, pending, "each entity is pending in exactly one task")
}
