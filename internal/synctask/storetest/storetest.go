// Package storetest is the conformance suite every synctask.Store backend
// must pass. A backend's test calls Run with a function that opens a fresh,
// empty store; each subtest gets its own store.
package storetest

import (
	"context"
	"testing"
	"time"

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
