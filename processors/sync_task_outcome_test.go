package processors

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/redpanda-data/benthos/v4/public/components/io" // env(), as linked by main.go
	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/datawald/datawald/bloblang" // the spec example's mapping uses datawald's Bloblang methods
	"github.com/datawald/datawald/internal/synctask"
)

// failRig is a sqlite store in t.TempDir() with entities staged N by a
// source half, and a sync_task_outcome processor on the same DSN.
type failRig struct {
	t     *testing.T
	dsn   string
	store *synctask.Shared
}

func newFailRig(t *testing.T) *failRig {
	t.Helper()
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "st.db")
	store, err := synctask.Acquire(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Release(context.Background()) })
	return &failRig{t: t, dsn: dsn, store: store}
}

func customerKey(id string) synctask.Key {
	return synctask.Key{Source: "magento", Target: "netsuite", TxType: "customer", SrcID: id}
}

// stage stages the ids N in one sealed task, as the source half's sync_task
// processor does, and returns the target-half messages carrying their
// envelopes, keyed by id.
func (r *failRig) stage(taskID string, bodies map[string]string) map[string]*service.Message {
	r.t.Helper()
	in := make([]synctask.StageInput, 0, len(bodies))
	for id, body := range bodies {
		now := time.Now().UTC()
		in = append(in, synctask.StageInput{Key: customerKey(id), Data: []byte(body), CreatedAt: now, UpdatedAt: now})
	}
	res, err := r.store.Stage(context.Background(), synctask.TaskSpec{
		ID: taskID, Source: "magento", Target: "netsuite", TxType: "customer", Deadline: time.Hour, Seal: true,
	}, in)
	require.NoError(r.t, err)
	msgs := map[string]*service.Message{}
	for _, s := range res {
		require.Equal(r.t, synctask.StatusNew, s.Status)
		m := service.NewMessage([]byte(bodies[s.SrcID]))
		synctask.SetEnvelope(m, synctask.Envelope{Key: s.Key, TaskID: s.TaskID, Hash: s.Hash})
		msgs[s.SrcID] = m
	}
	return msgs
}

func (r *failRig) entity(id string) synctask.Entity {
	r.t.Helper()
	e, err := r.store.GetEntity(context.Background(), customerKey(id))
	require.NoError(r.t, err)
	return e
}

func (r *failRig) task(id string) synctask.Task {
	r.t.Helper()
	task, err := r.store.GetTask(context.Background(), id)
	require.NoError(r.t, err)
	return task
}

func newTestSyncTaskFail(t *testing.T, dsn, yaml string, mgr *service.Resources) *syncTaskOutcome {
	t.Helper()
	conf, err := syncTaskOutcomeSpec().ParseYAML("store: "+dsn+"\n"+yaml, nil)
	require.NoError(t, err)
	c, err := syncTaskOutcomeConfigFromParsed(conf)
	require.NoError(t, err)
	p := newSyncTaskFail(c, mgr)
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	return p
}

func processFail(t *testing.T, p *syncTaskOutcome, msgs ...*service.Message) service.MessageBatch {
	t.Helper()
	out, err := p.ProcessBatch(context.Background(), service.MessageBatch(msgs))
	require.NoError(t, err)
	require.Len(t, out, 1)
	require.Len(t, out[0], len(msgs), "no message is dropped")
	return out[0]
}

// counters is a metrics exporter keeping counter totals by name and label
// values.
type counters struct {
	mu sync.Mutex
	n  map[string]int64
}

type counterFunc func(int64)

func (f counterFunc) Incr(d int64) { f(d) }

type noopMetric struct{}

func (noopMetric) Timing(int64) {}
func (noopMetric) Set(int64)    {}

func (c *counters) NewCounterCtor(name string, _ ...string) service.MetricsExporterCounterCtor {
	return func(labels ...string) service.MetricsExporterCounter {
		key := name + "{" + strings.Join(labels, ",") + "}"
		return counterFunc(func(d int64) {
			c.mu.Lock()
			c.n[key] += d
			c.mu.Unlock()
		})
	}
}

func (c *counters) NewTimerCtor(string, ...string) service.MetricsExporterTimerCtor {
	return func(...string) service.MetricsExporterTimer { return noopMetric{} }
}

func (c *counters) NewGaugeCtor(string, ...string) service.MetricsExporterGaugeCtor {
	return func(...string) service.MetricsExporterGauge { return noopMetric{} }
}

func (c *counters) Close(context.Context) error { return nil }

// get sums the counter name over the series whose label values end with
// tail (Benthos prepends the component's label and path).
func (c *counters) get(name string, tail ...string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var sum int64
	for key, v := range c.n {
		if strings.HasPrefix(key, name+"{") && strings.HasSuffix(key, ","+strings.Join(tail, ",")+"}") {
			sum += v
		}
	}
	return sum
}

// runTargetHalf runs msgs through a real stream shaped like a target half:
// the canonical→vendor mapping, the catch that sets dw_error, then
// sync_task_outcome on dsn. It returns what reached the output (in order) and
// the stream's counters.
func runTargetHalf(t *testing.T, dsn string, msgs ...*service.Message) ([]*service.Message, *counters) {
	t.Helper()
	env := service.NewEnvironment()
	metrics := &counters{n: map[string]int64{}}
	require.NoError(t, env.RegisterMetricsExporter("dwtest_counters", service.NewConfigSpec(),
		func(*service.ParsedConfig, *service.Logger) (service.MetricsExporter, error) { return metrics, nil }))
	b := env.NewStreamBuilder()
	require.NoError(t, b.SetLoggerYAML("level: none"))
	require.NoError(t, b.SetMetricsYAML("dwtest_counters: {}"))
	send, err := b.AddBatchProducerFunc()
	require.NoError(t, err)
	require.NoError(t, b.AddProcessorYAML(`
mapping: |
  root.companyName = this.name.not_null()
  root.email = this.email.not_null()
`))
	require.NoError(t, b.AddProcessorYAML(`
catch:
  - mutation: 'meta dw_error = "mapping %s %s: %s".format(@dw_tx_type.or("entity"), @dw_src_id.or("(no id)"), error())'
`))
	require.NoError(t, b.AddProcessorYAML("sync_task_outcome:\n  store: "+dsn+"\n"))
	var mu sync.Mutex
	var got []*service.Message
	require.NoError(t, b.AddBatchConsumerFunc(func(_ context.Context, batch service.MessageBatch) error {
		mu.Lock()
		got = append(got, batch...)
		mu.Unlock()
		return nil
	}))
	ctx, stop := startStream(t, b)
	require.NoError(t, send(ctx, service.MessageBatch(msgs)))
	stop()
	return got, metrics
}

// startStream builds b and runs it in the background for at most 20s.
// stop stops it and requires that it ended cleanly.
func startStream(t *testing.T, b *service.StreamBuilder) (ctx context.Context, stop func()) {
	t.Helper()
	stream, err := b.Build()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() { done <- stream.Run(ctx) }()
	return ctx, func() {
		t.Helper()
		require.NoError(t, stream.Stop(ctx))
		require.NoError(t, <-done)
	}
}

func TestSyncTaskOutcomeRecordsATargetMappingFailureFAndTheTaskRollsUpToFail(t *testing.T) {
	r := newFailRig(t)
	msgs := r.stage("task-1", map[string]string{
		"7": `{"email":"ada@example.com"}`, // no name: the mapping fails
		"8": `{"name":"Grace","email":"grace@example.com"}`,
	})
	before := r.entity("8")

	out, metrics := runTargetHalf(t, r.dsn, msgs["7"], msgs["8"])

	require.Len(t, out, 2, "the failed message goes on to the output switch")
	failed, ok := out[0].MetaGet("dw_error")
	require.True(t, ok, "the failed message keeps dw_error for the dead-letter case")
	assert.Contains(t, failed, "mapping customer 7")
	_, ok = out[1].MetaGet("dw_error")
	assert.False(t, ok, "the error-free message is not marked")
	assert.NoError(t, out[1].GetError())
	body, err := out[1].AsBytes()
	require.NoError(t, err)
	assert.JSONEq(t, `{"companyName":"Grace","email":"grace@example.com"}`, string(body))

	e := r.entity("7")
	assert.Equal(t, synctask.StatusFailed, e.Status)
	assert.Equal(t, "MAPPING_ERROR", e.ErrorCode)
	assert.Contains(t, e.Note, "mapping customer 7")
	assert.Contains(t, e.Note, "field `this.name`: value is null", "the note names the field the mapping could not read")
	assert.NotContains(t, e.Note, "\n")
	assert.Equal(t, int64(1), metrics.get("datawald_sync_outcomes_total", "customer", "F"))

	untouched := r.entity("8")
	assert.Equal(t, synctask.StatusNew, untouched.Status, "the error-free entity awaits the target output")
	assert.Equal(t, before.StatusAt, untouched.StatusAt, "the store is not written for the error-free message")
	assert.Equal(t, synctask.TaskProcessing, r.task("task-1").Status, "entity 8 still pends")

	// The target output records entity 8 S, as its reporter does.
	require.NoError(t, r.store.RecordOutcomes(context.Background(), []synctask.Outcome{{
		Key: customerKey("8"), TaskID: "task-1", Status: synctask.StatusSent, TgtID: "ns-108",
	}}))
	task := r.task("task-1")
	assert.Equal(t, synctask.TaskFail, task.Status, "a task with an F entity and nothing pending is Fail")
	assert.Equal(t, synctask.Counts{S: 1, F: 1}, task.Counts)
}

func TestSyncTaskOutcomeRecordsTheOnlyEntityOfATaskAndFinishesTheTask(t *testing.T) {
	r := newFailRig(t)
	msgs := r.stage("task-2", map[string]string{"9": `{}`})
	msgs["9"].SetError(errors.New("mapping failed: field `this.name`: value is null"))
	p := newTestSyncTaskFail(t, r.dsn, "error_code: TARGET_MAPPING\n", service.MockResources())

	out := processFail(t, p, msgs["9"])

	assert.Error(t, out[0].GetError(), "the error flag is left for the flow to route")
	code, _ := out[0].MetaGet("dw_error_code")
	assert.Equal(t, "TARGET_MAPPING", code)
	note, _ := out[0].MetaGet("dw_error")
	assert.Equal(t, "mapping failed: field `this.name`: value is null", note, "an error-flag-only message gets dw_error so the switch dead-letters it")
	e := r.entity("9")
	assert.Equal(t, synctask.StatusFailed, e.Status)
	assert.Equal(t, "TARGET_MAPPING", e.ErrorCode)
	assert.Equal(t, "mapping failed: field `this.name`: value is null", e.Note)
	task := r.task("task-2")
	assert.Equal(t, synctask.TaskFail, task.Status)
	assert.False(t, task.EndedAt.IsZero(), "the task finished instead of waiting for its deadline")
}

func TestSyncTaskOutcomeTakesTheErrorCodeFromMetadataWhenSet(t *testing.T) {
	r := newFailRig(t)
	msgs := r.stage("task-3", map[string]string{"10": `{}`})
	msgs["10"].MetaSetMut("dw_error", "lookup netsuite_customer: no customer for magento-customer-10")
	msgs["10"].MetaSetMut("dw_error_code", "CUSTOMER_LOOKUP")
	p := newTestSyncTaskFail(t, r.dsn, "", service.MockResources())

	out := processFail(t, p, msgs["10"])

	assert.NoError(t, out[0].GetError())
	e := r.entity("10")
	assert.Equal(t, "CUSTOMER_LOOKUP", e.ErrorCode)
	assert.Equal(t, "lookup netsuite_customer: no customer for magento-customer-10", e.Note)
}

func TestSyncTaskOutcomeNeverCallsTheStoreForErrorFreeBatches(t *testing.T) {
	// Nothing listens on port 1: any store call would fail.
	p := newTestSyncTaskFail(t, "postgres://postgres@127.0.0.1:1/test?connect_timeout=1", "", service.MockResources())
	a := service.NewMessage([]byte(`{"a":1}`))
	synctask.SetEnvelope(a, synctask.Envelope{Key: customerKey("1"), TaskID: "t", Hash: "h"})
	b := service.NewMessage([]byte(`{"b":2}`))

	out := processFail(t, p, a, b)

	for i, m := range out {
		assert.NoError(t, m.GetError(), "message %d", i)
		_, ok := m.MetaGet("dw_error")
		assert.False(t, ok, "message %d", i)
	}
	assert.Same(t, a, out[0])
	assert.Same(t, b, out[1])
	assert.Nil(t, p.store.store, "the store was never opened")
}

func TestSyncTaskOutcomePassesOnAndCountsErroredMessagesWithoutAKey(t *testing.T) {
	r := newFailRig(t)
	msgs := r.stage("task-4", map[string]string{"11": `{"email":"x@example.com"}`})
	noKey := service.NewMessage([]byte(`{"email":"y@example.com"}`))
	noKey.MetaSetMut("dw_source", "magento")
	noKey.MetaSetMut("dw_tx_type", "customer") // no dw_target, no dw_src_id

	out, metrics := runTargetHalf(t, r.dsn, noKey, msgs["11"])

	require.Len(t, out, 2, "the message without a key is not dropped")
	dwErr, ok := out[0].MetaGet("dw_error")
	require.True(t, ok)
	assert.Contains(t, dwErr, "mapping customer (no id)")
	assert.Equal(t, int64(1), metrics.get("datawald_sync_fail_unrecorded_total", "missing_envelope"))
	assert.Equal(t, synctask.StatusFailed, r.entity("11").Status, "the keyed message of the same batch is still recorded")
	assert.Equal(t, int64(1), metrics.get("datawald_sync_outcomes_total", "customer", "F"))
}

func TestSyncTaskOutcomeSetsDwErrorOnAnErrorFlagOnlyMessageWithoutAKey(t *testing.T) {
	p := newTestSyncTaskFail(t, "postgres://postgres@127.0.0.1:1/test?connect_timeout=1", "", service.MockResources())
	m := service.NewMessage([]byte(`{}`))
	m.SetError(errors.New("failed assignment (line 1): field `this.sku`: value is null"))

	out := processFail(t, p, m)

	dwErr, _ := out[0].MetaGet("dw_error")
	assert.Equal(t, "failed assignment (line 1): field `this.sku`: value is null", dwErr)
	assert.Nil(t, p.store.store, "nothing to record without a key, so no store call")
}

func TestSyncTaskOutcomePassesOnAnEntityTheStoreNeverStagedAndRecordsTheRest(t *testing.T) {
	r := newFailRig(t)
	msgs := r.stage("task-5", map[string]string{"12": `{}`})
	stranger := service.NewMessage([]byte(`{}`))
	synctask.SetEnvelope(stranger, synctask.Envelope{Key: customerKey("999"), TaskID: "task-5"})
	for _, m := range []*service.Message{stranger, msgs["12"]} {
		m.MetaSetMut("dw_error", "mapping customer: field `this.name`: value is null")
	}
	p := newTestSyncTaskFail(t, r.dsn, "", service.MockResources())

	out := processFail(t, p, stranger, msgs["12"])

	assert.NoError(t, out[0].GetError(), "an unknown entity is reported, not a store failure")
	assert.NoError(t, out[1].GetError())
	assert.Equal(t, synctask.StatusFailed, r.entity("12").Status)
	_, err := r.store.GetEntity(context.Background(), customerKey("999"))
	assert.ErrorIs(t, err, synctask.ErrNotFound, "nothing is invented for an entity never staged")
}

func TestSyncTaskOutcomeMarksMessagesErroredWhenTheStoreIsClosed(t *testing.T) {
	r := newFailRig(t)
	msgs := r.stage("task-6", map[string]string{"13": `{}`, "14": `{}`})
	p := newTestSyncTaskFail(t, r.dsn, "", service.MockResources())
	msgs["13"].MetaSetMut("dw_error", "mapping customer 13: field `this.name`: value is null")
	processFail(t, p, msgs["13"]) // opens the shared store
	require.Equal(t, synctask.StatusFailed, r.entity("13").Status)

	require.NoError(t, p.store.store.Store.Close(context.Background()))
	msgs["14"].MetaSetMut("dw_error", "mapping customer 14: field `this.name`: value is null")
	clean := service.NewMessage([]byte(`{}`))
	out := processFail(t, p, msgs["14"], clean)

	require.Error(t, out[0].GetError(), "an outcome that could not be written is not passed as a success")
	assert.Contains(t, out[0].GetError().Error(), `recording F for magento→netsuite customer "14"`)
	dwErr, _ := out[0].MetaGet("dw_error")
	assert.Equal(t, "mapping customer 14: field `this.name`: value is null", dwErr, "the mapping error still travels to the dead letter")
	assert.NoError(t, out[1].GetError(), "the error-free message is not affected")
}

func TestSyncTaskOutcomeMarksMessagesErroredWhenTheStoreIsUnreachable(t *testing.T) {
	p := newTestSyncTaskFail(t, "postgres://postgres:hunter2@127.0.0.1:1/test?connect_timeout=1", "", service.MockResources())
	m := service.NewMessage([]byte(`{}`))
	synctask.SetEnvelope(m, synctask.Envelope{Key: customerKey("15"), TaskID: "t"})
	m.MetaSetMut("dw_error", "mapping customer 15: field `this.name`: value is null")

	out := processFail(t, p, m)

	require.Error(t, out[0].GetError())
	assert.Contains(t, out[0].GetError().Error(), "recording F for")
	assert.NotContains(t, out[0].GetError().Error(), "hunter2", "the DSN's password is not echoed")
}

func TestSyncTaskOutcomeNoteIsOneLineEvenForAMultiLineError(t *testing.T) {
	r := newFailRig(t)
	msgs := r.stage("task-7", map[string]string{"16": `{}`, "17": `{}`})
	msgs["16"].SetError(errors.New("mapping canonical_to_customer failed:\n\tfield `this.addresses.0.country`: value is null\r\n\n" +
		"goroutine 1 [running]:\nmain.main()\n\t/src/main.go:12 +0x1d"))
	msgs["17"].MetaSetMut("dw_error", strings.Repeat("é", 2000))
	p := newTestSyncTaskFail(t, r.dsn, "", service.MockResources())

	processFail(t, p, msgs["16"], msgs["17"])

	assert.Equal(t, "mapping canonical_to_customer failed: field `this.addresses.0.country`: value is null", r.entity("16").Note)
	long := r.entity("17").Note
	assert.LessOrEqual(t, len(long), stfMaxNoteLen+len("…"))
	assert.True(t, strings.HasSuffix(long, "…"), "a cut note says so")
	assert.NotContains(t, long, "\uFFFD", "the cut does not split a character")
}

func TestSyncTaskOutcomeNoteLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"single", "single"},
		{"  padded \n", "padded"},
		{"first\nsecond\n\nthird", "first; second; third"},
		{"errors:\n  a\n  b", "errors: a; b"},
		{"\n\n", ""},
		{"boom\ngoroutine 7 [chan receive]:\nfoo()", "boom"},
	} {
		assert.Equal(t, tc.want, noteLine(tc.in), "%q", tc.in)
	}
}

func TestSyncTaskOutcomeRejectsAnEmptyErrorCode(t *testing.T) {
	b := service.NewStreamBuilder()
	err := b.AddProcessorYAML("sync_task_outcome:\n  error_code: ' '\n")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "error_code must not be empty")

	conf, err := syncTaskOutcomeSpec().ParseYAML("error_code: ''\n", nil)
	require.NoError(t, err)
	_, err = syncTaskOutcomeConfigFromParsed(conf)
	require.EqualError(t, err, "error_code must not be empty")
}

func TestSyncTaskOutcomeProcessesConcurrentBatchesOnOneStore(t *testing.T) {
	r := newFailRig(t)
	bodies := map[string]string{}
	for i := range 20 {
		bodies[fmt.Sprint(100+i)] = `{}`
	}
	msgs := r.stage("task-8", bodies)
	p := newTestSyncTaskFail(t, r.dsn, "", service.MockResources())
	var wg sync.WaitGroup
	for id, m := range msgs {
		m.MetaSetMut("dw_error", "mapping customer "+id+": field `this.name`: value is null")
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := p.ProcessBatch(context.Background(), service.MessageBatch{m})
			assert.NoError(t, err)
			assert.NoError(t, out[0][0].GetError())
		}()
	}
	wg.Wait()
	task := r.task("task-8")
	assert.Equal(t, synctask.Counts{F: 20}, task.Counts)
	assert.Equal(t, synctask.TaskFail, task.Status)
}

func TestSyncTaskOutcomeSpecExampleIsAValidTargetHalf(t *testing.T) {
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	// The example's mapping path is relative to the repository root.
	example := strings.Replace(stfExample, `from "bloblang/`, `from "`+root+`/bloblang/`, 1)
	require.NotEqual(t, stfExample, example)
	t.Setenv("DATAWALD_STORE", "sqlite://"+filepath.Join(t.TempDir(), "st.db"))
	b := service.NewStreamBuilder()
	require.NoError(t, b.SetYAML(example))
	require.NoError(t, b.AddResourcesYAML(`
output_resources:
  - label: dead_letter
    drop: {}
  - label: netsuite_customers
    drop: {}
`))
	_, err = b.Build()
	require.NoError(t, err)
}

func TestSyncTaskOutcomeStoreFailureIsNackedByAnErroredRejectCaseNotDeadLettered(t *testing.T) {
	b := service.NewStreamBuilder()
	require.NoError(t, b.SetLoggerYAML("level: none"))
	send, err := b.AddBatchProducerFunc()
	require.NoError(t, err)
	require.NoError(t, b.AddProcessorYAML(`
mapping: 'root.companyName = this.name.not_null()'
`))
	require.NoError(t, b.AddProcessorYAML(`
catch:
  - mutation: 'meta dw_error = error()'
`))
	require.NoError(t, b.AddProcessorYAML("sync_task_outcome:\n  store: postgres://postgres@127.0.0.1:1/test?connect_timeout=1\n"))
	require.NoError(t, b.AddOutputYAML(`
switch:
  cases:
    - check: errored()
      output:
        reject: 'sync-task outcome not recorded: ${! error() }'
    - check: '@dw_error != null'
      output:
        drop: {}
    - output:
        drop: {}
`))
	ctx, stop := startStream(t, b)

	m := service.NewMessage([]byte(`{}`))
	synctask.SetEnvelope(m, synctask.Envelope{Key: customerKey("21"), TaskID: "t"})
	err = send(ctx, service.MessageBatch{m})
	require.Error(t, err, "the source is told the message was not handled, so it is read again")
	assert.Contains(t, err.Error(), "sync-task outcome not recorded")

	require.NoError(t, send(ctx, service.MessageBatch{service.NewMessage([]byte(`{"name":"Ada"}`))}), "error-free messages are unaffected")
	stop()
}

func TestSyncTaskOutcomeRecordsASkippedEntityIWithTheReason(t *testing.T) {
	r := newFailRig(t)
	msgs := r.stage("task-skip", map[string]string{"5": `{"name":"Ada"}`, "6": `{"name":"Bo"}`})
	msgs["5"].MetaSetMut("dw_skip", "storefront order 000000005 is canceled:\nnot exported")
	p := newTestSyncTaskFail(t, r.dsn, "", service.MockResources())

	out := processFail(t, p, msgs["5"], msgs["6"])

	require.Len(t, out, 2)
	assert.NoError(t, out[0].GetError())
	e := r.entity("5")
	assert.Equal(t, synctask.StatusIgnored, e.Status)
	assert.Equal(t, "storefront order 000000005 is canceled: not exported", e.Note)
	assert.Equal(t, synctask.StatusNew, r.entity("6").Status, "a message without dw_skip or error is untouched")
}
