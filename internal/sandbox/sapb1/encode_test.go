package sapb1

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOrderedObjectsEncodeAsValidJSONInFieldOrder(t *testing.T) {
	tricky := []string{"plain", "Café Crème – 東京都", "quote \" backslash \\ slash /", "line\nbreak\r\ttab\x01", "bad \xff utf8", ""}
	for _, s := range tricky {
		obj := orderedObject{{"b", s}, {"a", 1.5}, {"n", nil}, {"i", 42}, {"big", 1e22}, {"tiny", 1e-9}, {"zero", 0.0},
			{"list", []orderedObject{{{"x", s}}}}}
		b, err := obj.MarshalJSON()
		require.NoError(t, err)
		var back map[string]any
		require.NoError(t, json.Unmarshal(b, &back), "%s", b)
		want := s
		if s == "bad \xff utf8" {
			want = "bad \ufffd utf8"
		}
		assert.Equal(t, want, back["b"])
		assert.Equal(t, 1.5, back["a"])
		assert.Nil(t, back["n"])
		assert.EqualValues(t, 42, back["i"])
		assert.Equal(t, 1e22, back["big"])
		assert.Equal(t, 1e-9, back["tiny"])
		assert.Equal(t, want, back["list"].([]any)[0].(map[string]any)["x"])
		assert.Equal(t, byte('b'), b[2], "fields keep their order: %s", b)
	}
}
