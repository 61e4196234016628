package inputs

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/magento"
	"github.com/datawald/datawald/internal/sandbox"
)

// lastFlags returns the indexes of the messages flagged dw_task_last and
// checks that every message carries the first one's task id.
func lastFlags(t *testing.T, msgs []readMsg) (task string, flagged []int) {
	t.Helper()
	require.NotEmpty(t, msgs)
	task = metaOf(t, msgs[0].msg, "dw_task_id")
	for i, r := range msgs {
		assert.Equal(t, task, metaOf(t, r.msg, "dw_task_id"), "message %d belongs to the cycle's task", i)
		if v, ok := r.msg.MetaGet("dw_task_last"); ok {
			assert.Equal(t, "true", v)
			flagged = append(flagged, i)
		}
	}
	return task, flagged
}

func TestMagentoInputFlagsOnlyTheLastMessageOfEachPollCycle(t *testing.T) {
	h := startMagentoOrders(t, 50)
	in := h.newInput(t)
	in.cfg.pageSize = 7 // 50 orders: seven full pages, then one of 1

	first := readCycle(t, in)
	require.Len(t, first, 50)
	task, flagged := lastFlags(t, first)
	assert.Equal(t, []int{49}, flagged, "the 50th of 50 orders is the cycle's last")
	for _, r := range first {
		require.NoError(t, r.ack(t.Context(), nil))
	}

	// Ten orders change in one second and pages hold 5: the scan pages
	// inside that second, and only an empty query after the second page
	// tells that it was the last.
	h.clock.Advance(time.Minute)
	ids := make([]string, 10)
	for i := range ids {
		ids[i] = strconv.Itoa(3 + i*4)
	}
	sandboxMutate(t, h, sandbox.MutateRequest{Entity: "orders", IDs: ids, SameSecond: true})
	h.clock.Advance(time.Minute)
	in.cfg.pageSize = 5
	before := h.sb.Server.Stats().Count("GET /rest/{store}/V1/orders", 200)
	second := readCycle(t, in)
	queries := h.sb.Server.Stats().Count("GET /rest/{store}/V1/orders", 200) - before
	require.Len(t, second, 10)
	assert.Greater(t, queries, int64(2), "the end of the burst second is known only after a further query")
	task2, flagged := lastFlags(t, second)
	assert.Equal(t, []int{9}, flagged)
	assert.NotEqual(t, task, task2, "each cycle is its own task")
	h.sb.Contract.AssertClean(t)
}

func TestMagentoInputCycleWithNothingChangedEmitsNothingAndTheNextIsFlagged(t *testing.T) {
	h := startMagentoOrders(t, 20)
	in := h.newInput(t)
	for _, r := range readCycle(t, in) {
		require.NoError(t, r.ack(t.Context(), nil))
	}

	// A cycle finds nothing: Read runs its query, emits nothing and waits
	// for the next cycle, until the context ends.
	h.clock.Advance(2 * time.Minute)
	before := h.sb.Server.Stats().Count("GET /rest/{store}/V1/orders", 200)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	msg, _, err := in.Read(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Nil(t, msg)
	assert.Equal(t, before+1, h.sb.Server.Stats().Count("GET /rest/{store}/V1/orders", 200), "the empty cycle ran its query")

	sandboxMutate(t, h, sandbox.MutateRequest{Entity: "orders", IDs: []string{"4", "9", "15"}})
	h.clock.Advance(2 * time.Minute)
	next := readCycle(t, in)
	require.Len(t, next, 3)
	_, flagged := lastFlags(t, next)
	assert.Equal(t, []int{2}, flagged)
}

func TestMagentoInputRestartMidCycleFlagsTheLastMessageOfTheResumedCycle(t *testing.T) {
	h := startMagentoOrders(t, 700)
	in := h.newInput(t)
	in.cfg.pageSize = 100
	var interrupted []readMsg
	for range 250 {
		msg, ack, err := in.Read(t.Context())
		require.NoError(t, err)
		interrupted = append(interrupted, readMsg{msg, ack})
		require.NoError(t, ack(t.Context(), nil))
	}
	require.NoError(t, in.Close(t.Context()))
	oldTask, flagged := lastFlags(t, interrupted)
	assert.Empty(t, flagged, "an interrupted cycle flags nothing: its task is sealed at its deadline")

	restarted := h.newInput(t)
	restarted.cfg.pageSize = 100
	rest := readCycle(t, restarted)
	require.Len(t, rest, 450)
	task, flagged := lastFlags(t, rest)
	assert.NotEqual(t, oldTask, task)
	assert.Equal(t, []int{449}, flagged)
}

func TestMagentoInputFlagsTheLastSourceItemOfASnapshotCycle(t *testing.T) {
	h := startMagentoOrders(t, 10)
	res, _ := magento.LookupResource("source_items")
	cfg := magentoInputConfig{pollingConfig: pollingConfig{pageSize: 3, pollInterval: time.Minute}, client: h.sb.Config(magentoAuthAt(h)), resource: res, source: "magento"}
	in := h.connect(t, cfg, "magento_source_items")
	all, err := h.sb.Client(t, magentoAuthAt(h)).Search(t.Context(), "/V1/inventory/source-items", magento.Criteria{}.Page(1, 1))
	require.NoError(t, err)

	got := readCycle(t, in)
	require.Len(t, got, all.TotalCount)
	_, flagged := lastFlags(t, got)
	assert.Equal(t, []int{all.TotalCount - 1}, flagged)
}
