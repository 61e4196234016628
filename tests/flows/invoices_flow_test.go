package flows

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/synctask"
)

var (
	invoices      = synctask.EntityFilter{Source: "netsuite", Target: "magento", TxType: "invoice"}
	orderStatuses = synctask.EntityFilter{Source: "netsuite", Target: "magento", TxType: "order_status"}
)

// The invoice flow, as shipped, against the sandbox: orders exported by
// the orders flow and then billed in NetSuite (an invoice transformed from
// the sales order) get exactly one Magento invoice each, of every line,
// which moves the order to processing, and a history comment naming the
// NetSuite invoice and its status; both entities of each invoice are
// recorded S. A second full read finds them unchanged (I) and
// writes nothing again.
func TestDirectNetSuiteInvoicesFlow_InvoicesEachBilledOrderOnceAndSetsItsStatusAndNothingOnAReread(t *testing.T) {
	e := newFlowEnv(t)
	ctx := t.Context()
	st, err := synctask.Acquire(ctx, e.store)
	require.NoError(t, err)
	defer func() { _ = st.Release(context.Background()) }()

	nc := e.netsuiteClient()
	orders := e.placeOrders(ctx, st, 2, uninvoiced)
	ids := make([]string, len(orders))
	byInvoice := map[string]placedOrder{}
	for i, o := range orders {
		ids[i] = e.billInNetSuite(ctx, nc, o.so)
		byInvoice[ids[i]] = o
	}
	settled := func(want synctask.Status) func() bool {
		return func() bool {
			for _, f := range []synctask.EntityFilter{invoices, orderStatuses} {
				got, ok := e.settledEntities(ctx, st, f, ids)
				if !ok {
					return false
				}
				for _, id := range ids {
					if want != "" && got[id].Status != want {
						return false
					}
				}
			}
			return true
		}
	}
	e.runConfigs(settled(""), "configs/direct/netsuite_invoices_to_magento.yaml")
	assert.Empty(t, e.deadLettersOf(ids))

	mc := e.magentoClient()
	invs, _ := e.settledEntities(ctx, st, invoices, ids)
	statuses, _ := e.settledEntities(ctx, st, orderStatuses, ids)
	for _, id := range ids {
		o := byInvoice[id]
		assert.Equal(t, synctask.StatusSent, invs[id].Status, "invoice %s of order %s: %s", id, o.increment, invs[id].Note)
		assert.Equal(t, synctask.StatusSent, statuses[id].Status, "order status of invoice %s, order %s: %s", id, o.increment, statuses[id].Note)
		got, err := mc.InvoicesOfOrder(ctx, o.magentoID)
		require.NoError(t, err)
		require.Len(t, got, 1, "order %s has one invoice", o.increment)
		mo, err := mc.GetOrder(ctx, o.magentoID)
		require.NoError(t, err)
		for _, it := range mo.Items {
			if it.ParentItemID == 0 {
				assert.Zero(t, it.ToInvoice(), "order %s line %s is invoiced in full", o.increment, it.SKU)
			}
		}
		assert.Equal(t, "processing", mo.Status, "order %s status", o.increment)
		require.NotEmpty(t, mo.StatusHistories, "order %s history", o.increment)
		want := "NetSuite invoice " + e.tranID(ctx, "invoice", id) + " is open"
		found := false
		for _, h := range mo.StatusHistories {
			found = found || strings.HasPrefix(h.Comment, want)
		}
		assert.True(t, found, "order %s history has %q: %+v", o.increment, want, mo.StatusHistories)
	}
	writes := e.mg.Stats().EndpointTotal(invoiceOrder) + e.mg.Stats().EndpointTotal(orderComment)

	t.Setenv("DATAWALD_CHECKPOINT_DIR", t.TempDir())
	e.runConfigs(settled(synctask.StatusIgnored), "configs/direct/netsuite_invoices_to_magento.yaml")
	assert.EqualValues(t, writes, e.mg.Stats().EndpointTotal(invoiceOrder)+e.mg.Stats().EndpointTotal(orderComment), "nothing is written again")
	for _, o := range orders {
		got, err := mc.InvoicesOfOrder(ctx, o.magentoID)
		require.NoError(t, err)
		assert.Len(t, got, 1, "order %s still has one invoice", o.increment)
	}
	assert.Empty(t, e.deadLettersOf(ids))
}

// tranID reads the document number NetSuite gave a transaction.
func (e *flowEnv) tranID(ctx context.Context, recordType, id string) string {
	raw, err := e.netsuiteClient().GetRecord(ctx, recordType, id, false)
	require.NoError(e.t, err)
	var rec struct {
		TranID string `json:"tranId"`
	}
	require.NoError(e.t, json.Unmarshal(raw, &rec))
	require.NotEmpty(e.t, rec.TranID)
	return rec.TranID
}
