package inputs

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/synctask"
)

func finishTasks(t *testing.T, dsn string, statuses ...synctask.Status) {
	t.Helper()
	s, err := synctask.Acquire(context.Background(), dsn)
	require.NoError(t, err)
	defer s.Release(context.Background())
	for i, st := range statuses {
		k := synctask.Key{Source: "ns", Target: "mage2", TxType: "order", SrcID: fmt.Sprint(i)}
		id := fmt.Sprintf("task-%d", i)
		_, err := s.Stage(context.Background(), synctask.TaskSpec{ID: id, Source: "ns", Target: "mage2", TxType: "order", Seal: true},
			[]synctask.StageInput{{Key: k, Data: []byte(`{}`)}})
		require.NoError(t, err)
		require.NoError(t, s.RecordOutcomes(context.Background(), []synctask.Outcome{{Key: k, TaskID: id, Status: st}}))
	}
}

func newEventsInput(t *testing.T, yaml string) *syncTaskEvents {
	t.Helper()
	conf, err := syncTaskEventsSpec().ParseYAML(yaml, nil)
	require.NoError(t, err)
	c, err := syncTaskEventsConfigFromParsed(conf)
	require.NoError(t, err)
	m := service.MockResources().Metrics()
	in := &syncTaskEvents{conf: c, duration: m.NewTimer("d"), finished: m.NewCounter("f")}
	require.NoError(t, in.Connect(context.Background()))
	t.Cleanup(func() { _ = in.Close(context.Background()) })
	return in
}

func readEvent(t *testing.T, in *syncTaskEvents) (synctask.TaskEvent, service.AckFunc) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msg, ack, err := in.Read(ctx)
	require.NoError(t, err)
	b, err := msg.AsBytes()
	require.NoError(t, err)
	var ev synctask.TaskEvent
	require.NoError(t, json.Unmarshal(b, &ev))
	status, _ := msg.MetaGet("dw_sync_status")
	assert.Equal(t, string(ev.Task.Status), status)
	return ev, ack
}

func TestSyncTaskEventsResumeAfterTheLastAcknowledgedEvent(t *testing.T) {
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "ev.db")
	finishTasks(t, dsn, synctask.StatusSent, synctask.StatusFailed, synctask.StatusSent)

	first := newEventsInput(t, "store: "+dsn+"\nconsumer: notify\npoll_interval: 50ms\n")
	ev, ack := readEvent(t, first)
	assert.Equal(t, "task-0", ev.Task.ID)
	assert.Equal(t, synctask.TaskCompleted, ev.Task.Status)
	require.NoError(t, ack(context.Background(), nil))
	ev, _ = readEvent(t, first) // read, never acknowledged
	assert.Equal(t, "task-1", ev.Task.ID)
	require.NoError(t, first.Close(context.Background()))

	again := newEventsInput(t, "store: "+dsn+"\nconsumer: notify\npoll_interval: 50ms\n")
	ev, ack = readEvent(t, again)
	assert.Equal(t, "task-1", ev.Task.ID, "the unacknowledged event is delivered again")
	assert.Equal(t, synctask.TaskFail, ev.Task.Status)
	require.NoError(t, ack(context.Background(), nil))

	other := newEventsInput(t, "store: "+dsn+"\nconsumer: audit\npoll_interval: 50ms\n")
	ev, _ = readEvent(t, other)
	assert.Equal(t, "task-0", ev.Task.ID, "each consumer has its own position")
}

func TestSyncTaskEventsFiltersByStatusAndWaitsForNewTasks(t *testing.T) {
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "ev.db")
	finishTasks(t, dsn, synctask.StatusSent)
	in := newEventsInput(t, "store: "+dsn+"\nconsumer: failures\nstatuses: [Fail]\npoll_interval: 10s\n")
	go func() {
		time.Sleep(200 * time.Millisecond)
		s, err := synctask.Acquire(context.Background(), dsn)
		if err != nil {
			return
		}
		defer s.Release(context.Background())
		k := synctask.Key{Source: "ns", Target: "mage2", TxType: "order", SrcID: "late"}
		_, _ = s.Stage(context.Background(), synctask.TaskSpec{ID: "late", Source: "ns", Target: "mage2", TxType: "order", Seal: true},
			[]synctask.StageInput{{Key: k, Data: []byte(`{}`)}})
		_ = s.RecordOutcomes(context.Background(), []synctask.Outcome{{Key: k, TaskID: "late", Status: synctask.StatusFailed}})
	}()
	start := time.Now()
	ev, _ := readEvent(t, in)
	assert.Equal(t, "late", ev.Task.ID, "the Completed task was skipped")
	assert.Less(t, time.Since(start), 5*time.Second, "woken by the finish, not by the 10s poll")
}

func TestSyncTaskEventsRejectsNonTerminalStatuses(t *testing.T) {
	conf, err := syncTaskEventsSpec().ParseYAML("statuses: [Processing]\n", nil)
	require.NoError(t, err)
	_, err = syncTaskEventsConfigFromParsed(conf)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Processing")
}
