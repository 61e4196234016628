package outputs

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox"
	sbmagento "github.com/datawald/datawald/internal/sandbox/magento"
	"github.com/datawald/datawald/internal/sandbox/seed"
	"github.com/datawald/datawald/internal/synctask"
)

func TestMagentoOutputNamesTheOrderByEntityIDIncrementIDOrBothConsistently(t *testing.T) {
	h := startMagentoOutput(t, seed.Counts{}, sandbox.Options{}, sbmagento.Options{})
	orders := h.openOrders(t, 2)
	ord, other := orders[0], orders[1]
	entity := strconv.FormatInt(ord.EntityID, 10)
	comment := func(text string) [][]byte {
		return [][]byte{fmt.Appendf(nil, `{"statusHistory":{"comment":%q,"status":%q,"is_customer_notified":0,"is_visible_on_front":0}}`, text, ord.Status)}
	}
	out := h.output(moOrders, nil)
	write := func(step string, body [][]byte, meta map[string]string) synctask.Entity {
		t.Helper()
		m := map[string][]string{}
		for k, v := range meta {
			m[k] = []string{v}
		}
		writeAll(t, out, h.stage("order", []string{step}, body, m))
		return h.outcomes("order", []string{step})[step]
	}
	searches := func() int64 { return h.sb.Server.Stats().Count("GET /rest/{store}/V1/orders", 200) }

	before := searches()
	e := write("by-entity-id", comment("Packed by the ERP"), map[string]string{"magento_order_id": entity})
	assert.Equal(t, synctask.StatusSent, e.Status, e.Note)
	assert.Equal(t, entity, e.TgtID)
	assert.Equal(t, before, searches(), "an entity id reads the order directly, without a search")

	e = write("by-increment-id", comment("Packed by the ERP"), map[string]string{"magento_order_increment_id": ord.IncrementID})
	assert.Equal(t, synctask.StatusIgnored, e.Status, "the same order, found by increment id, already has the comment")
	assert.Equal(t, entity, e.TgtID)
	assert.Equal(t, before+1, searches(), "an increment id alone costs one search")

	e = write("by-both", comment("Handed to the carrier"), map[string]string{"magento_order_id": entity, "magento_order_increment_id": ord.IncrementID})
	assert.Equal(t, synctask.StatusSent, e.Status, e.Note)
	assert.Equal(t, entity, e.TgtID)

	mismatch := write("mismatch", comment("Must not be written"), map[string]string{"magento_order_id": strconv.FormatInt(other.EntityID, 10), "magento_order_increment_id": ord.IncrementID})
	assert.Equal(t, synctask.StatusFailed, mismatch.Status)
	assert.Equal(t, "ORDER_MISMATCH", mismatch.ErrorCode)
	assert.Equal(t, fmt.Sprintf("order_id %d is Magento order %s, not order_increment_id %s", other.EntityID, other.IncrementID, ord.IncrementID), mismatch.Note)

	missing := write("missing", comment("Nowhere"), map[string]string{"magento_order_id": "99999999"})
	assert.Equal(t, synctask.StatusFailed, missing.Status)
	assert.Equal(t, "NO_SUCH_ORDER", missing.ErrorCode)
	assert.Equal(t, "no Magento order with entity_id 99999999", missing.Note)

	notAnID := write("not-an-id", comment("Nowhere"), map[string]string{"magento_order_id": ord.IncrementID + "-A"})
	assert.Equal(t, synctask.StatusFailed, notAnID.Status)
	assert.Contains(t, notAnID.Note, `field order_id: "`+ord.IncrementID+`-A" is not a Magento order entity id`)

	neither := write("neither", comment("Nowhere"), nil)
	assert.Equal(t, synctask.StatusFailed, neither.Status)
	assert.Contains(t, neither.Note, "fields order_id and order_increment_id: both evaluated to an empty value")

	c := h.sb.Client(t, h.sb.OAuth1())
	for _, o := range orders {
		got, err := c.GetOrder(t.Context(), o.EntityID)
		require.NoError(t, err)
		for _, hist := range got.StatusHistories {
			assert.NotContains(t, []string{"Must not be written", "Nowhere"}, hist.Comment, "order %s", o.IncrementID)
		}
	}
	h.sb.Contract.AssertClean(t)
}
