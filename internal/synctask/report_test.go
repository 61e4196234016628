package synctask_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/httpx"
	"github.com/datawald/datawald/internal/synctask"
)

// stagedMessage stages one entity and returns the message the sync_task
// processor would have produced for it.
func stagedMessage(t *testing.T, s *synctask.Shared, id string) *service.Message {
	t.Helper()
	k := synctask.Key{Source: "ns", Target: "hubspot", TxType: "contact", SrcID: id}
	res, err := s.Stage(context.Background(), synctask.TaskSpec{ID: "task-" + id, Source: k.Source, Target: k.Target, TxType: k.TxType, Seal: true},
		[]synctask.StageInput{{Key: k, Data: []byte(`{"email":"a@example.com"}`)}})
	require.NoError(t, err)
	msg := service.NewMessage([]byte(`{"email":"a@example.com"}`))
	synctask.SetEnvelope(msg, synctask.Envelope{Key: k, TaskID: res[0].TaskID, Hash: res[0].Hash})
	return msg
}

func newReporter(t *testing.T) (*synctask.Reporter, *synctask.Shared) {
	t.Helper()
	s := synctask.NewShared(openSQLite(t))
	t.Cleanup(func() { _ = s.Release(context.Background()) })
	return synctask.NewReporter(s, synctask.ReporterConfig{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}, nil), s
}

func entityOf(t *testing.T, s *synctask.Shared, id string) synctask.Entity {
	t.Helper()
	e, err := s.GetEntity(context.Background(), synctask.Key{Source: "ns", Target: "hubspot", TxType: "contact", SrcID: id})
	require.NoError(t, err)
	return e
}

func TestReporterRecordsSentWithTheTargetID(t *testing.T) {
	rep, s := newReporter(t)
	o, err := rep.Deliver(context.Background(), stagedMessage(t, s, "1"), func(context.Context) (synctask.Result, error) {
		return synctask.Sent("hs-901"), nil
	})
	require.NoError(t, err)
	assert.Equal(t, synctask.StatusSent, o.Status)
	e := entityOf(t, s, "1")
	assert.Equal(t, synctask.StatusSent, e.Status)
	assert.Equal(t, "hs-901", e.TgtID)
	tk, err := s.GetTask(context.Background(), "task-1")
	require.NoError(t, err)
	assert.Equal(t, synctask.TaskCompleted, tk.Status)
}

func TestReporterRecordsBusinessRuleSkipsAsIgnored(t *testing.T) {
	rep, s := newReporter(t)
	_, err := rep.Deliver(context.Background(), stagedMessage(t, s, "1"), func(context.Context) (synctask.Result, error) {
		return synctask.Ignored("deal stage closedlost is not synced"), nil
	})
	require.NoError(t, err)
	e := entityOf(t, s, "1")
	assert.Equal(t, synctask.StatusIgnored, e.Status)
	assert.Equal(t, "deal stage closedlost is not synced", e.Note)
}

func TestReporterRecordsAPermanentErrorAsFailedAtOnceWithTheVendorsCodeAndMessage(t *testing.T) {
	rep, s := newReporter(t)
	calls := 0
	o, err := rep.Deliver(context.Background(), stagedMessage(t, s, "1"), func(context.Context) (synctask.Result, error) {
		calls++
		return synctask.Result{}, fmt.Errorf("upserting contact: %w", &httpx.HTTPError{Vendor: "hubspot", Status: 400, Code: "VALIDATION_ERROR",
			Message: "Property values were not valid: email\ngoroutine 1 [running]:\nmain.main()"})
	})
	require.NoError(t, err, "a recorded failure is acked")
	assert.Equal(t, 1, calls, "a permanent error is not retried")
	assert.Equal(t, synctask.StatusFailed, o.Status)
	e := entityOf(t, s, "1")
	assert.Equal(t, synctask.StatusFailed, e.Status)
	assert.Equal(t, "VALIDATION_ERROR", e.ErrorCode)
	assert.Equal(t, "Property values were not valid: email", e.Note, "one line, no stack trace")
}

func TestReporterRetriesTransientErrorsWithoutRecordingUntilTheBudgetIsSpent(t *testing.T) {
	rep, s := newReporter(t)
	msg := stagedMessage(t, s, "1")
	calls := 0
	_, err := rep.Deliver(context.Background(), msg, func(context.Context) (synctask.Result, error) {
		calls++
		if calls < 3 {
			return synctask.Result{}, &httpx.HTTPError{Vendor: "hubspot", Status: http.StatusTooManyRequests}
		}
		return synctask.Sent("hs-1"), nil
	})
	require.NoError(t, err)
	assert.Equal(t, 3, calls)
	assert.Equal(t, synctask.StatusSent, entityOf(t, s, "1").Status, "transient failures before a success leave no F")

	msg2 := stagedMessage(t, s, "2")
	calls = 0
	_, err = rep.Deliver(context.Background(), msg2, func(context.Context) (synctask.Result, error) {
		calls++
		return synctask.Result{}, errors.New("dial tcp 10.0.0.1:443: connection refused")
	})
	require.NoError(t, err)
	assert.Equal(t, 3, calls, "max_attempts attempts")
	e := entityOf(t, s, "2")
	assert.Equal(t, synctask.StatusFailed, e.Status)
	assert.Equal(t, "gave up after 3 attempts: dial tcp 10.0.0.1:443: connection refused", e.Note)
}

func TestReporterNacksWhenTheOutcomeCannotBeRecorded(t *testing.T) {
	rep, s := newReporter(t)
	msg := stagedMessage(t, s, "1")
	require.NoError(t, s.Store.Close(context.Background())) // the store goes away
	_, err := rep.Deliver(context.Background(), msg, func(context.Context) (synctask.Result, error) { return synctask.Sent("x"), nil })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "recording 1 outcomes")
}

func TestReporterDeliversMessagesWithoutSyncTaskMetadataWithoutRecording(t *testing.T) {
	rep, _ := newReporter(t)
	_, err := rep.Deliver(context.Background(), service.NewMessage([]byte(`{}`)), func(context.Context) (synctask.Result, error) {
		return synctask.Sent("x"), nil
	})
	require.NoError(t, err)
	_, err = rep.Deliver(context.Background(), service.NewMessage([]byte(`{}`)), func(context.Context) (synctask.Result, error) {
		return synctask.Result{}, synctask.Permanent("BAD", "rejected")
	})
	require.Error(t, err, "a failure with nowhere to record it is nacked")
	var mm *synctask.MissingMetadataError
	_, envErr := synctask.EnvelopeFromMessage(service.NewMessage(nil))
	require.ErrorAs(t, envErr, &mm)
	assert.Equal(t, []string{"dw_source", "dw_target", "dw_tx_type", "dw_src_id", "dw_task_id"}, mm.Names)
}

func TestReporterNeitherRetriesNorRecordsAnUndecidedAttempt(t *testing.T) {
	rep, s := newReporter(t)
	attempts := 0
	cause := errors.New("the create got no answer and may still be committing")
	_, err := rep.Deliver(context.Background(), stagedMessage(t, s, "1"), func(context.Context) (synctask.Result, error) {
		attempts++
		return synctask.Result{}, synctask.Undecided(cause)
	})
	require.ErrorIs(t, err, cause, "the caller nacks with the attempt's error")
	var u *synctask.UndecidedError
	require.ErrorAs(t, err, &u)
	assert.Equal(t, 1, attempts, "an undecided attempt is not retried within the delivery")
	assert.Equal(t, synctask.StatusNew, entityOf(t, s, "1").Status, "nothing is recorded")
}
