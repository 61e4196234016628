package outputs

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/magento"
	"github.com/datawald/datawald/internal/sandbox"
	sbmagento "github.com/datawald/datawald/internal/sandbox/magento"
	"github.com/datawald/datawald/internal/sandbox/seed"
	"github.com/datawald/datawald/internal/synctask"
)

func TestMagentoOutputWritesProductsAndSourceItemsOnceAndASecondRunChangesNothing(t *testing.T) {
	h := startMagentoOutput(t, seed.Counts{Locations: 5}, sandbox.Options{}, sbmagento.Options{})
	require.Len(t, h.cat.Locations, 5)
	ids, bodies := productBodies(2000, func(int) int { return 1 })
	products := h.output(moProducts, nil)
	sources := h.output(moSourceItems, nil)
	siBodies := h.sourceItemBodies(ids)

	run := func() (sandbox.Stats, sandbox.Stats) {
		before := h.sb.Server.Stats()
		for _, b := range inBatches(h.stage("product", ids, bodies, nil), 100) {
			writeAll(t, products, b)
		}
		mid := h.sb.Server.Stats()
		for _, b := range inBatches(h.stage("inventory", ids, siBodies, nil), 100) {
			writeAll(t, sources, b)
		}
		return diffStats(before, mid), diffStats(mid, h.sb.Server.Stats())
	}

	p1, s1 := run()
	pOut := h.outcomes("product", ids)
	assert.Equal(t, map[synctask.Status]int{synctask.StatusSent: 2000}, statusCounts(pOut))
	assert.NotEmpty(t, pOut[ids[0]].TgtID, "S carries Magento's product id")
	assert.Equal(t, map[synctask.Status]int{synctask.StatusSent: 2000}, statusCounts(h.outcomes("inventory", ids)))
	// One sku-in search per batch of 100, one POST per product.
	assert.EqualValues(t, 20, p1.Count("GET /rest/{store}/V1/products", 200))
	assert.EqualValues(t, 2000, p1.Count("POST /rest/{store}/V1/products", 200))
	assert.EqualValues(t, 2020, p1.Total)
	// 500 source items per batch: 25 calls of 20 to write.
	assert.EqualValues(t, 20, s1.Count("GET /rest/{store}/V1/inventory/source-items", 200), "new SKUs have no source items yet: one page per batch")
	assert.EqualValues(t, 500, s1.Count("POST /rest/{store}/V1/inventory/source-items", 200))
	t.Logf("first run: products %d calls (%s), source items %d calls (%s)", p1.Total, statsLine(p1), s1.Total, statsLine(s1))

	snapshot := h.snapshot(t, ids)
	p2, s2 := run()
	assert.Equal(t, snapshot, h.snapshot(t, ids), "the second run changes nothing in Magento")
	assert.EqualValues(t, 20, p2.Total, "the second run only reads products")
	assert.EqualValues(t, 40, s2.Total, "the second run only reads source items: 500 per batch in two pages of 300")
	assert.Equal(t, map[synctask.Status]int{synctask.StatusIgnored: 2000}, statusCounts(h.outcomes("product", ids)))
	assert.Equal(t, map[synctask.Status]int{synctask.StatusIgnored: 2000}, statusCounts(h.outcomes("inventory", ids)))
	t.Logf("second run: products %d calls (%s), source items %d calls (%s)", p2.Total, statsLine(p2), s2.Total, statsLine(s2))
	h.sb.Contract.AssertClean(t)
}

func TestMagentoOutputRecordsFWithMagentosMessageForRejectedProductsAndWritesTheRest(t *testing.T) {
	h := startMagentoOutput(t, seed.Counts{}, sandbox.Options{}, sbmagento.Options{})
	ids, bodies := productBodies(30, func(i int) int {
		if i%10 == 3 {
			return 3 // not a product status: Magento answers 400
		}
		return 1
	})
	writeAll(t, h.output(moProducts, nil), h.stage("product", ids, bodies, nil))
	got := h.outcomes("product", ids)
	assert.Equal(t, map[synctask.Status]int{synctask.StatusSent: 27, synctask.StatusFailed: 3}, statusCounts(got))
	for i, id := range ids {
		if i%10 == 3 {
			assert.Equal(t, `Invalid value of "3" provided for the status field.`, got[id].Note, "F carries Magento's message with its placeholders filled")
			assert.Equal(t, "400", got[id].ErrorCode)
		}
	}
	h.sb.Contract.AssertClean(t)
}

func TestMagentoOutputInvoiceAndShipTwiceCreateOneEachAndTheSecondOutcomeIsI(t *testing.T) {
	h := startMagentoOutput(t, seed.Counts{}, sandbox.Options{}, sbmagento.Options{})
	ord := h.openOrder(t)
	inc := []string{ord.IncrementID}
	meta := map[string][]string{"magento_order_increment_id": inc}
	invoice := [][]byte{[]byte(`{"capture":true,"notify":false}`)}
	ship := [][]byte{[]byte(`{"notify":false,"tracks":[{"track_number":"1Z999AA10123456784","title":"UPS Ground","carrier_code":"ups"}]}`)}
	invOut, shipOut := h.output(moInvoices, nil), h.output(moShipments, nil)
	c := h.sb.Client(t, h.sb.OAuth1())

	for round, want := range []synctask.Status{synctask.StatusSent, synctask.StatusIgnored} {
		writeAll(t, invOut, h.stage("invoice", inc, invoice, meta))
		writeAll(t, shipOut, h.stage("fulfillment", inc, ship, meta))
		inv := h.outcomes("invoice", inc)[inc[0]]
		shp := h.outcomes("fulfillment", inc)[inc[0]]
		assert.Equal(t, want, inv.Status, "invoice outcome of delivery %d", round+1)
		assert.Equal(t, want, shp.Status, "shipment outcome of delivery %d", round+1)

		invoices, err := c.InvoicesOfOrder(t.Context(), ord.EntityID)
		require.NoError(t, err)
		shipments, err := c.ShipmentsOfOrder(t.Context(), ord.EntityID)
		require.NoError(t, err)
		require.Len(t, invoices, 1)
		require.Len(t, shipments, 1)
		assert.Equal(t, strconv.FormatInt(invoices[0].EntityID, 10), inv.TgtID)
		assert.Equal(t, strconv.FormatInt(shipments[0].EntityID, 10), shp.TgtID)
	}
	h.sb.Contract.AssertClean(t)
}

func TestMagentoOutputWithInjectedFaultsEndsEveryEntitySWithoutDuplicates(t *testing.T) {
	h := startMagentoOutput(t, seed.Counts{Orders: 3000}, sandbox.Options{FaultSeed: 42}, sbmagento.Options{})
	c := h.sb.Client(t, h.sb.OAuth1())
	orders := h.openOrders(t, 10)
	// 10% of requests answer 500/502/503 and 5% lose their connection.
	h.sb.Server.SetFaults(sandbox.Faults{ErrorRate: 0.10, DropRate: 0.05})

	ids, bodies := productBodies(300, func(int) int { return 1 })
	products := h.output(moProducts, nil)
	for _, b := range inBatches(h.stage("product", ids, bodies, nil), 50) {
		writeAll(t, products, b)
	}
	sources := h.output(moSourceItems, nil)
	for _, b := range inBatches(h.stage("inventory", ids, h.sourceItemBodies(ids), nil), 50) {
		writeAll(t, sources, b)
	}
	var incs []string
	for _, o := range orders {
		incs = append(incs, o.IncrementID)
	}
	invBodies := make([][]byte, len(incs))
	shipBodies := make([][]byte, len(incs))
	for i := range incs {
		invBodies[i] = []byte(`{"capture":true}`)
		shipBodies[i] = fmt.Appendf(nil, `{"tracks":[{"track_number":"TRK-%d","title":"DHL","carrier_code":"dhl"}]}`, i)
	}
	meta := map[string][]string{"magento_order_increment_id": incs}
	writeAll(t, h.output(moInvoices, nil), h.stage("invoice", incs, invBodies, meta))
	writeAll(t, h.output(moShipments, nil), h.stage("fulfillment", incs, shipBodies, meta))

	assert.Equal(t, map[synctask.Status]int{synctask.StatusSent: 300}, statusCounts(h.outcomes("product", ids)))
	assert.Equal(t, map[synctask.Status]int{synctask.StatusSent: 300}, statusCounts(h.outcomes("inventory", ids)))
	assert.Equal(t, map[synctask.Status]int{synctask.StatusSent: 10}, statusCounts(h.outcomes("invoice", incs)))
	assert.Equal(t, map[synctask.Status]int{synctask.StatusSent: 10}, statusCounts(h.outcomes("fulfillment", incs)))

	st := h.sb.Server.Stats()
	h.sb.Server.SetFaults(sandbox.Faults{})
	for _, o := range orders {
		inv, err := c.InvoicesOfOrder(t.Context(), o.EntityID)
		require.NoError(t, err)
		sh, err := c.ShipmentsOfOrder(t.Context(), o.EntityID)
		require.NoError(t, err)
		assert.Len(t, inv, 1, "order %s invoiced once", o.IncrementID)
		assert.Len(t, sh, 1, "order %s shipped once", o.IncrementID)
	}
	found, err := c.ProductsBySKU(t.Context(), ids)
	require.NoError(t, err)
	assert.Len(t, found, 300)
	var faulted int64
	for _, r := range st.Requests {
		if r.Status == sandbox.StatusDropped || r.Status >= 500 {
			faulted += r.Count
		}
	}
	assert.Positive(t, faulted, "faults were injected")
	t.Logf("%d of %d requests were faulted (503/502/500 or dropped)", faulted, st.Total)
	h.sb.Contract.AssertClean(t)
}

func TestMagentoOutputOrderStatusCustomersAndStockItemsAreUpsertedOnce(t *testing.T) {
	h := startMagentoOutput(t, seed.Counts{}, sandbox.Options{}, sbmagento.Options{})
	ord := h.openOrder(t)
	inc := []string{ord.IncrementID}
	meta := map[string][]string{"magento_order_increment_id": inc}
	// Magento 2.4 accepts a comment's status only among those of the order's
	// state, so the ERP's comment keeps the order's status.
	status := [][]byte{fmt.Appendf(nil, `{"statusHistory":{"comment":"Released to the warehouse by the ERP","status":%q,"is_customer_notified":0,"is_visible_on_front":0}}`, ord.Status)}
	out := h.output(moOrders, nil)
	writeAll(t, out, h.stage("order", inc, status, meta))
	assert.Equal(t, synctask.StatusSent, h.outcomes("order", inc)[inc[0]].Status, h.outcomes("order", inc)[inc[0]].Note)
	writeAll(t, out, h.stage("order", inc, status, meta))
	assert.Equal(t, synctask.StatusIgnored, h.outcomes("order", inc)[inc[0]].Status, "the same status and comment are not added twice")
	refused := [][]byte{[]byte(`{"statusHistory":{"comment":"Closed by the ERP","status":"closed","is_customer_notified":0,"is_visible_on_front":0}}`)}
	writeAll(t, out, h.stage("order", inc, refused, meta))
	e := h.outcomes("order", inc)[inc[0]]
	assert.Equal(t, synctask.StatusFailed, e.Status)
	assert.Equal(t, `Unable to add comment: The status "closed" is not part of the order status history.`, e.Note)

	emails := []string{"new.customer@example.com"}
	cust := func(last string) [][]byte {
		return [][]byte{fmt.Appendf(nil, `{"customer":{"email":"new.customer@example.com","firstname":"Ada","lastname":%q,"website_id":1,"group_id":1}}`, last)}
	}
	co := h.output(moCustomers, nil)
	var tgt string
	for k, step := range []struct {
		body []byte
		want synctask.Status
	}{{cust("Lovelace")[0], synctask.StatusSent}, {cust("Lovelace")[0], synctask.StatusIgnored}, {cust("King")[0], synctask.StatusSent}} {
		writeAll(t, co, h.stage("customer", emails, [][]byte{step.body}, nil))
		e := h.outcomes("customer", emails)[emails[0]]
		assert.Equal(t, step.want, e.Status, "customer step %d", k)
		if tgt == "" {
			tgt = e.TgtID
		}
		assert.Equal(t, tgt, e.TgtID, "one customer, updated in place")
	}

	sku := h.cat.Products[0].SKU
	stock := [][]byte{[]byte(`{"stockItem":{"qty":321,"is_in_stock":true}}`)}
	so := h.output(moStockItems, nil)
	skuMeta := map[string][]string{"magento_sku": {sku}}
	writeAll(t, so, h.stage("inventory", []string{sku}, stock, skuMeta))
	assert.Equal(t, synctask.StatusSent, h.outcomes("inventory", []string{sku})[sku].Status)
	writeAll(t, so, h.stage("inventory", []string{sku}, stock, skuMeta))
	assert.Equal(t, synctask.StatusIgnored, h.outcomes("inventory", []string{sku})[sku].Status)
	h.sb.Contract.AssertClean(t)
}

func TestMagentoOutputBulkModeFollowsOperationsToPerEntityOutcomes(t *testing.T) {
	h := startMagentoOutput(t, seed.Counts{}, sandbox.Options{}, sbmagento.Options{BulkOperationDelay: 2 * 1e6})
	ids, bodies := productBodies(40, func(i int) int {
		if i == 7 {
			return 3
		}
		return 1
	})
	out := h.output(moProducts, func(c *magentoOutputConfig) { c.bulk = true })
	writeAll(t, out, h.stage("product", ids, bodies, nil))
	got := h.outcomes("product", ids)
	assert.Equal(t, map[synctask.Status]int{synctask.StatusSent: 39, synctask.StatusFailed: 1}, statusCounts(got))
	assert.Contains(t, got[ids[7]].Note, "status")
	st := h.sb.Server.Stats()
	assert.EqualValues(t, 1, st.Count("POST /rest/{store}/async/bulk/V1/products", 202))
	assert.Zero(t, st.Count("POST /rest/{store}/V1/products", 0), "nothing is written synchronously")

	skus := ids[:39]
	skus = append(skus[:7:7], skus[8:]...) // the product refused above has no stock to set
	si := h.output(moSourceItems, func(c *magentoOutputConfig) { c.bulk = true })
	writeAll(t, si, h.stage("inventory", skus, h.sourceItemBodies(skus), nil))
	assert.Equal(t, map[synctask.Status]int{synctask.StatusSent: len(skus)}, statusCounts(h.outcomes("inventory", skus)))
	c := h.sb.Client(t, h.sb.OAuth1())
	items, err := c.SourceItemsBySKU(t.Context(), skus)
	require.NoError(t, err)
	assert.Len(t, items, len(skus)*len(h.cat.Locations), "every source item was written by the bulk consumer")
	assert.EqualValues(t, 1, h.sb.Server.Stats().Count("POST /rest/{store}/async/bulk/V1/inventory/source-items", 202))
	h.sb.Contract.AssertClean(t)
}

// openOrder returns an order with everything left to invoice and ship.
func (h *magentoOutputHarness) openOrder(t *testing.T) magento.Order {
	return h.openOrders(t, 1)[0]
}

func (h *magentoOutputHarness) openOrders(t *testing.T, n int) []magento.Order {
	t.Helper()
	c := h.sb.Client(t, h.sb.OAuth1())
	p, err := c.Search(t.Context(), "/V1/orders", magento.Criteria{}.Where("state", magento.In, "new,processing").SortBy("entity_id", magento.Desc).Page(magento.MaxPageSize, 1))
	require.NoError(t, err)
	var out []magento.Order
	for _, raw := range p.Items {
		var o magento.Order
		require.NoError(t, json.Unmarshal(raw, &o))
		open := true
		for _, it := range o.Items {
			if it.QtyInvoiced > 0 || it.QtyShipped > 0 || it.IsVirtual != 0 {
				open = false
			}
		}
		if open {
			out = append(out, o)
		}
		if len(out) == n {
			return out
		}
	}
	t.Fatalf("the seed has fewer than %d new orders with nothing invoiced or shipped", n)
	return nil
}

// snapshot reads the products and source items of skus as Magento holds them.
func (h *magentoOutputHarness) snapshot(t *testing.T, skus []string) string {
	t.Helper()
	c := h.sb.Client(t, h.sb.OAuth1())
	p, err := c.ProductsBySKU(context.Background(), skus)
	require.NoError(t, err)
	si, err := c.SourceItemsBySKU(context.Background(), skus)
	require.NoError(t, err)
	b, err := json.Marshal([]any{p, si})
	require.NoError(t, err)
	return string(b)
}

func diffStats(before, after sandbox.Stats) sandbox.Stats {
	prev := map[string]int64{}
	for _, r := range before.Requests {
		prev[r.Endpoint+"|"+strconv.Itoa(r.Status)] = r.Count
	}
	var d sandbox.Stats
	for _, r := range after.Requests {
		n := r.Count - prev[r.Endpoint+"|"+strconv.Itoa(r.Status)]
		if n > 0 {
			r.Count = n
			d.Requests = append(d.Requests, r)
			d.Total += n
		}
	}
	return d
}

func statsLine(s sandbox.Stats) string {
	out := ""
	for _, r := range s.Requests {
		if out != "" {
			out += ", "
		}
		out += fmt.Sprintf("%s %d ×%d", r.Endpoint, r.Status, r.Count)
	}
	return out
}

var _ = http.StatusOK
