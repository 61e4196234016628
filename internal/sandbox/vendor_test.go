package sandbox_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox"
)

func TestPickSpread_PicksEvenlyFromTheFirstCandidate(t *testing.T) {
	got, err := sandbox.PickSpread([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 3, "items")
	require.NoError(t, err)
	assert.Equal(t, []int{0, 3, 6}, got)

	all, err := sandbox.PickSpread([]string{"a", "b"}, 2, "items")
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, all)
}

func TestPickSpread_RefusesCountsOutsideTheCandidatesAsBadRequests(t *testing.T) {
	_, err := sandbox.PickSpread([]int{1, 2}, 0, "items")
	var bad *sandbox.BadRequestError
	require.ErrorAs(t, err, &bad)
	assert.Equal(t, "mutate needs ids or a count above 0", bad.Message)

	_, err = sandbox.PickSpread([]int{1, 2}, 3, "live contacts")
	require.ErrorAs(t, err, &bad)
	assert.Equal(t, "count 3 exceeds the 2 live contacts", bad.Message)
}
