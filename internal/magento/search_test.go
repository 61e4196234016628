package magento

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParsePageSlicesItemsAndReadsTotalCount(t *testing.T) {
	p, err := parsePage([]byte(`{"items":[{"entity_id":1,"a":{"b":[1,2]}},{"entity_id":2}],"search_criteria":{"filter_groups":[]},"total_count":7}`))
	require.NoError(t, err)
	assert.Equal(t, 7, p.TotalCount)
	require.Len(t, p.Items, 2)
	assert.JSONEq(t, `{"entity_id":1,"a":{"b":[1,2]}}`, string(p.Items[0]))

	p, err = parsePage([]byte(`{"search_criteria":{},"total_count":0}`))
	require.NoError(t, err, "Magento omits items on an empty page")
	assert.Empty(t, p.Items)

	_, err = parsePage([]byte(`{"items":[1,2],"total_count":2}`))
	assert.ErrorContains(t, err, "item 0 is not an object")
	_, err = parsePage([]byte(`<html>`))
	assert.ErrorContains(t, err, "total_count")
}

func TestFieldStringReadsStringsAndNumbersAndNamesMissingFields(t *testing.T) {
	raw := []byte(`{"entity_id":42,"increment_id":"000000042","sku":"A\u002fB","updated_at":null}`)
	v, err := fieldString(raw, "entity_id")
	require.NoError(t, err)
	assert.Equal(t, "42", v)
	v, err = fieldString(raw, "sku")
	require.NoError(t, err)
	assert.Equal(t, "A/B", v, "escapes are decoded")
	_, err = fieldString(raw, "updated_at")
	assert.ErrorContains(t, err, "field updated_at is missing")
}
