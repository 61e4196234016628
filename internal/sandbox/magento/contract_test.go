package magento

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func jsonHeader() http.Header {
	return http.Header{"Content-Type": []string{"application/json; charset=utf-8"}}
}

func TestContract_RejectsARequestBodyThatBreaksTheSchema(t *testing.T) {
	c, err := NewContractValidator(contract(t))
	require.NoError(t, err)
	body := []byte(`{"product":{"sku":123,"name":"x"}}`)
	r := httptest.NewRequest("PUT", "/rest/default/V1/products/ABC", strings.NewReader(string(body)))
	r.Header.Set("Content-Type", "application/json")
	err = c.ValidateRequest(r, body)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/product/sku")

	good := []byte(`{"product":{"sku":"ABC","name":"x","price":1}}`)
	assert.NoError(t, c.ValidateRequest(r, good))
}

func TestContract_RejectsAResponseMissingRequiredFields(t *testing.T) {
	c, err := NewContractValidator(contract(t))
	require.NoError(t, err)
	r := httptest.NewRequest("GET", "/rest/V1/orders?searchCriteria[pageSize]=1", nil)
	// items[0] lacks the required base_grand_total, customer_email, grand_total, items.
	err = c.ValidateResponse(r, nil, 200, jsonHeader(), []byte(`{"items":[{"entity_id":1}],"search_criteria":{"filter_groups":[]},"total_count":1}`))
	require.Error(t, err)
	assert.NoError(t, c.ValidateResponse(r, nil, 200, jsonHeader(), []byte(`{"items":[],"search_criteria":{"filter_groups":[]},"total_count":0}`)))
}

func TestContract_AcceptsTheErrorParametersMagentoReallySends(t *testing.T) {
	c, err := NewContractValidator(contract(t))
	require.NoError(t, err)
	r := httptest.NewRequest("GET", "/rest/V1/orders?searchCriteria=", nil)
	for _, body := range []string{
		`{"message":"The consumer isn't authorized to access %resources.","parameters":{"resources":"Magento_Sales::actions_view"}}`,
		`{"message":"Signature method %1 is not supported","parameters":["HMAC-SHA1"]}`,
	} {
		assert.NoError(t, c.ValidateResponse(r, nil, 401, jsonHeader(), []byte(body)), body)
	}
	assert.Error(t, c.ValidateResponse(r, nil, 401, jsonHeader(), []byte(`{"parameters":[]}`)), "message is required")
	assert.Len(t, Errata, 2)
}

func TestContract_ChecksEachElementOfAnAsyncBulkBody(t *testing.T) {
	c, err := NewContractValidator(contract(t))
	require.NoError(t, err)
	body := []byte(`[{"product":{"sku":"A","name":"a","price":1}},{"product":{"sku":["not","a","string"]}}]`)
	r := httptest.NewRequest("POST", "/rest/async/bulk/V1/products", strings.NewReader(string(body)))
	r.Header.Set("Content-Type", "application/json")
	err = c.ValidateRequest(r, body)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bulk element 1")
}

func TestContract_UnknownOperationIsReported(t *testing.T) {
	c, err := NewContractValidator(contract(t))
	require.NoError(t, err)
	r := httptest.NewRequest("GET", "/rest/V1/not-a-magento-route", nil)
	assert.ErrorIs(t, c.ValidateRequest(r, nil), ErrNoOperation)
}

// TestContract_EveryEndpointOfTheSimulatorValidates drives each route the
// simulator serves, successes and errors, through the validating
// middleware; startSim fails the test on any violation.
func TestContract_EveryEndpointOfTheSimulatorValidates(t *testing.T) {
	contract(t)
	s := startSim(t, nil)
	var orders listResult
	s.mustAdmin(200, "GET", "/rest/V1/orders?"+criteria{groups: [][][3]string{{{"status", "pending", "eq"}}}, pageSize: 2}.query(), nil, &orders)
	require.NotEmpty(t, orders.Items)
	id := int(orders.Items[0]["entity_id"].(float64))
	s.mustAdmin(200, "GET", "/rest/V1/orders/"+itoa(id), nil, nil)
	s.mustAdmin(404, "GET", "/rest/V1/orders/99999999", nil, nil)
	s.mustAdmin(200, "POST", "/rest/V1/orders/"+itoa(id)+"/comments", map[string]any{"statusHistory": map[string]any{
		"comment": "Called the customer.", "is_customer_notified": 0, "is_visible_on_front": 0, "parent_id": id}}, nil)
	s.mustAdmin(200, "POST", "/rest/V1/order/"+itoa(id)+"/invoice", map[string]any{"capture": true, "notify": false}, nil)
	s.mustAdmin(400, "POST", "/rest/V1/order/"+itoa(id)+"/invoice", map[string]any{"capture": true}, nil)
	s.mustAdmin(200, "POST", "/rest/V1/order/"+itoa(id)+"/ship", map[string]any{"tracks": []map[string]any{
		{"track_number": "1Z999AA10123456784", "title": "UPS", "carrier_code": "ups"}}}, nil)
	s.mustAdmin(400, "POST", "/rest/V1/order/"+itoa(id)+"/ship", map[string]any{}, nil)
	inv := s.list("/rest/V1/invoices", criteria{pageSize: 2})
	sh := s.list("/rest/V1/shipments", criteria{pageSize: 2})
	s.mustAdmin(200, "GET", "/rest/V1/invoices/"+itoa(int(inv.Items[0]["entity_id"].(float64))), nil, nil)
	s.mustAdmin(200, "GET", "/rest/V1/shipment/"+itoa(int(sh.Items[0]["entity_id"].(float64))), nil, nil)
	s.mustAdmin(404, "GET", "/rest/V1/shipment/99999999", nil, nil)
	var products listResult
	s.mustAdmin(200, "GET", "/rest/V1/products?"+criteria{pageSize: 2}.query(), nil, &products)
	sku := products.Items[0]["sku"].(string)
	s.mustAdmin(200, "GET", "/rest/V1/products/"+sku, nil, nil)
	s.mustAdmin(404, "GET", "/rest/V1/products/NO-SUCH-SKU", nil, nil)
	s.mustAdmin(200, "PUT", "/rest/V1/products/"+sku, map[string]any{"product": map[string]any{"sku": sku, "price": 12.5}}, nil)
	s.mustAdmin(200, "POST", "/rest/V1/products", map[string]any{"product": map[string]any{"sku": "NEW-0001", "name": "New", "price": 3, "attribute_set_id": 4}}, nil)
	// The schema requires the whole stock item, so a client sends back the one
	// it read with the quantity changed.
	stock := products.Items[0]["extension_attributes"].(map[string]any)["stock_item"].(map[string]any)
	stock["qty"] = 5
	s.mustAdmin(200, "PUT", "/rest/V1/products/"+sku+"/stockItems/1", map[string]any{"stockItem": stock}, nil)
	s.list("/rest/V1/inventory/source-items", criteria{pageSize: 2})
	s.mustAdmin(200, "POST", "/rest/V1/inventory/source-items", map[string]any{"sourceItems": []map[string]any{
		{"sku": sku, "source_code": testCatalog().Locations[0].Code, "quantity": 9, "status": 1}}}, nil)
	s.list("/rest/V1/customers/search", criteria{pageSize: 2})
	s.mustAdmin(200, "GET", "/rest/V1/customers/1", nil, nil)
	s.mustAdmin(200, "POST", "/rest/V1/customers", map[string]any{"customer": map[string]any{
		"email": "new.customer@example.org", "firstname": "Zoë", "lastname": "Ådland"}}, nil)
	s.mustAdmin(200, "PUT", "/rest/V1/customers/1", map[string]any{"customer": map[string]any{
		"email": "renamed@example.org", "firstname": "Renamed", "lastname": "Customer"}}, nil)
	var accepted asyncResponse
	s.mustAdmin(202, "POST", "/rest/async/bulk/V1/products", []map[string]any{
		{"product": map[string]any{"sku": "BULK-1", "name": "Bulk one", "price": 1}}}, &accepted)
	s.mustAdmin(200, "GET", "/rest/V1/bulk/"+accepted.BulkUUID+"/status", nil, nil)
	s.mustAdmin(404, "GET", "/rest/V1/bulk/00000000-0000-4000-8000-000000000000/status", nil, nil)
	status, _ := s.call("GET", ordersPage, "", nil)
	require.Equal(t, 401, status)
	assert.Greater(t, s.checks.Checked(), 50)
}

func TestFindContract_ReportsAbsenceOutsideACheckoutWithShared(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n"), 0o644))
	sub := filepath.Join(dir, "a", "b")
	require.NoError(t, os.MkdirAll(sub, 0o755))
	_, err := FindContract(sub)
	assert.ErrorIs(t, err, ErrContractAbsent)
}
