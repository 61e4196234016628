package processors_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/redpanda-data/benthos/v4/public/components/pure"
	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/datawald/datawald/inputs"
	"github.com/datawald/datawald/internal/synctask"
)

// pipelineRig runs the three streams of a deployment in one process: the
// source stream (source + replay → sync_task → backbone), the target stream
// (backbone → target output recording outcomes, with a dead letter), and a
// task-events stream.
type pipelineRig struct {
	t      *testing.T
	dsn    string
	source *sourceSystem
	target *targetSystem
	dlq    *collector
	events *collector
	store  *synctask.Shared
}

func startRig(t *testing.T) *pipelineRig {
	t.Helper()
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	r := &pipelineRig{
		t:      t,
		dsn:    "sqlite://" + filepath.Join(t.TempDir(), "synctask.db"),
		source: newSource(name),
		target: newTarget(name),
		dlq:    newCollector(name + "_dlq"),
		events: newCollector(name + "_events"),
	}
	newBackbone(name)
	store, err := synctask.Acquire(context.Background(), r.dsn)
	require.NoError(t, err)
	r.store = store
	t.Cleanup(func() { _ = store.Release(context.Background()) })

	r.run(fmt.Sprintf(`
input:
  broker:
    inputs:
      - dwtest_source: { name: %[1]s }
      - sync_task_replay:
          store: %[2]s
          source: ns
          target: mage2
          poll_interval: 1s
pipeline:
  threads: 1
  processors:
    - sync_task:
        store: %[2]s
        source: ns
        target: mage2
        tx_type: order
        tx_types: [ order ]
        deadline: 1m
output:
  dwtest_backbone_out: { name: %[1]s }
`, name, r.dsn))
	r.run(fmt.Sprintf(`
input:
  dwtest_backbone_in: { name: %[1]s }
output:
  dwtest_target:
    name: %[1]s
    sync_task:
      store: %[2]s
      max_attempts: 3
      initial_backoff: 1ms
      max_backoff: 5ms
      dead_letter_output: dlq
output_resources:
  - label: dlq
    dwtest_collect: { name: %[1]s_dlq }
`, name, r.dsn))
	r.run(fmt.Sprintf(`
input:
  sync_task_events:
    store: %[2]s
    consumer: e2e
    poll_interval: 1s
output:
  dwtest_collect: { name: %[1]s_events }
`, name, r.dsn))
	return r
}

func (r *pipelineRig) run(yaml string) {
	r.t.Helper()
	b := service.NewStreamBuilder()
	require.NoError(r.t, b.SetYAML(yaml))
	require.NoError(r.t, b.SetLoggerYAML(`level: WARN`))
	s, err := b.Build()
	require.NoError(r.t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Run(ctx)
	}()
	r.t.Cleanup(func() {
		cancel()
		<-done
	})
}

// poll starts a poll cycle of the source as task id and waits until that
// task has finished with want entities.
func (r *pipelineRig) poll(id string, want int) synctask.Task {
	r.t.Helper()
	select {
	case r.source.polls <- id:
	case <-time.After(10 * time.Second):
		r.t.Fatal("source did not take the poll")
	}
	return r.waitTask(id, want)
}

func (r *pipelineRig) waitTask(id string, want int) synctask.Task {
	r.t.Helper()
	var tk synctask.Task
	require.Eventually(r.t, func() bool {
		var err error
		tk, err = r.store.GetTask(context.Background(), id)
		return err == nil && tk.Status != synctask.TaskProcessing && tk.Counts.Total() == want
	}, 60*time.Second, 20*time.Millisecond, "task %s did not finish with %d entities (last seen %+v)", id, want, tk)
	return tk
}

func (r *pipelineRig) entitiesWith(st synctask.Status) []string {
	r.t.Helper()
	var ids []string
	f := synctask.EntityFilter{Source: "ns", Target: "mage2", Statuses: []synctask.Status{st}, PageRequest: synctask.PageRequest{Limit: 1000}}
	for {
		p, err := r.store.ListEntities(context.Background(), f)
		require.NoError(r.t, err)
		for _, e := range p.Items {
			ids = append(ids, e.SrcID)
		}
		if p.Next == "" {
			return ids
		}
		f.Cursor = p.Next
	}
}

var t0 = time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)

func orderID(i int) string { return fmt.Sprintf("SO-%04d", i) }

func TestSyncTaskEndToEndFailuresRetryAndCursor(t *testing.T) {
	r := startRig(t)
	faulty := map[string]bool{}
	for i := range 1000 {
		id := orderID(i)
		r.source.put(record{id: id, updatedAt: t0.Add(time.Duration(i) * time.Second), data: fmt.Sprintf(`{"order_id":%q,"total":%d.50}`, id, i)})
		if i%33 == 7 { // 3% (31 of 1000) rejected by the target
			faulty[id] = true
			r.target.permanent[id] = true
		}
		if i%50 == 3 { // 2% hit a transient 503 once, then succeed
			r.target.transient[id] = 1
		}
	}
	require.Len(t, faulty, 31)

	// Poll cycle 1: the task fails with exactly the rejected entities F.
	tk := r.poll("cycle-1", 1000)
	assert.Equal(t, synctask.TaskFail, tk.Status)
	assert.Equal(t, synctask.Counts{S: 1000 - len(faulty), F: len(faulty)}, tk.Counts)
	failed := r.entitiesWith(synctask.StatusFailed)
	assert.ElementsMatch(t, keys(faulty), failed)
	e, err := r.store.GetEntity(context.Background(), synctask.Key{Source: "ns", Target: "mage2", TxType: "order", SrcID: orderID(7)})
	require.NoError(t, err)
	assert.Equal(t, "VALIDATION", e.ErrorCode)
	assert.Equal(t, "order SO-0007: customer_email is not a valid address", e.Note, "the vendor's message, not a stack trace")

	attempts, sent := r.target.snapshot()
	for i := range 1000 {
		id := orderID(i)
		switch {
		case faulty[id]:
			assert.Equal(t, 1, attempts[id], "a permanent failure is not retried: %s", id)
			assert.Zero(t, sent[id])
		case i%50 == 3:
			assert.Equal(t, 2, attempts[id], "a transient failure is retried: %s", id)
			assert.Equal(t, 1, sent[id])
		default:
			assert.Equal(t, 1, sent[id], "sent exactly once: %s", id)
		}
	}
	dead := r.dlq.all()
	require.Len(t, dead, len(faulty), "every F entity also went to the dead-letter output")
	code, _ := dead[0].MetaGet("dw_error_code")
	assert.Equal(t, "VALIDATION", code)

	// The failed entities did not hold the source cursor back.
	assert.Equal(t, cursor{t0.Add(999 * time.Second), orderID(999)}, r.source.cursor())

	// Poll cycle 2: later changes flow while the failures are still F; the
	// changed records are sent, nothing else.
	r.target.resetCounts()
	changed := []string{orderID(1), orderID(2), orderID(500)}
	for i, id := range changed {
		r.source.put(record{id: id, updatedAt: t0.Add(time.Hour + time.Duration(i)*time.Second), data: fmt.Sprintf(`{"order_id":%q,"total":1,"rev":2}`, id)})
	}
	for i := 1000; i < 1003; i++ {
		id := orderID(i)
		r.source.put(record{id: id, updatedAt: t0.Add(2 * time.Hour), data: fmt.Sprintf(`{"order_id":%q,"total":2}`, id)})
		changed = append(changed, id)
	}
	tk2 := r.poll("cycle-2", len(changed))
	assert.Equal(t, synctask.TaskCompleted, tk2.Status)
	assert.Equal(t, synctask.Counts{S: len(changed)}, tk2.Counts)
	_, sent = r.target.snapshot()
	assert.Len(t, sent, len(changed), "only the changed records were sent")
	for _, id := range changed {
		assert.Equal(t, 1, sent[id], id)
	}
	assert.ElementsMatch(t, keys(faulty), r.entitiesWith(synctask.StatusFailed), "the failures are still F, on their own")

	// Fix the target, retry cycle 1: exactly the failed entities are sent,
	// each once, and the task completes.
	r.target.resetCounts()
	r.target.mu.Lock()
	r.target.permanent = map[string]bool{}
	r.target.mu.Unlock()
	res, err := r.store.Retry(context.Background(), synctask.RetryRequest{TaskID: "cycle-1"})
	require.NoError(t, err)
	assert.Equal(t, len(faulty), res.Entities)
	var retried synctask.Task
	require.Eventually(t, func() bool {
		retried, err = r.store.GetTask(context.Background(), "cycle-1")
		return err == nil && retried.Status == synctask.TaskCompleted
	}, 60*time.Second, 20*time.Millisecond)
	assert.Equal(t, synctask.Counts{S: 1000}, retried.Counts)
	assert.Equal(t, 1, retried.Retries)
	attempts, sent = r.target.snapshot()
	assert.Equal(t, len(faulty), len(attempts), "nothing but the failed entities was sent")
	for id := range faulty {
		assert.Equal(t, 1, sent[id], "retried entity sent exactly once: %s", id)
	}
	assert.Empty(t, r.entitiesWith(synctask.StatusFailed))
	assert.Len(t, r.entitiesWith(synctask.StatusSent), 1003)

	// The events input reported each finish: cycle-1 Fail, cycle-2
	// Completed, then cycle-1 Completed after the retry.
	require.Eventually(t, func() bool { return len(r.events.all()) >= 3 }, 10*time.Second, 20*time.Millisecond)
	var seen []string
	for _, m := range r.events.all() {
		var ev synctask.TaskEvent
		b, err := m.AsBytes()
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, &ev))
		seen = append(seen, ev.Task.ID+":"+string(ev.Task.Status))
	}
	assert.Equal(t, []string{"cycle-1:Fail", "cycle-2:Completed", "cycle-1:Completed"}, seen)
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
