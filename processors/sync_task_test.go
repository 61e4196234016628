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
