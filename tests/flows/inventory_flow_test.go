package flows

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/magento"
	"github.com/datawald/datawald/internal/synctask"
)

// The one-stream inventory flow, as shipped, against the sandbox: with
// Magento's stock wiped first, every NetSuite item/location quantity ends
// as the Magento source item of that SKU and source, in stock when
// positive; each level is recorded S, or I when it was already right
// (zero stock).
func TestDirectNetSuiteInventoryFlow_LeavesMagentoHoldingTheStockNetSuiteHas(t *testing.T) {
	e := newFlowEnv(t)
	ctx := t.Context()
	mc := e.magentoClient()
	skus := make([]string, len(e.cat.Products))
	for i, p := range e.cat.Products {
		skus[i] = p.SKU
	}
	before, err := mc.SourceItemsBySKU(ctx, skus)
	require.NoError(t, err)
	require.NotEmpty(t, before)
	var wipe []magento.SourceItem
	for _, si := range before {
		si.Quantity, si.Status = 0, 0
		wipe = append(wipe, si)
	}
	for len(wipe) > 0 { // Magento's input limit: 20 per call
		n := min(20, len(wipe))
		require.NoError(t, mc.SaveSourceItems(ctx, wipe[:n]))
		wipe = wipe[n:]
	}

	st, err := synctask.Acquire(ctx, e.store)
	require.NoError(t, err)
	defer func() { _ = st.Release(ctx) }()
	levels := len(e.cat.Products) * len(e.cat.Locations)
	f := synctask.EntityFilter{Source: "netsuite", Target: "magento", TxType: "inventory"}
	e.runConfigs(func() bool {
		m := e.entities(ctx, st, f)
		return len(m[synctask.StatusSent])+len(m[synctask.StatusIgnored]) == levels
	}, "configs/direct/netsuite_inventory_to_magento.yaml")
	assert.Empty(t, e.deadLetters())

	after, err := mc.SourceItemsBySKU(ctx, skus)
	require.NoError(t, err)
	byStatus := e.entities(ctx, st, f)
	require.NotEmpty(t, byStatus[synctask.StatusSent])
	for _, en := range append(byStatus[synctask.StatusSent], byStatus[synctask.StatusIgnored]...) {
		full, err := st.GetEntity(ctx, en.Key)
		require.NoError(t, err)
		var level struct {
			SKU      string `json:"sku"`
			Location string `json:"location"`
			Quantity string `json:"quantity"`
		}
		require.NoError(t, json.Unmarshal(full.Data, &level))
		want, err := strconv.ParseFloat(level.Quantity, 64)
		require.NoError(t, err)
		want = max(want, 0)
		si, ok := after[level.SKU+"/"+level.Location]
		require.True(t, ok, "Magento has %s at %s", level.SKU, level.Location)
		assert.Equal(t, want, si.Quantity, "%s at %s", level.SKU, level.Location)
		assert.Equal(t, want > 0, si.Status == 1, "%s at %s in stock", level.SKU, level.Location)
		if en.Status == synctask.StatusSent {
			assert.Equal(t, level.SKU+"/"+level.Location, en.TgtID, "tgt_id names the source item")
		} else {
			assert.Zero(t, want, "only an empty level is unchanged after the wipe: %s at %s", level.SKU, level.Location)
		}
	}
}
