package checkpoint

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCursor_JSONRoundTripIsUTCAndVersioned(t *testing.T) {
	c := Cursor{Time: time.Date(2026, 3, 4, 5, 6, 7, 8, time.FixedZone("CET", 3600)), ID: "42", PageToken: "p2"}
	raw, err := json.Marshal(c)
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"version":1`)
	assert.Contains(t, string(raw), `"time":"2026-03-04T04:06:07.000000008Z"`)
	var back Cursor
	require.NoError(t, json.Unmarshal(raw, &back))
	assert.Equal(t, 0, back.Compare(c))
	assert.Equal(t, time.UTC, back.Time.Location())
	assert.Equal(t, "p2", back.PageToken)
}

func TestCursor_UnknownVersionOrCorruptValueIsAnError(t *testing.T) {
	var c Cursor
	assert.ErrorIs(t, json.Unmarshal([]byte(`{"version":7,"time":"2026-01-01T00:00:00Z"}`), &c), ErrUnknownVersion)
	assert.ErrorIs(t, json.Unmarshal([]byte(`{"time":"2026-01-01T00:00:00Z"}`), &c), ErrCorrupt)
	assert.ErrorIs(t, json.Unmarshal([]byte(`{"version":1,"time":"yesterday"}`), &c), ErrCorrupt)
	assert.ErrorIs(t, json.Unmarshal([]byte(`[1,2]`), &c), ErrCorrupt)
}

func TestStore_LoadReportsCorruptValueWithCacheAndKey(t *testing.T) {
	res := service.MockResources(service.MockResourcesOptAddCache("ckpt"))
	require.NoError(t, res.AccessCache(t.Context(), "ckpt", func(c service.Cache) {
		require.NoError(t, c.Set(t.Context(), "orders", []byte("not json"), nil))
	}))
	_, _, err := NewStore(res, "ckpt", "orders").Load(t.Context())
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrCorrupt)
	assert.Contains(t, err.Error(), `"orders"`)
	assert.Contains(t, err.Error(), `"ckpt"`)
}

func TestStore_MissingKeyIsZeroCursorAndSaveLoadRoundTrips(t *testing.T) {
	res := service.MockResources(service.MockResourcesOptAddCache("ckpt"))
	s := NewStore(res, "ckpt", "orders")
	c, found, err := s.Load(t.Context())
	require.NoError(t, err)
	assert.False(t, found)
	assert.True(t, c.IsZero())

	want := pos(7)
	require.NoError(t, s.Save(t.Context(), want))
	got, found, err := s.Load(t.Context())
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, 0, want.Compare(got))
}

func TestStore_MissingCacheResourceIsAnError(t *testing.T) {
	_, _, err := NewStore(service.MockResources(), "nope", "k").Load(t.Context())
	assert.ErrorContains(t, err, `"nope"`)
}
