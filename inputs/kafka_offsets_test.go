package inputs

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOffsetWindowCommitsNothingUntilTheFirstOffsetIsAcked(t *testing.T) {
	w := newOffsetWindow()
	for _, o := range []int64{10, 11, 12} {
		require.NoError(t, w.track(o, 3))
	}
	assert.False(t, w.ack(12))
	assert.False(t, w.ack(11))
	_, _, ok := w.committable()
	assert.False(t, ok, "offset 10 is unacked, nothing may be committed")
	assert.Equal(t, 3, w.inFlight())

	assert.True(t, w.ack(10))
	next, epoch, ok := w.committable()
	require.True(t, ok)
	assert.Equal(t, int64(13), next, "commit offset is one past the last contiguously acked record")
	assert.Equal(t, int32(3), epoch)
	assert.Equal(t, 0, w.inFlight())
}

func TestOffsetWindowStopsAtTheFirstGapInAcks(t *testing.T) {
	w := newOffsetWindow()
	for o := int64(0); o < 6; o++ {
		require.NoError(t, w.track(o, 0))
	}
	for _, o := range []int64{0, 1, 3, 4, 5} {
		w.ack(o)
	}
	next, _, ok := w.committable()
	require.True(t, ok)
	assert.Equal(t, int64(2), next, "offset 2 is unacked so the commit must stop there")
	assert.Equal(t, 4, w.inFlight())

	w.ack(2)
	next, _, _ = w.committable()
	assert.Equal(t, int64(6), next)
}

func TestOffsetWindowHandlesOffsetGapsFromCompaction(t *testing.T) {
	w := newOffsetWindow()
	for _, o := range []int64{5, 9, 20} {
		require.NoError(t, w.track(o, 1))
	}
	w.ack(5)
	w.ack(9)
	next, _, _ := w.committable()
	assert.Equal(t, int64(10), next)
	w.ack(20)
	next, _, _ = w.committable()
	assert.Equal(t, int64(21), next)
}

func TestOffsetWindowRejectsOutOfOrderTracking(t *testing.T) {
	w := newOffsetWindow()
	require.NoError(t, w.track(4, 0))
	assert.Error(t, w.track(4, 0))
	assert.Error(t, w.track(3, 0))
}

func TestOffsetWindowIgnoresAcksOfUnknownOrReleasedOffsets(t *testing.T) {
	w := newOffsetWindow()
	require.NoError(t, w.track(1, 0))
	assert.False(t, w.ack(7))
	assert.True(t, w.ack(1))
	assert.False(t, w.ack(1), "a second ack of a released offset changes nothing")
	next, _, _ := w.committable()
	assert.Equal(t, int64(2), next)
}

func TestOffsetWindowNeverMovesBackwardsUnderRandomAckOrder(t *testing.T) {
	w := newOffsetWindow()
	const n = 500
	for o := int64(0); o < n; o++ {
		require.NoError(t, w.track(o, 0))
	}
	// A fixed permutation: multiplication by a unit modulo a prime > n.
	acked := make([]bool, n)
	prev := int64(-1)
	for i := int64(0); i < 503; i++ {
		o := (i * 211) % 503
		if o >= n {
			continue
		}
		w.ack(o)
		acked[o] = true
		next, _, ok := w.committable()
		if !ok {
			continue
		}
		assert.GreaterOrEqual(t, next, prev)
		prev = next
		for j := int64(0); j < next; j++ {
			require.True(t, acked[j], "committable %d passes unacked offset %d", next, j)
		}
	}
	next, _, _ := w.committable()
	assert.Equal(t, int64(n), next)
}
