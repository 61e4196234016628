package flows

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/magento"
	"github.com/datawald/datawald/internal/netsuite"
	"github.com/datawald/datawald/internal/synctask"
)

// Endpoints of the Magento simulator the fulfillment and invoice flows write to.
const (
	shipOrder    = "POST /rest/{store}/V1/order/{orderId}/ship"
	invoiceOrder = "POST /rest/{store}/V1/order/{orderId}/invoice"
	orderComment = "POST /rest/{store}/V1/orders/{id}/comments"
)

// placedOrder is a Magento order that datawald's orders flow exported to
// NetSuite, as the NetSuite sales order holds it.
type placedOrder struct {
	magentoID int64  // the Magento entity id, also the sync-task src_id
	increment string // the Magento increment id (the sales order's otherRefNum)
	so        salesOrder
}

// salesOrder holds the fields of a NetSuite sales order that a transform
// into an item fulfillment or invoice copies.
type salesOrder struct {
	ID           string          `json:"id"`
	OtherRefNum  string          `json:"otherRefNum"`
	Entity       json.RawMessage `json:"entity"`
	Currency     json.RawMessage `json:"currency"`
	ShipMethod   json.RawMessage `json:"shipMethod"`
	SourceSystem string          `json:"custbody_dw_source_system"`
	SourceID     string          `json:"custbody_dw_source_id"`
	Item         struct {
		Items []salesOrderLine `json:"items"`
	} `json:"item"`
}

type salesOrderLine struct {
	Line         json.Number     `json:"line"`
	Item         json.RawMessage `json:"item"`
	Quantity     json.Number     `json:"quantity"`
	Rate         json.Number     `json:"rate"`
	Amount       json.Number     `json:"amount"`
	SourceLineID string          `json:"custcol_dw_source_line_id"`
}

// placeOrders runs the shipped Magento orders → NetSuite flow until every
// order is settled, then returns n of the exported orders for which open
// holds in Magento (nothing shipped, or nothing invoiced, yet), with their
// NetSuite sales orders.
func (e *flowEnv) placeOrders(ctx context.Context, st *synctask.Shared, n int, open func(magento.Order) bool) []placedOrder {
	t := e.t
	total := len(e.cat.Orders)
	e.runConfigs(func() bool {
		o := e.orders(ctx, st)
		return len(o[synctask.StatusSent]) > 0 && len(o[synctask.StatusSent])+len(o[synctask.StatusIgnored]) == total
	}, "configs/direct/magento_orders_to_netsuite.yaml")

	mc, nc := e.magentoClient(), e.netsuiteClient()
	var out []placedOrder
	for _, en := range e.orders(ctx, st)[synctask.StatusSent] {
		id, err := strconv.ParseInt(en.SrcID, 10, 64)
		require.NoError(t, err)
		mo, err := mc.GetOrder(ctx, id)
		require.NoError(t, err)
		if !open(mo) {
			continue
		}
		raw, err := nc.GetRecord(ctx, "salesOrder", "eid:magento-order-"+en.SrcID, true)
		require.NoError(t, err, "sales order of Magento order %s", en.SrcID)
		var so salesOrder
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		require.NoError(t, dec.Decode(&so))
		require.Equal(t, "magento", so.SourceSystem, "order %s", en.SrcID)
		require.Equal(t, en.SrcID, so.SourceID, "order %s", en.SrcID)
		require.Equal(t, mo.IncrementID, so.OtherRefNum, "order %s", en.SrcID)
		out = append(out, placedOrder{magentoID: id, increment: mo.IncrementID, so: so})
		if len(out) == n {
			break
		}
	}
	require.Equal(t, n, len(out), "the seed has %d exported orders Magento can still take the document for", n)
	return out
}

// unshipped reports whether Magento can ship all of o: it is open and
// nothing of it is shipped, canceled or refunded yet.
func unshipped(o magento.Order) bool {
	return openWith(o, func(it magento.OrderItem) bool { return it.IsVirtual == 0 && it.ToShip() == it.QtyOrdered })
}

// uninvoiced reports whether Magento can invoice all of o: it is open and
// nothing of it is invoiced or canceled yet.
func uninvoiced(o magento.Order) bool {
	return openWith(o, func(it magento.OrderItem) bool { return it.ToInvoice() == it.QtyOrdered })
}

func openWith(o magento.Order, whole func(magento.OrderItem) bool) bool {
	if o.State != "new" && o.State != "processing" {
		return false
	}
	for _, it := range o.Items {
		if it.ParentItemID == 0 && !whole(it) {
			return false
		}
	}
	return len(o.Items) > 0
}

// transformBody is what NetSuite copies from a sales order onto a record
// transformed from it (an item fulfillment or an invoice): createdFrom, the
// customer, the datawald custom body fields, and each line's item,
// quantity, order line and custcol_dw_source_line_id.
func (so salesOrder) transformBody(line func(l salesOrderLine) map[string]any) map[string]any {
	var lines []map[string]any
	for _, l := range so.Item.Items {
		m := map[string]any{
			"orderLine": l.Line, "item": l.Item, "quantity": l.Quantity,
			"custcol_dw_source_line_id": l.SourceLineID,
		}
		for k, v := range line(l) {
			m[k] = v
		}
		lines = append(lines, m)
	}
	return map[string]any{
		"createdFrom":               map[string]any{"id": so.ID},
		"entity":                    so.Entity,
		"custbody_dw_source_system": so.SourceSystem,
		"custbody_dw_source_id":     so.SourceID,
		"item":                      map[string]any{"items": lines},
	}
}

// shipInNetSuite does what a warehouse does in NetSuite: it fulfills the
// whole sales order from location 1 (BER), shipped, in one package per
// tracking number, and returns the item fulfillment's internal id.
func (e *flowEnv) shipInNetSuite(ctx context.Context, nc *netsuite.Client, so salesOrder, tracking ...string) string {
	body := so.transformBody(func(salesOrderLine) map[string]any {
		return map[string]any{"itemReceive": true, "location": map[string]any{"id": "1"}}
	})
	body["shipStatus"] = map[string]any{"id": "C"}
	if len(so.ShipMethod) > 0 {
		body["shipMethod"] = so.ShipMethod
	}
	var packages []map[string]any
	for _, n := range tracking {
		packages = append(packages, map[string]any{"packageTrackingNumber": n, "packageWeight": 1.5})
	}
	body["package"] = map[string]any{"items": packages}
	return e.createInNetSuite(ctx, nc, "itemFulfillment", body)
}

// billInNetSuite invoices the whole sales order in NetSuite, as "Bill"
// on the order does, and returns the invoice's internal id. NetSuite sets a
// new invoice's status (Open) itself; the simulator stores what it is sent,
// so the body carries it.
func (e *flowEnv) billInNetSuite(ctx context.Context, nc *netsuite.Client, so salesOrder) string {
	body := so.transformBody(func(l salesOrderLine) map[string]any {
		return map[string]any{"rate": l.Rate, "amount": l.Amount}
	})
	body["otherRefNum"] = so.OtherRefNum
	body["currency"] = so.Currency
	body["status"] = map[string]any{"id": "A"}
	return e.createInNetSuite(ctx, nc, "invoice", body)
}

// createInNetSuite creates a record in NetSuite. The NetSuite input reads
// up to NetSuite's clock minus its lag (5s), so a record created now is
// read by a later poll cycle: the flows run with a 1s poll interval from
// here on.
func (e *flowEnv) createInNetSuite(ctx context.Context, nc *netsuite.Client, recordType string, body map[string]any) string {
	raw, err := json.Marshal(body)
	require.NoError(e.t, err)
	res, err := nc.Create(ctx, recordType, raw, netsuite.WriteOptions{})
	require.NoError(e.t, err, "creating %s %s", recordType, raw)
	require.NotEmpty(e.t, res.ID)
	e.t.Setenv("NETSUITE_POLL_INTERVAL", "1s")
	return res.ID
}

// settledEntities reports whether every entity of f with one of srcIDs is
// staged and has an outcome (not N or ?), and returns them by src_id.
func (e *flowEnv) settledEntities(ctx context.Context, st *synctask.Shared, f synctask.EntityFilter, srcIDs []string) (map[string]synctask.Entity, bool) {
	out := map[string]synctask.Entity{}
	for _, ens := range e.entities(ctx, st, f) {
		for _, en := range ens {
			out[en.SrcID] = en
		}
	}
	for _, id := range srcIDs {
		en, ok := out[id]
		if !ok || en.Status == synctask.StatusNew || en.Status == synctask.StatusUnknown {
			return out, false
		}
	}
	return out, true
}

// deadLettersOf describes the dead letters of the entities with src_id in
// ids.
func (e *flowEnv) deadLettersOf(ids []string) []string {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var out []string
	for _, d := range e.deadLetters() {
		if id := fmt.Sprint(d["src_id"]); want[id] {
			out = append(out, fmt.Sprintf("%s %s: %v", d["tx_type"], id, d["error"]))
		}
	}
	return out
}
