package inputs

import (
	"context"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/require"
)

// requireOneCycle requires msgs, one poll cycle's messages in read order,
// to carry each dw_src_id once (what names the records in the failure),
// one dw_task_id, and dw_task_last on the last message only.
func requireOneCycle(t testing.TB, msgs []readMsg, what string) {
	t.Helper()
	require.NotEmpty(t, msgs)
	seen := map[string]bool{}
	task := metaOf(t, msgs[0].msg, "dw_task_id")
	for i, r := range msgs {
		id := metaOf(t, r.msg, "dw_src_id")
		require.False(t, seen[id], "%s %s read twice", what, id)
		seen[id] = true
		require.Equal(t, task, metaOf(t, r.msg, "dw_task_id"), "one task id per poll cycle")
		_, last := r.msg.MetaGet("dw_task_last")
		require.Equal(t, i == len(msgs)-1, last, "dw_task_last only on the cycle's last message")
	}
}

// ackAll acknowledges msgs successfully.
func ackAll(t testing.TB, msgs []readMsg) {
	t.Helper()
	for _, m := range msgs {
		require.NoError(t, m.ack(t.Context(), nil))
	}
}

// srcIDs returns the dw_src_id of msgs, in order.
func srcIDs(t testing.TB, msgs []readMsg) []string {
	t.Helper()
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = metaOf(t, m.msg, "dw_src_id")
	}
	return out
}

// requireEmptyCycle runs one poll cycle of in, which must be due, and
// requires it to emit nothing: Read ends the cycle and then waits for the
// next, which a short deadline cuts off.
func requireEmptyCycle(t testing.TB, in interface {
	service.Input
	cycleOpen() bool
}, msgAndArgs ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	msg, _, err := in.Read(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded, msgAndArgs...)
	require.Nil(t, msg, msgAndArgs...)
	require.False(t, in.cycleOpen(), msgAndArgs...)
}
