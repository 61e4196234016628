package checkpoint

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func pos(i int) Cursor {
	return Cursor{Time: time.Date(2026, 1, 1, 0, 0, i/3, 0, time.UTC), ID: strconv.Itoa(i)}
}

func TestTracker_OutOfOrderAcksAdvanceOnlyToTheFirstGap(t *testing.T) {
	tr := NewTracker(Cursor{})
	acks := make([]func() (Cursor, bool), 6)
	for i := range acks {
		acks[i] = tr.Add(pos(i))
	}
	_, moved := acks[2]()
	assert.False(t, moved)
	_, moved = acks[1]()
	assert.False(t, moved, "message 0 is still unacked")
	assert.True(t, tr.Committed().IsZero())

	c, moved := acks[0]()
	assert.True(t, moved)
	assert.Equal(t, pos(2), c, "0, 1 and 2 are acked: the watermark jumps to 2")

	acks[4]()
	acks[5]()
	assert.Equal(t, pos(2), tr.Committed(), "3 is a gap")
	c, _ = acks[3]()
	assert.Equal(t, pos(5), c)
	assert.Equal(t, 0, tr.Pending())
}

func TestTracker_UnackedMessageHoldsTheWatermarkForever(t *testing.T) {
	start := pos(0)
	tr := NewTracker(start)
	_ = tr.Add(pos(1)) // nacked: never acked
	for i := 2; i < 100; i++ {
		tr.Add(pos(i))()
	}
	assert.Equal(t, start, tr.Committed())
	assert.Equal(t, 99, tr.Pending())
}

func TestTracker_DoubleAckIsHarmless(t *testing.T) {
	tr := NewTracker(Cursor{})
	a := tr.Add(pos(1))
	b := tr.Add(pos(2))
	a()
	a()
	assert.Equal(t, pos(1), tr.Committed())
	b()
	assert.Equal(t, pos(2), tr.Committed())
}

func TestCursor_CompareUsesTimeThenNumericID(t *testing.T) {
	ts := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	assert.Equal(t, -1, Cursor{Time: ts, ID: "9"}.Compare(Cursor{Time: ts, ID: "10"}))
	assert.Equal(t, 1, Cursor{Time: ts, ID: "b"}.Compare(Cursor{Time: ts, ID: "a"}))
	assert.Equal(t, -1, Cursor{Time: ts, ID: "99"}.Compare(Cursor{Time: ts.Add(time.Second), ID: "1"}))
	assert.Equal(t, 0, Cursor{Time: ts, ID: "7"}.Compare(Cursor{Time: ts.In(time.FixedZone("x", 3600)), ID: "7"}))
}
