package outputs

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/httpx"
	"github.com/datawald/datawald/internal/magento"
	"github.com/datawald/datawald/internal/magento/magentotest"
	"github.com/datawald/datawald/internal/sandbox"
	sbmagento "github.com/datawald/datawald/internal/sandbox/magento"
	"github.com/datawald/datawald/internal/sandbox/seed"
	"github.com/datawald/datawald/internal/synctask"
)

// magentoOutputHarness is a simulator, a sync-task store where the test
// stages the entities it delivers, and outputs built on both.
type magentoOutputHarness struct {
	t     testing.TB
	sb    *magentotest.Sandbox
	cat   *seed.Catalog
	store *synctask.Shared
	seq   int
}

func startMagentoOutput(t testing.TB, counts seed.Counts, so sandbox.Options, vo sbmagento.Options) *magentoOutputHarness {
	t.Helper()
	cat := seed.Generate(seed.Config{Counts: counts})
	vo.Catalog = cat
	sb := magentotest.Start(t, vo, so)
	shared, err := synctask.Acquire(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "synctask.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = shared.Release(context.Background()) })
	return &magentoOutputHarness{t: t, sb: sb, cat: cat, store: shared}
}

// output builds a magento output for entity; http retries are fast so
// fault tests finish quickly.
func (h *magentoOutputHarness) output(entity string, tune func(*magentoOutputConfig)) *magentoOutput {
	h.t.Helper()
	cc := h.sb.Config(h.sb.OAuth1())
	cc.HTTP = httpx.Settings{Retry: httpx.RetryPolicy{MaxAttempts: 5, InitialInterval: 5 * time.Millisecond, MaxInterval: 50 * time.Millisecond, MaxElapsed: 30 * time.Second}}
	cfg := magentoOutputConfig{client: cc, entity: entity, websiteID: 1, sourceItemsLimit: 20, bulkPoll: 20 * time.Millisecond, bulkTimeout: 30 * time.Second}
	var err error
	cfg.orderIncrementID, err = service.NewInterpolatedString(`${! @magento_order_increment_id.or("") }`)
	require.NoError(h.t, err)
	cfg.orderID, err = service.NewInterpolatedString(`${! @magento_order_id.or("") }`)
	require.NoError(h.t, err)
	cfg.sku, err = service.NewInterpolatedString(`${! @magento_sku }`)
	require.NoError(h.t, err)
	if tune != nil {
		tune(&cfg)
	}
	rep := synctask.NewReporter(h.store, synctask.ReporterConfig{MaxAttempts: 5, InitialBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}, nil)
	out, err := newMagentoOutput(cfg, rep, service.MockResources())
	require.NoError(h.t, err)
	require.NoError(h.t, out.Connect(context.Background()))
	return out
}

// stage stages bodies as entities of one task (as the sync_task processor
// does upstream) and returns them as messages carrying the envelope.
func (h *magentoOutputHarness) stage(txType string, ids []string, bodies [][]byte, meta map[string][]string) service.MessageBatch {
	h.t.Helper()
	h.seq++
	spec := synctask.TaskSpec{ID: fmt.Sprintf("task-%s-%d", txType, h.seq), TxType: txType, Source: "erp", Target: "magento"}
	keys := make([]synctask.Key, len(ids))
	for i, id := range ids {
		keys[i] = synctask.Key{Source: "erp", Target: "magento", TxType: txType, SrcID: id}
	}
	batch := stageTask(h.t, h.store, spec, keys, bodies)
	for i, m := range batch {
		for k, vs := range meta {
			m.MetaSetMut(k, vs[i])
		}
	}
	return batch
}

// writeAll writes batch the way Benthos does: messages nacked in a
// BatchError are written again until none is left.
func writeAll(t testing.TB, out *magentoOutput, batch service.MessageBatch) {
	t.Helper()
	writeRedelivering(t, out, batch, 20)
}

// outcomes returns the recorded status and tgt_id of each staged id.
func (h *magentoOutputHarness) outcomes(txType string, ids []string) map[string]synctask.Entity {
	h.t.Helper()
	out := map[string]synctask.Entity{}
	for _, id := range ids {
		e, err := h.store.GetEntity(context.Background(), synctask.Key{Source: "erp", Target: "magento", TxType: txType, SrcID: id})
		require.NoError(h.t, err)
		out[id] = e
	}
	return out
}

func productBodies(n int, status func(i int) int) ([]string, [][]byte) {
	ids := make([]string, n)
	bodies := make([][]byte, n)
	for i := range n {
		sku := fmt.Sprintf("DW-%05d", i)
		ids[i] = sku
		bodies[i], _ = json.Marshal(map[string]any{"product": map[string]any{
			"sku": sku, "name": "Datawald product " + sku, "price": 10 + float64(i%50), "status": status(i),
			"visibility": 4, "type_id": "simple", "attribute_set_id": 4, "weight": 1.5,
			"custom_attributes":    []any{map[string]any{"attribute_code": "description", "value": "Imported from the ERP"}},
			"extension_attributes": map[string]any{"website_ids": []int{1}},
		}, "saveOptions": true})
	}
	return ids, bodies
}

func (h *magentoOutputHarness) sourceItemBodies(skus []string) [][]byte {
	bodies := make([][]byte, len(skus))
	for i, sku := range skus {
		var items []magento.SourceItem
		for k, l := range h.cat.Locations {
			items = append(items, magento.SourceItem{SKU: sku, SourceCode: l.Code, Quantity: float64((i*7+k*3)%40 + 1), Status: 1})
		}
		bodies[i], _ = json.Marshal(map[string]any{"sourceItems": items})
	}
	return bodies
}

func inBatches(b service.MessageBatch, size int) []service.MessageBatch {
	var out []service.MessageBatch
	for start := 0; start < len(b); start += size {
		out = append(out, b[start:min(start+size, len(b))])
	}
	return out
}

func statusCounts(es map[string]synctask.Entity) map[synctask.Status]int {
	c := map[synctask.Status]int{}
	for _, e := range es {
		c[e.Status]++
	}
	return c
}
