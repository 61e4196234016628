package netsuite

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNonceCacheForgetsNoncesOnceTheirTimestampLeavesTheWindow(t *testing.T) {
	var c nonceCache
	assert.True(t, c.add("k|t|n1", 1000, 700))
	assert.False(t, c.add("k|t|n1", 1001, 701), "replay inside the window")
	assert.True(t, c.add("k|t|n2", 1200, 900))
	assert.True(t, c.add("k|t|n3", 1300, 1001))
	assert.Len(t, c.seen, 2, "n1 (timestamp 1000) was dropped when the window passed 1000")
}
