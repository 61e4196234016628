package inputs

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/magento"
	"github.com/datawald/datawald/internal/magento/magentotest"
	"github.com/datawald/datawald/internal/sandbox"
	sbmagento "github.com/datawald/datawald/internal/sandbox/magento"
	"github.com/datawald/datawald/internal/sandbox/seed"
)

type magentoInputHarness struct {
	sb    *magentotest.Sandbox
	clock *testClock
	res   *service.Resources
}

func startMagentoOrders(t *testing.T, orders int) *magentoInputHarness {
	t.Helper()
	return startMagentoOrdersB(t, orders)
}

func startMagentoOrdersB(t testing.TB, orders int) *magentoInputHarness {
	t.Helper()
	cat := seed.Generate(seed.Config{Counts: seed.Counts{Orders: orders}})
	clock := &testClock{now: cat.End.Add(time.Hour)}
	sb := magentotest.Start(t, sbmagento.Options{Catalog: cat, Clock: clock.Now}, sandbox.Options{})
	return &magentoInputHarness{sb: sb, clock: clock, res: service.MockResources(service.MockResourcesOptAddCache("checkpoints"))}
}

// connect builds an input of cfg on the harness' clock, keeping its
// position under key in the harness' checkpoint cache, and connects it.
func (h *magentoInputHarness) connect(t testing.TB, cfg magentoInputConfig, key string) *magentoInput {
	t.Helper()
	return connectPolling(t, newMagentoInput, cfg, h.res, key, h.clock.Now)
}

// newInput builds an orders input on the harness' checkpoint cache.
func (h *magentoInputHarness) newInput(t *testing.T) *magentoInput {
	t.Helper()
	res, _ := magento.LookupResource("orders")
	auth := h.sb.OAuth1()
	auth.Now = h.clock.Now
	cfg := magentoInputConfig{pollingConfig: pollingConfig{pageSize: magento.MaxPageSize, pollInterval: time.Minute, lag: 5 * time.Second}, client: h.sb.Config(auth), resource: res, source: "magento"}
	in := h.connect(t, cfg, "magento_orders")
	return in
}

func TestMagentoInputReadsFiveThousandOrdersOnceThenExactlyTheHundredMutated(t *testing.T) {
	h := startMagentoOrders(t, 5000)
	in := h.newInput(t)
	ctx := t.Context()

	first := readCycle(t, in)
	require.Len(t, first, 5000)
	ids := map[string]bool{}
	task := metaOf(t, first[0].msg, "dw_task_id")
	for _, r := range first {
		id := metaOf(t, r.msg, "magento_entity_id")
		assert.False(t, ids[id], "order %s read twice", id)
		ids[id] = true
		assert.Equal(t, task, metaOf(t, r.msg, "dw_task_id"), "one task id per poll cycle")
		require.NoError(t, r.ack(ctx, nil))
	}
	m := first[0].msg
	assert.Equal(t, "magento", metaOf(t, m, "dw_source"))
	assert.Equal(t, "order", metaOf(t, m, "dw_tx_type"))
	assert.NotEmpty(t, metaOf(t, m, "dw_src_id"))
	updated, err := time.Parse(time.RFC3339, metaOf(t, m, "dw_updated_at"))
	require.NoError(t, err)
	assert.Equal(t, time.UTC, updated.Location())
	pages := h.sb.Server.Stats().Count("GET /rest/{store}/V1/orders", 200)
	t.Logf("first sync: 5000 orders in %d searches", pages)

	// 60 orders change in consecutive seconds, then 40 in one same second.
	var spread, burst []string
	for i := range 100 {
		id := strconv.Itoa(1 + i*50)
		if i < 60 {
			spread = append(spread, id)
		} else {
			burst = append(burst, id)
		}
	}
	h.clock.Advance(2 * time.Minute)
	sandboxMutate(t, h, sandbox.MutateRequest{Entity: "orders", IDs: spread})
	h.clock.Advance(time.Minute)
	res := sandboxMutate(t, h, sandbox.MutateRequest{Entity: "orders", IDs: burst, SameSecond: true})
	assert.Len(t, res.Changed, 40)

	// Within the lag, the burst second is not read yet.
	h.clock.Advance(2 * time.Second)
	early := readCycle(t, in)
	assert.Len(t, early, 60, "changes younger than the lag wait for the next cycle")
	h.clock.Advance(2 * time.Minute)
	late := readCycle(t, in)
	got := map[string]bool{}
	for _, r := range append(early, late...) {
		id := metaOf(t, r.msg, "magento_entity_id")
		assert.False(t, got[id], "order %s emitted twice", id)
		got[id] = true
		require.NoError(t, r.ack(ctx, nil))
	}
	want := map[string]bool{}
	for _, id := range append(spread, burst...) {
		want[id] = true
	}
	assert.Equal(t, want, got, "the next polls emit exactly the 100 mutated orders")
	assert.NotEqual(t, task, metaOf(t, late[0].msg, "dw_task_id"))
	h.sb.Contract.AssertClean(t)
}

func TestMagentoInputRestartResumesFromTheAckedCursorWithNothingLost(t *testing.T) {
	h := startMagentoOrders(t, 5000)
	in := h.newInput(t)
	ctx := t.Context()

	var firstRun []readMsg
	for range 2000 {
		msg, ack, err := in.Read(ctx)
		require.NoError(t, err)
		firstRun = append(firstRun, readMsg{msg, ack})
	}
	// Acks arrive out of order and the 1,501st message is never acked
	// (the process dies with it in flight).
	for i := len(firstRun) - 1; i >= 0; i-- {
		if i != 1500 {
			require.NoError(t, firstRun[i].ack(ctx, nil))
		}
	}
	require.NoError(t, in.Close(ctx))

	restarted := h.newInput(t)
	rest := readCycle(t, restarted)
	seen := map[string]int{}
	for _, r := range firstRun {
		seen[metaOf(t, r.msg, "magento_entity_id")]++
	}
	for _, r := range rest {
		seen[metaOf(t, r.msg, "magento_entity_id")]++
	}
	assert.Len(t, seen, 5000, "nothing lost")
	assert.Len(t, rest, 3500, "the restart resumes after the last acked position: the unacked message and those after it are read again")
	assert.Equal(t, metaOf(t, firstRun[1500].msg, "magento_entity_id"), metaOf(t, rest[0].msg, "magento_entity_id"))
	h.sb.Contract.AssertClean(t)
}

func sandboxMutate(t *testing.T, h *magentoInputHarness, req sandbox.MutateRequest) sandbox.MutateResult {
	t.Helper()
	res, err := h.sb.Vendor.Mutate(req)
	require.NoError(t, err)
	return res
}

func TestMagentoInputReadsEverySourceItemOncePerCycleAsASnapshot(t *testing.T) {
	h := startMagentoOrders(t, 100)
	res, _ := magento.LookupResource("source_items")
	auth := h.sb.OAuth1()
	auth.Now = h.clock.Now
	// A page of 2 is smaller than a SKU's sources, so the scan pages
	// inside one SKU by source code.
	cfg := magentoInputConfig{pollingConfig: pollingConfig{pageSize: 2, pollInterval: time.Millisecond}, client: h.sb.Config(auth), resource: res, source: "magento"}
	in := h.connect(t, cfg, "magento_source_items")

	c := h.sb.Client(t, auth)
	all, err := c.Search(t.Context(), "/V1/inventory/source-items", magento.Criteria{}.Page(1, 1))
	require.NoError(t, err)
	tasks := map[string]bool{}
	for cycle := range 2 {
		keys := map[string]bool{}
		for range all.TotalCount {
			msg, ack, err := in.Read(t.Context())
			require.NoError(t, err)
			require.NoError(t, ack(t.Context(), nil))
			k := metaOf(t, msg, "dw_src_id")
			assert.False(t, keys[k], "source item %s read twice in cycle %d", k, cycle)
			keys[k] = true
			assert.Equal(t, "inventory", metaOf(t, msg, "dw_tx_type"))
			tasks[metaOf(t, msg, "dw_task_id")] = true
		}
		assert.Len(t, keys, all.TotalCount, "cycle %d reads every source item", cycle)
		h.clock.Advance(time.Minute)
	}
	assert.Len(t, tasks, 2, "one task id per cycle")
	h.sb.Contract.AssertClean(t)
}

func TestMagentoInputStartFromReadsOnlyOrdersUpdatedSinceThen(t *testing.T) {
	h := startMagentoOrders(t, 1000)
	c := h.sb.Client(t, magentoAuthAt(h))
	p, err := c.Search(t.Context(), "/V1/orders", magento.Criteria{}.SortBy("updated_at", magento.Asc).SortBy("entity_id", magento.Asc).Page(1, 500))
	require.NoError(t, err)
	require.Len(t, p.Items, 1)
	var mid struct {
		UpdatedAt string `json:"updated_at"`
	}
	require.NoError(t, json.Unmarshal(p.Items[0], &mid))
	from, err := magento.ParseTime(mid.UpdatedAt)
	require.NoError(t, err)
	want, err := c.Search(t.Context(), "/V1/orders", magento.Criteria{}.Where("updated_at", magento.Gteq, magento.FormatTime(from)).Page(1, 1))
	require.NoError(t, err)

	res, _ := magento.LookupResource("orders")
	cfg := magentoInputConfig{pollingConfig: pollingConfig{pageSize: 100, pollInterval: time.Minute, lag: 5 * time.Second, startFrom: from}, client: h.sb.Config(magentoAuthAt(h)), resource: res, source: "magento"}
	in := h.connect(t, cfg, "magento_orders_backfill")
	got := readCycle(t, in)
	assert.Len(t, got, want.TotalCount)
	for _, r := range got {
		u, err := time.Parse(time.RFC3339, metaOf(t, r.msg, "dw_updated_at"))
		require.NoError(t, err)
		assert.False(t, u.Before(from), "order updated at %s is before start_from %s", u, from)
	}
}

func magentoAuthAt(h *magentoInputHarness) magento.Auth {
	a := h.sb.OAuth1()
	a.Now = h.clock.Now
	return a
}

func TestMagentoInputReadsEveryIncrementalEntityKindOnce(t *testing.T) {
	h := startMagentoOrders(t, 300)
	c := h.sb.Client(t, magentoAuthAt(h))
	for _, tc := range []struct{ entity, txType, route string }{
		{"customers", "customer", "/V1/customers/search"},
		{"products", "product", "/V1/products"},
		{"invoices", "invoice", "/V1/invoices"},
		{"shipments", "fulfillment", "/V1/shipments"},
	} {
		t.Run(tc.entity, func(t *testing.T) {
			all, err := c.Search(t.Context(), tc.route, magento.Criteria{}.Page(1, 1))
			require.NoError(t, err)
			require.Positive(t, all.TotalCount)
			res, _ := magento.LookupResource(tc.entity)
			cfg := magentoInputConfig{pollingConfig: pollingConfig{pageSize: 7, pollInterval: time.Millisecond, lag: 5 * time.Second}, client: h.sb.Config(magentoAuthAt(h)), resource: res, source: "magento"}
			in := h.connect(t, cfg, "magento_"+tc.entity)
			seen := map[string]bool{}
			for range all.TotalCount {
				msg, ack, err := in.Read(t.Context())
				require.NoError(t, err)
				require.NoError(t, ack(t.Context(), nil))
				id := metaOf(t, msg, "magento_entity_id")
				assert.False(t, seen[id], "%s %s read twice", tc.entity, id)
				seen[id] = true
				assert.Equal(t, tc.txType, metaOf(t, msg, "dw_tx_type"))
				assert.NotEmpty(t, metaOf(t, msg, "dw_src_id"))
			}
			assert.Len(t, seen, all.TotalCount)
		})
	}
	h.sb.Contract.AssertClean(t)
}
