package processors

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/synctask"
)

func newTestSyncTask(t *testing.T, yaml string) (*syncTaskProc, *synctask.Shared) {
	t.Helper()
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "st.db")
	conf, err := syncTaskProcSpec().ParseYAML("store: "+dsn+"\n"+yaml, nil)
	require.NoError(t, err)
	c, err := syncTaskProcConfigFromParsed(conf)
	require.NoError(t, err)
	p, err := newSyncTaskProc(c, service.MockResources())
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	store, err := synctask.Acquire(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Release(context.Background()) })
	return p, store
}

func entityMsg(srcID, body string) *service.Message {
	m := service.NewMessage([]byte(body))
	if srcID != "" {
		m.MetaSetMut("dw_src_id", srcID)
	}
	m.MetaSetMut("dw_updated_at", "2026-11-01T08:00:00Z")
	return m
}

func process(t *testing.T, p *syncTaskProc, msgs ...*service.Message) service.MessageBatch {
	t.Helper()
	out, err := p.ProcessBatch(context.Background(), service.MessageBatch(msgs))
	require.NoError(t, err)
	if len(out) == 0 {
		return nil
	}
	require.Len(t, out, 1)
	return out[0]
}

const orderKeys = "source: ns\ntarget: mage2\ntx_type: order\n"

func TestSyncTaskMarksMessagesWithoutKeyErroredAndStagesNothing(t *testing.T) {
	p, store := newTestSyncTask(t, "source: ns\ntarget: mage2\n")
	m := entityMsg("", `{"a":1}`)
	out := process(t, p, m)
	require.Len(t, out, 1)
	require.Error(t, out[0].GetError())
	assert.Contains(t, out[0].GetError().Error(), "tx_type")
	assert.Contains(t, out[0].GetError().Error(), "src_id")
	page, err := store.ListEntities(context.Background(), synctask.EntityFilter{})
	require.NoError(t, err)
	assert.Empty(t, page.Items)
}

func TestSyncTaskRejectsUnknownTxType(t *testing.T) {
	p, _ := newTestSyncTask(t, "source: ns\ntarget: mage2\ntx_type: invoice\ntx_types: [order, customer]\n")
	out := process(t, p, entityMsg("1", `{}`))
	require.Len(t, out, 1)
	require.Error(t, out[0].GetError())
	assert.Contains(t, out[0].GetError().Error(), `unknown tx_type "invoice"`)
}

func TestSyncTaskRejectsBadTimestampNamingTheField(t *testing.T) {
	p, _ := newTestSyncTask(t, orderKeys)
	m := entityMsg("1", `{}`)
	m.MetaSetMut("dw_updated_at", "yesterday")
	out := process(t, p, m)
	require.Error(t, out[0].GetError())
	assert.Contains(t, out[0].GetError().Error(), "updated_at")
}

func TestSyncTaskStagesNewEntitiesWithEnvelopeAndOneSealedTaskPerBatch(t *testing.T) {
	p, store := newTestSyncTask(t, orderKeys)
	out := process(t, p, entityMsg("1", `{"a":1}`), entityMsg("2", `{"a":2}`))
	require.Len(t, out, 2)
	task1, _ := out[0].MetaGet("dw_task_id")
	task2, _ := out[1].MetaGet("dw_task_id")
	assert.NotEmpty(t, task1)
	assert.Equal(t, task1, task2)
	for _, name := range []string{"dw_source", "dw_target", "dw_tx_type", "dw_src_id", "dw_updated_at", "dw_hash"} {
		v, ok := out[0].MetaGet(name)
		assert.True(t, ok && v != "", name)
	}
	tk, err := store.GetTask(context.Background(), task1)
	require.NoError(t, err)
	assert.True(t, tk.Sealed)
	assert.Equal(t, synctask.Counts{N: 2}, tk.Counts)
}

func TestSyncTaskDropsUnchangedEntitiesUnlessForwardIgnored(t *testing.T) {
	for _, forward := range []bool{false, true} {
		yaml := orderKeys
		if forward {
			yaml += "forward_ignored: true\n"
		}
		p, store := newTestSyncTask(t, yaml)
		out := process(t, p, entityMsg("1", `{"a":1,"b":2}`))
		require.Len(t, out, 1)
		env, err := synctask.EnvelopeFromMessage(out[0])
		require.NoError(t, err)
		require.NoError(t, store.RecordOutcomes(context.Background(), []synctask.Outcome{{Key: env.Key, TaskID: env.TaskID, Status: synctask.StatusSent}}))
		out = process(t, p, entityMsg("1", `{"b":2.0,"a":1}`))
		if forward {
			assert.Len(t, out, 1, "forward_ignored keeps I entities")
		} else {
			assert.Empty(t, out, "an unchanged entity is not sent again")
		}
	}
}

func TestSyncTaskStagesSchemaViolationsAsFailedWithAReadableNote(t *testing.T) {
	schema := filepath.Join(t.TempDir(), "order.json")
	require.NoError(t, os.WriteFile(schema, []byte(`{
		"type": "object", "required": ["order_id", "total"],
		"properties": {"order_id": {"type": "string"}, "total": {"type": "number"}}}`), 0o600))
	p, store := newTestSyncTask(t, orderKeys+"schema_file: "+schema+"\n")
	out := process(t, p, entityMsg("1", `{"order_id":"SO-1","total":"a lot"}`), entityMsg("2", `{"order_id":"SO-2","total":3}`), entityMsg("3", `not json`))
	require.Len(t, out, 1, "only the valid entity goes on")
	id, _ := out[0].MetaGet("dw_src_id")
	assert.Equal(t, "2", id)
	e, err := store.GetEntity(context.Background(), synctask.Key{Source: "ns", Target: "mage2", TxType: "order", SrcID: "1"})
	require.NoError(t, err)
	assert.Equal(t, synctask.StatusFailed, e.Status)
	assert.Equal(t, "SCHEMA", e.ErrorCode)
	assert.Contains(t, e.Note, "/total")
	assert.NotContains(t, e.Note, "\n")
	e, err = store.GetEntity(context.Background(), synctask.Key{Source: "ns", Target: "mage2", TxType: "order", SrcID: "3"})
	require.NoError(t, err)
	assert.Equal(t, synctask.StatusFailed, e.Status)
	assert.Equal(t, "INVALID_JSON", e.ErrorCode)
}

func TestSyncTaskHoldsTheBatchWhileTheStoreIsUnreachable(t *testing.T) {
	conf, err := syncTaskProcSpec().ParseYAML("store: postgres://postgres@127.0.0.1:1/test?connect_timeout=1\n"+orderKeys, nil)
	require.NoError(t, err)
	c, err := syncTaskProcConfigFromParsed(conf)
	require.NoError(t, err)
	p, err := newSyncTaskProc(c, service.MockResources())
	require.NoError(t, err, "a store that is down at startup does not fail the stream")
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	start := time.Now()
	out, err := p.ProcessBatch(ctx, service.MessageBatch{entityMsg("1", `{}`)})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 1400*time.Millisecond, "the batch was held, not dropped, while the store was down")
	require.Len(t, out, 1)
	require.Len(t, out[0], 1)
	require.Error(t, out[0][0].GetError())
	assert.Contains(t, out[0][0].GetError().Error(), "staging 1 order entities")
	assert.NotContains(t, out[0][0].GetError().Error(), "postgres@", "the DSN is not echoed")
}

// cycleMsg is an entity of input task taskID whose tx_type comes from the
// dw_tx_type metadata, as the NetSuite invoice flow stages it.
func cycleMsg(taskID, txType, srcID string, last bool) *service.Message {
	m := entityMsg(srcID, `{"invoice":"`+srcID+`"}`)
	m.MetaSetMut("dw_tx_type", txType)
	m.MetaSetMut("dw_task_id", taskID)
	if last {
		m.MetaSetMut("dw_task_last", "true")
	}
	return m
}

const cycleKeys = "source: netsuite\ntarget: magento\ntx_types: [invoice, order_status]\n"

func TestSyncTaskStagesTwoTxTypesOfOneInputTaskInOneSealedTaskEach(t *testing.T) {
	p, store := newTestSyncTask(t, cycleKeys)
	out := process(t, p,
		cycleMsg("cycle-1", "invoice", "INV-1", false), cycleMsg("cycle-1", "order_status", "INV-1", false),
		cycleMsg("cycle-1", "invoice", "INV-2", true), cycleMsg("cycle-1", "order_status", "INV-2", true))
	require.Len(t, out, 4, "every entity is forwarded")
	wantTask := map[string]string{"invoice": "cycle-1", "order_status": "cycle-1-order_status"}
	for _, m := range out {
		require.NoError(t, m.GetError())
		tx, _ := m.MetaGet("dw_tx_type")
		id, _ := m.MetaGet("dw_task_id")
		assert.Equal(t, wantTask[tx], id, "forwarded dw_task_id of a %s", tx)
	}
	for tx, id := range wantTask {
		task, err := store.GetTask(context.Background(), id)
		require.NoError(t, err, tx)
		assert.Equal(t, tx, task.TxType)
		assert.True(t, task.Sealed, "the cycle's last message seals the %s task", tx)
		assert.Equal(t, synctask.Counts{N: 2}, task.Counts, tx)
	}
	page, err := store.ListEntities(context.Background(), synctask.EntityFilter{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 4, "every entity is staged")
}

func TestSyncTaskSealsEveryTxTypeOfAnInputTaskWhenItsLastMessageArrives(t *testing.T) {
	p, store := newTestSyncTask(t, cycleKeys)
	out := process(t, p, cycleMsg("cycle-2", "invoice", "INV-1", false), cycleMsg("cycle-2", "order_status", "INV-1", false))
	require.Len(t, out, 2)
	out = process(t, p, cycleMsg("cycle-2", "order_status", "INV-2", false))
	require.Len(t, out, 1)
	id, _ := out[0].MetaGet("dw_task_id")
	assert.Equal(t, "cycle-2-order_status", id, "a later batch finds the derived task")
	// The last batch holds only invoices: the order_status task ends too.
	process(t, p, cycleMsg("cycle-2", "invoice", "INV-2", true))
	for _, id := range []string{"cycle-2", "cycle-2-order_status"} {
		task, err := store.GetTask(context.Background(), id)
		require.NoError(t, err)
		assert.True(t, task.Sealed, id)
		assert.Equal(t, 2, task.Counts.N, id)
	}
}

func TestSyncTaskReplayedEntitiesStayInTheirDerivedTask(t *testing.T) {
	p, store := newTestSyncTask(t, cycleKeys)
	process(t, p, cycleMsg("cycle-3", "invoice", "INV-1", true), cycleMsg("cycle-3", "order_status", "INV-1", true))
	// A replay carries the stored task id as dw_task_id.
	replay := cycleMsg("cycle-3-order_status", "order_status", "INV-1", false)
	replay.SetBytes([]byte(`{"invoice":"INV-1","changed":true}`))
	out := process(t, p, replay)
	require.Len(t, out, 1)
	require.NoError(t, out[0].GetError())
	id, _ := out[0].MetaGet("dw_task_id")
	assert.Equal(t, "cycle-3-order_status", id)
	_, err := store.GetTask(context.Background(), "cycle-3-order_status-order_status")
	assert.ErrorIs(t, err, synctask.ErrNotFound)
}

func TestSyncTaskMarksEntitiesOfAnInputTaskOfAnotherEndpointErroredNamingBothTasks(t *testing.T) {
	p, store := newTestSyncTask(t, "target: magento\ntx_type: invoice\n")
	first := cycleMsg("cycle-4", "invoice", "INV-1", false)
	first.MetaSetMut("dw_source", "netsuite")
	other := cycleMsg("cycle-4", "invoice", "INV-9", false)
	other.MetaSetMut("dw_source", "sap")
	out := process(t, p, first, other)
	require.Len(t, out, 2, "the refused entity is forwarded errored, not dropped")
	require.NoError(t, out[0].GetError())
	require.Error(t, out[1].GetError())
	assert.Contains(t, out[1].GetError().Error(), "task cycle-4 belongs to netsuite→magento invoice, not sap→magento invoice")
	_, err := store.GetEntity(context.Background(), synctask.Key{Source: "sap", Target: "magento", TxType: "invoice", SrcID: "INV-9"})
	assert.ErrorIs(t, err, synctask.ErrNotFound)
}
