package flows

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/datawald/datawald/internal/synctask"
)

// The one-stream orders flow, as shipped, against the sandbox: every
// Magento order is either upserted into NetSuite once, with its customer,
// lines and Magento total, or recorded I with the reason when the mapping
// skips it by a business rule (closed and canceled orders are not
// exported); nothing is dead-lettered; a second full read sends nothing.
func TestDirectMagentoOrdersFlow_UpsertsEachOrderOnceWithItsCustomerAndSendsNothingOnARereadOfUnchangedOrders(t *testing.T) {
	e := newFlowEnv(t)
	ctx := t.Context()
	st, err := synctask.Acquire(ctx, e.store)
	require.NoError(t, err)
	defer func() { _ = st.Release(context.Background()) }()

	total := len(e.cat.Orders)
	settled := func() bool {
		o := e.orders(ctx, st)
		return len(o[synctask.StatusSent]) > 0 && len(o[synctask.StatusSent])+len(o[synctask.StatusIgnored]) == total
	}
	e.runConfigs(settled, "configs/direct/magento_orders_to_netsuite.yaml")

	byStatus := e.orders(ctx, st)
	sent := byStatus[synctask.StatusSent]
	require.NotEmpty(t, sent)
	assert.Empty(t, byStatus[synctask.StatusFailed], "no order is refused by NetSuite")
	assert.Empty(t, e.deadLetters(), "no order is quarantined")
	skipped := byStatus[synctask.StatusIgnored]
	require.NotEmpty(t, skipped, "the seed has canceled and closed orders")
	for _, en := range skipped {
		assert.Regexp(t, `is (canceled|closed): canceled and closed orders are not exported`, en.Note, "order %s", en.SrcID)
	}
	puts := e.ns.Stats().EndpointTotal(putRecord)
	assert.EqualValues(t, 2*len(sent), puts, "one customer and one sales order upsert per order")

	c := e.netsuiteClient()
	for _, en := range sent {
		var staged struct {
			Number   string `json:"number"`
			Customer struct {
				Email       string            `json:"email"`
				ExternalIDs map[string]string `json:"external_ids"`
				Guest       bool              `json:"guest"`
			} `json:"customer"`
			Lines  []json.RawMessage `json:"lines"`
			Totals struct {
				Grand string `json:"grand"`
			} `json:"totals"`
		}
		full, err := st.GetEntity(ctx, en.Key) // listings leave the payload out
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(full.Data, &staged))
		raw, err := c.GetRecord(ctx, "salesOrder", "eid:magento-order-"+en.SrcID, true)
		require.NoError(t, err, "order %s", en.SrcID)
		var so struct {
			ID                    string              `json:"id"`
			OtherRefNum           string              `json:"otherRefNum"`
			Entity                struct{ ID string } `json:"entity"`
			CustbodyDwSourceTotal json.Number         `json:"custbody_dw_source_total"`
			Item                  struct {
				Items []json.RawMessage `json:"items"`
			} `json:"item"`
		}
		require.NoError(t, json.Unmarshal(raw, &so))
		assert.Equal(t, en.TgtID, so.ID, "tgt_id is NetSuite's internal id")
		assert.Equal(t, staged.Number, so.OtherRefNum)
		assert.Len(t, so.Item.Items, len(staged.Lines), "order %s lines", en.SrcID)
		assert.Equal(t, staged.Totals.Grand, decimalString(so.CustbodyDwSourceTotal), "order %s total", en.SrcID)

		customerEID := "magento-customer-" + staged.Customer.ExternalIDs["magento"]
		if staged.Customer.Guest || staged.Customer.ExternalIDs["magento"] == "" {
			customerEID = "magento-guest-" + staged.Customer.Email
		}
		cust, err := c.GetRecord(ctx, "customer", "eid:"+customerEID, false)
		require.NoError(t, err, "customer of order %s", en.SrcID)
		var cu struct{ ID string }
		require.NoError(t, json.Unmarshal(cust, &cu))
		assert.Equal(t, cu.ID, so.Entity.ID, "order %s references its customer", en.SrcID)
	}

	// A second full read (a new checkpoint) finds every order unchanged:
	// staged I, nothing sent.
	t.Setenv("DATAWALD_CHECKPOINT_DIR", t.TempDir())
	e.runConfigs(func() bool {
		return len(e.orders(ctx, st)[synctask.StatusIgnored]) == total
	}, "configs/direct/magento_orders_to_netsuite.yaml")
	assert.EqualValues(t, puts, e.ns.Stats().EndpointTotal(putRecord), "nothing is sent again")
	assert.Empty(t, e.deadLetters(), "nothing is quarantined on the re-read either")
}

// decimalString renders a JSON number as the canonical model writes
// decimals: no exponent, no trailing zeros.
func decimalString(n json.Number) string {
	s := n.String()
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// The Kafka variant of the orders flow, both halves as shipped, through an
// in-process Kafka (kfake): every order the direct flow would send reaches
// NetSuite through the backbone, keyed order:<id> with the envelope in
// headers, and its outcome is recorded by the target half.
func TestKafkaMagentoOrdersFlow_DeliversEveryOrderThroughTheBackboneAndRecordsItsOutcome(t *testing.T) {
	e := newFlowEnv(t)
	ctx := t.Context()
	const topic = "datawald.magento_orders_to_netsuite"
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, topic))
	require.NoError(t, err)
	t.Cleanup(cluster.Close)
	t.Setenv("KAFKA_BROKERS", strings.Join(cluster.ListenAddrs(), ","))

	st, err := synctask.Acquire(ctx, e.store)
	require.NoError(t, err)
	defer func() { _ = st.Release(context.Background()) }()

	total := len(e.cat.Orders)
	e.runConfigs(func() bool {
		o := e.orders(ctx, st)
		return len(o[synctask.StatusSent]) > 0 && len(o[synctask.StatusSent])+len(o[synctask.StatusIgnored]) == total
	}, "configs/kafka/magento_orders_to_netsuite.source.yaml", "configs/kafka/magento_orders_to_netsuite.target.yaml")

	sent := e.orders(ctx, st)[synctask.StatusSent]
	assert.EqualValues(t, 2*len(sent), e.ns.Stats().EndpointTotal(putRecord), "one customer and one sales order upsert per order")

	// The backbone holds one record per sent order, keyed {tx_type}:{src_id},
	// with the envelope as headers.
	cl, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.ConsumeTopics(topic))
	require.NoError(t, err)
	defer cl.Close()
	keys := map[string]map[string]string{}
	for len(keys) < len(sent) {
		fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		fs := cl.PollFetches(fctx)
		cancel()
		require.NoError(t, fs.Err0())
		fs.EachRecord(func(r *kgo.Record) {
			h := map[string]string{}
			for _, hd := range r.Headers {
				h[hd.Key] = string(hd.Value)
			}
			keys[string(r.Key)] = h
		})
	}
	for _, en := range sent {
		h, ok := keys["order:"+en.SrcID]
		require.True(t, ok, "record of order %s", en.SrcID)
		assert.Equal(t, map[string]string{
			"dw_source": "magento", "dw_target": "netsuite", "dw_tx_type": "order", "dw_src_id": en.SrcID,
			"dw_updated_at": en.UpdatedAt.Format(time.RFC3339), "dw_task_id": h["dw_task_id"], "dw_hash": en.Hash,
		}, h)
		assert.NotEmpty(t, h["dw_task_id"])
	}
}
