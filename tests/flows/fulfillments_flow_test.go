package flows

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/datawald/datawald/internal/synctask"
)

var fulfillments = synctask.EntityFilter{Source: "netsuite", Target: "magento", TxType: "fulfillment"}

// shippedOrder is an order a warehouse shipped in NetSuite.
type shippedOrder struct {
	placedOrder
	fulfillmentID string
	tracking      []string
}

// shipSome exports the storefront's orders to NetSuite with the shipped
// orders flow, then ships n of them in NetSuite, the first in two packages.
func (e *flowEnv) shipSome(ctx context.Context, st *synctask.Shared, n int) []shippedOrder {
	nc := e.netsuiteClient()
	var out []shippedOrder
	for i, po := range e.placeOrders(ctx, st, n, unshipped) {
		tracking := []string{"1ZDW" + po.increment}
		if i == 0 {
			tracking = append(tracking, "1ZDW"+po.increment+"-2")
		}
		out = append(out, shippedOrder{placedOrder: po, tracking: tracking, fulfillmentID: e.shipInNetSuite(ctx, nc, po.so, tracking...)})
	}
	return out
}

func fulfillmentIDs(orders []shippedOrder) []string {
	var ids []string
	for _, o := range orders {
		ids = append(ids, o.fulfillmentID)
	}
	return ids
}

// assertShippedOnce checks that each order has exactly one Magento
// shipment, of all its lines, with the NetSuite tracking numbers, and that
// its fulfillment is recorded S with the shipment as tgt_id.
func (e *flowEnv) assertShippedOnce(ctx context.Context, st *synctask.Shared, orders []shippedOrder) {
	t := e.t
	mc := e.magentoClient()
	got, _ := e.settledEntities(ctx, st, fulfillments, fulfillmentIDs(orders))
	for _, o := range orders {
		sh, err := mc.ShipmentsOfOrder(ctx, o.magentoID)
		require.NoError(t, err)
		require.Len(t, sh, 1, "order %s has one shipment", o.increment)
		var numbers []string
		for _, tr := range sh[0].Tracks {
			numbers = append(numbers, tr.TrackNumber)
		}
		assert.ElementsMatch(t, o.tracking, numbers, "order %s tracking numbers", o.increment)
		var qty float64
		for _, it := range sh[0].Items {
			qty += it.Qty
		}
		var ordered float64
		for _, l := range o.so.Item.Items {
			q, err := l.Quantity.Float64()
			require.NoError(t, err)
			ordered += q
		}
		assert.Equal(t, ordered, qty, "order %s is shipped in full", o.increment)
		en := got[o.fulfillmentID]
		assert.Equal(t, synctask.StatusSent, en.Status, "fulfillment %s of order %s: %s", o.fulfillmentID, o.increment, en.Note)
	}
}

// The fulfillment flow, as shipped, against the sandbox: orders exported
// by the orders flow and then shipped in NetSuite (an item fulfillment
// transformed from the sales order, with package tracking numbers) get
// exactly one Magento shipment each, with those tracking numbers, and the
// fulfillment is recorded S; a second full read finds them unchanged (I)
// and ships nothing again.
func TestDirectNetSuiteFulfillmentsFlow_ShipsEachFulfilledOrderOnceWithItsTrackingNumbersAndNothingOnAReread(t *testing.T) {
	e := newFlowEnv(t)
	ctx := t.Context()
	st, err := synctask.Acquire(ctx, e.store)
	require.NoError(t, err)
	defer func() { _ = st.Release(context.Background()) }()

	orders := e.shipSome(ctx, st, 2)
	ids := fulfillmentIDs(orders)
	e.runConfigs(func() bool {
		_, ok := e.settledEntities(ctx, st, fulfillments, ids)
		return ok
	}, "configs/direct/netsuite_fulfillments_to_magento.yaml")
	assert.Empty(t, e.deadLettersOf(ids))
	e.assertShippedOnce(ctx, st, orders)
	ships := e.mg.Stats().EndpointTotal(shipOrder)

	t.Setenv("DATAWALD_CHECKPOINT_DIR", t.TempDir())
	e.runConfigs(func() bool {
		got, ok := e.settledEntities(ctx, st, fulfillments, ids)
		if !ok {
			return false
		}
		for _, id := range ids {
			if got[id].Status != synctask.StatusIgnored {
				return false
			}
		}
		return true
	}, "configs/direct/netsuite_fulfillments_to_magento.yaml")
	assert.EqualValues(t, ships, e.mg.Stats().EndpointTotal(shipOrder), "nothing is shipped again")
	e.assertShippedOnceAfterReread(ctx, st, orders)
}

// assertShippedOnceAfterReread checks that the orders still have one
// shipment each and their fulfillments are I (unchanged).
func (e *flowEnv) assertShippedOnceAfterReread(ctx context.Context, st *synctask.Shared, orders []shippedOrder) {
	mc := e.magentoClient()
	got, _ := e.settledEntities(ctx, st, fulfillments, fulfillmentIDs(orders))
	for _, o := range orders {
		sh, err := mc.ShipmentsOfOrder(ctx, o.magentoID)
		require.NoError(e.t, err)
		assert.Len(e.t, sh, 1, "order %s still has one shipment", o.increment)
		assert.Equal(e.t, synctask.StatusIgnored, got[o.fulfillmentID].Status, "fulfillment %s is unchanged", o.fulfillmentID)
	}
	assert.Empty(e.t, e.deadLettersOf(fulfillmentIDs(orders)))
}

// The Kafka variant of the fulfillment flow, both halves as shipped: the
// fulfillments reach Magento through the backbone, one shipment per order
// with its tracking numbers, their outcomes recorded by the target half;
// a re-read of the source sends nothing through the backbone.
func TestKafkaNetSuiteFulfillmentsFlow_ShipsEachFulfilledOrderOnceThroughTheBackbone(t *testing.T) {
	e := newFlowEnv(t)
	ctx := t.Context()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "datawald.netsuite_fulfillments_to_magento"))
	require.NoError(t, err)
	t.Cleanup(cluster.Close)
	t.Setenv("KAFKA_BROKERS", strings.Join(cluster.ListenAddrs(), ","))
	st, err := synctask.Acquire(ctx, e.store)
	require.NoError(t, err)
	defer func() { _ = st.Release(context.Background()) }()

	orders := e.shipSome(ctx, st, 2)
	ids := fulfillmentIDs(orders)
	halves := []string{"configs/kafka/netsuite_fulfillments_to_magento.source.yaml", "configs/kafka/netsuite_fulfillments_to_magento.target.yaml"}
	e.runConfigs(func() bool {
		got, ok := e.settledEntities(ctx, st, fulfillments, ids)
		if !ok {
			return false
		}
		for _, id := range ids {
			if got[id].Status != synctask.StatusSent {
				return false
			}
		}
		return true
	}, halves...)
	assert.Empty(t, e.deadLettersOf(ids))
	e.assertShippedOnce(ctx, st, orders)
	ships := e.mg.Stats().EndpointTotal(shipOrder)

	t.Setenv("DATAWALD_CHECKPOINT_DIR", t.TempDir())
	e.runConfigs(func() bool {
		got, _ := e.settledEntities(ctx, st, fulfillments, ids)
		for _, id := range ids {
			if got[id].Status != synctask.StatusIgnored {
				return false
			}
		}
		return true
	}, halves...)
	assert.EqualValues(t, ships, e.mg.Stats().EndpointTotal(shipOrder), "nothing is shipped again")
	e.assertShippedOnceAfterReread(ctx, st, orders)
}
