package magento

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// firstOrder returns the first order with the given status.
func firstOrder(t *testing.T, s *sim, status string) map[string]any {
	t.Helper()
	res := s.list("/rest/V1/orders", criteria{groups: [][][3]string{{{"status", status, "eq"}}}, pageSize: 1})
	require.NotEmpty(t, res.Items, "the seed has %s orders", status)
	return res.Items[0]
}

func orderID(o map[string]any) string { return itoa(int(o["entity_id"].(float64))) }

func getOrder(t *testing.T, s *sim, id string) order {
	t.Helper()
	var o order
	s.mustAdmin(http.StatusOK, "GET", "/rest/V1/orders/"+id, nil, &o)
	return o
}

func TestInvoice_TwiceTheSecondIsRejected(t *testing.T) {
	s := startSim(t, nil)
	id := orderID(firstOrder(t, s, "pending"))
	var invoiceID int
	s.mustAdmin(http.StatusOK, "POST", "/rest/V1/order/"+id+"/invoice", map[string]any{"capture": true, "notify": true}, &invoiceID)
	assert.Positive(t, invoiceID)
	o := getOrder(t, s, id)
	assert.Equal(t, "processing", o.State)
	for _, it := range o.Items {
		assert.Equal(t, it.QtyOrdered, it.QtyInvoiced)
	}
	assert.InDelta(t, o.GrandTotal, o.TotalInvoiced, 0.05)

	status, body := s.admin("POST", "/rest/V1/order/"+id+"/invoice", map[string]any{"capture": true})
	require.Equal(t, http.StatusBadRequest, status)
	msg := decodeErr(t, body).Message
	assert.True(t, strings.HasPrefix(msg, "Invoice Document Validation Error(s):\n"), msg)
	assert.Contains(t, msg, "The order does not allow an invoice to be created.")

	inv := s.list("/rest/V1/invoices", criteria{groups: [][][3]string{{{"order_id", id, "eq"}}}})
	assert.Equal(t, 1, inv.TotalCount, "the refused call created nothing")
}

func TestInvoice_PartialThenTheRestThenNothingLeft(t *testing.T) {
	s := startSim(t, nil)
	o := getOrder(t, s, orderID(firstOrder(t, s, "pending")))
	it := o.Items[0]
	require.Greater(t, len(o.Items), 0)
	path := "/rest/V1/order/" + itoa(o.EntityID) + "/invoice"

	status, body := s.admin("POST", path, map[string]any{"items": []map[string]any{{"order_item_id": it.ItemID, "qty": it.QtyOrdered + 1}}})
	require.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, decodeErr(t, body).Message, "must not be greater than the uninvoiced quantity")

	s.mustAdmin(http.StatusOK, "POST", path, map[string]any{"items": []map[string]any{{"order_item_id": it.ItemID, "qty": it.QtyOrdered}}}, nil)
	after := getOrder(t, s, itoa(o.EntityID))
	assert.Equal(t, it.QtyOrdered, after.Items[0].QtyInvoiced)
	if len(o.Items) > 1 {
		assert.Zero(t, after.Items[1].QtyInvoiced)
		s.mustAdmin(http.StatusOK, "POST", path, map[string]any{}, nil)
	}
	status, _ = s.admin("POST", path, map[string]any{})
	assert.Equal(t, http.StatusBadRequest, status)
}

func TestInvoice_CanceledOrderIsRefused(t *testing.T) {
	s := startSim(t, nil)
	id := orderID(firstOrder(t, s, "canceled"))
	status, body := s.admin("POST", "/rest/V1/order/"+id+"/invoice", map[string]any{})
	require.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, decodeErr(t, body).Message, "The order does not allow an invoice to be created.")
}

func TestShip_TwiceTheSecondIsRejected(t *testing.T) {
	s := startSim(t, nil)
	id := orderID(firstOrder(t, s, "pending"))
	s.mustAdmin(http.StatusOK, "POST", "/rest/V1/order/"+id+"/invoice", map[string]any{"capture": true}, nil)
	var shipmentID int
	s.mustAdmin(http.StatusOK, "POST", "/rest/V1/order/"+id+"/ship", map[string]any{
		"notify": true,
		"tracks": []map[string]any{{"track_number": "JD014600006281230704", "title": "DHL Express", "carrier_code": "dhl"}},
	}, &shipmentID)
	o := getOrder(t, s, id)
	assert.Equal(t, "complete", o.State, "invoiced and fully shipped")

	status, body := s.admin("POST", "/rest/V1/order/"+id+"/ship", map[string]any{})
	require.Equal(t, http.StatusBadRequest, status)
	msg := decodeErr(t, body).Message
	assert.Equal(t, "Shipment Document Validation Error(s):\nThe order does not allow a shipment to be created.\nYou can't create a shipment without products.", msg)

	sh := s.list("/rest/V1/shipments", criteria{groups: [][][3]string{{{"order_id", id, "eq"}}}})
	require.Equal(t, 1, sh.TotalCount)
	tracks := sh.Items[0]["tracks"].([]any)
	require.Len(t, tracks, 1)
	assert.Equal(t, "JD014600006281230704", tracks[0].(map[string]any)["track_number"])
	assert.EqualValues(t, shipmentID, sh.Items[0]["entity_id"])
}

func TestShip_DeductsTheShippedQuantityFromTheSource(t *testing.T) {
	s := startSim(t, nil)
	o := getOrder(t, s, orderID(firstOrder(t, s, "pending")))
	it := o.Items[0]
	source := testCatalog().Locations[len(testCatalog().Locations)-1].Code
	qtyAt := func() float64 {
		res := s.list("/rest/V1/inventory/source-items", criteria{groups: [][][3]string{{{"sku", it.SKU, "eq"}}, {{"source_code", source, "eq"}}}})
		require.Len(t, res.Items, 1)
		return res.Items[0]["quantity"].(float64)
	}
	before := qtyAt()
	s.mustAdmin(http.StatusOK, "POST", "/rest/V1/order/"+itoa(o.EntityID)+"/ship", map[string]any{
		"items":     []map[string]any{{"order_item_id": it.ItemID, "qty": 1}},
		"arguments": map[string]any{"extension_attributes": map[string]any{"source_code": source}},
	}, nil)
	assert.Equal(t, before-1, qtyAt())
	after := getOrder(t, s, itoa(o.EntityID))
	assert.Equal(t, "processing", after.State, "partly shipped")
	assert.EqualValues(t, 1, after.Items[0].QtyShipped)
}

func TestShip_UnknownSourceIsRefused(t *testing.T) {
	s := startSim(t, nil)
	id := orderID(firstOrder(t, s, "pending"))
	status, body := s.admin("POST", "/rest/V1/order/"+id+"/ship", map[string]any{
		"arguments": map[string]any{"extension_attributes": map[string]any{"source_code": "NOWHERE"}}})
	require.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, decodeErr(t, body).Message, `Source with code "NOWHERE" does not exist.`)
}

func TestOrderComment_AddsHistoryAndMovesUpdatedAt(t *testing.T) {
	s := startSim(t, nil)
	id := orderID(firstOrder(t, s, "processing"))
	s.clock.Advance(3 * time.Hour)
	var ok bool
	s.mustAdmin(http.StatusOK, "POST", "/rest/V1/orders/"+id+"/comments", map[string]any{"statusHistory": map[string]any{
		"comment": "Paket beim Nachbarn abgegeben.", "is_customer_notified": 1, "is_visible_on_front": 1, "parent_id": 0}}, &ok)
	assert.True(t, ok)
	o := getOrder(t, s, id)
	require.NotEmpty(t, o.StatusHistories)
	assert.Equal(t, "Paket beim Nachbarn abgegeben.", o.StatusHistories[0].Comment)
	assert.Equal(t, formatTime(s.clock.Now()), o.UpdatedAt)

	status, body := s.admin("POST", "/rest/V1/orders/"+id+"/comments", map[string]any{"statusHistory": map[string]any{"comment": "x", "parent_id": 1}})
	require.Equal(t, http.StatusBadRequest, status)
	assert.Len(t, decodeErr(t, body).Errors, 2, "is_customer_notified and is_visible_on_front are required")
	s.expectViolation("is_customer_notified")
}

func TestOrders_RenderTheSeedWithAddressesPaymentAndShippingAssignments(t *testing.T) {
	s := startSim(t, nil)
	cat := testCatalog()
	src := cat.Orders[0]
	o := getOrder(t, s, itoa(src.ID))
	assert.Equal(t, src.Number, o.IncrementID)
	assert.Equal(t, src.Email, o.CustomerEmail)
	assert.Equal(t, src.Currency, o.OrderCurrencyCode)
	assert.InDelta(t, src.GrandTotal.Float64(), o.GrandTotal, 0.001)
	require.Len(t, o.Items, len(src.Lines))
	for i, l := range src.Lines {
		assert.Equal(t, l.SKU, o.Items[i].SKU)
		assert.EqualValues(t, l.Qty, o.Items[i].QtyOrdered)
	}
	require.NotNil(t, o.BillingAddress)
	assert.Equal(t, src.BillingAddress.CountryCode, o.BillingAddress.CountryID)
	require.Len(t, o.ExtensionAttributes.ShippingAssignments, 1)
	assert.Equal(t, src.ShippingAddress.City, o.ExtensionAttributes.ShippingAssignments[0].Shipping.Address.City)
	assert.Equal(t, src.PaymentMethod, o.Payment.Method)
	_, err := time.Parse(timeLayout, o.UpdatedAt)
	assert.NoError(t, err, "updated_at is Magento's YYYY-MM-DD HH:MM:SS")
	assert.Equal(t, formatTime(src.UpdatedAt), o.UpdatedAt)
}

func TestOrderComment_MaySetOnlyAStatusOfTheCurrentState(t *testing.T) {
	s := startSim(t, func(o *Options) { o.OrderStatuses = map[string][]string{"new": {"erp_confirmed"}} })
	id := orderID(firstOrder(t, s, "pending"))
	comment := func(status string) (int, []byte) {
		return s.admin("POST", "/rest/V1/orders/"+id+"/comments", map[string]any{"statusHistory": map[string]any{
			"comment": "Confirmed in the ERP.", "is_customer_notified": 0, "is_visible_on_front": 0, "parent_id": 0, "status": status}})
	}
	status, body := comment("processing")
	require.Equal(t, http.StatusBadRequest, status)
	e := decodeErr(t, body)
	assert.Equal(t, `Unable to add comment: The status "%1" is not part of the order status history.`, e.Message)
	assert.JSONEq(t, `["processing"]`, string(e.Parameters))
	assert.Equal(t, "pending", getOrder(t, s, id).Status)

	status, body = comment("erp_confirmed")
	require.Equal(t, http.StatusOK, status, string(body))
	o := getOrder(t, s, id)
	assert.Equal(t, "erp_confirmed", o.Status)
	assert.Equal(t, "new", o.State)
}
