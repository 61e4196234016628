package magento

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProductSave_UpsertsBySKU(t *testing.T) {
	s := startSim(t, nil)
	var created product
	s.mustAdmin(http.StatusOK, "POST", "/rest/V1/products", map[string]any{"product": map[string]any{
		"sku": "DW-TEST-001", "name": "Größenverstellbarer Hut", "price": 24.9, "attribute_set_id": 4, "type_id": "simple",
		"custom_attributes": []map[string]any{{"attribute_code": "description", "value": "Ein Hut."}},
	}}, &created)
	assert.Positive(t, created.ID)
	assert.Equal(t, formatTime(s.clock.Now()), created.CreatedAt)

	s.clock.Advance(time.Minute)
	var again product
	s.mustAdmin(http.StatusOK, "POST", "/rest/V1/products", map[string]any{"product": map[string]any{"sku": "DW-TEST-001", "price": 19.9}}, &again)
	assert.Equal(t, created.ID, again.ID, "POST with an existing SKU updates it")
	assert.Equal(t, "Größenverstellbarer Hut", again.Name, "fields not sent are kept")
	assert.Equal(t, 19.9, again.Price)
	assert.Equal(t, formatTime(s.clock.Now()), again.UpdatedAt)

	var put product
	s.mustAdmin(http.StatusOK, "PUT", "/rest/V1/products/DW-TEST-001", map[string]any{"product": map[string]any{"sku": "DW-TEST-001", "name": "Hut"}}, &put)
	assert.Equal(t, created.ID, put.ID)
	assert.Equal(t, "Hut", put.Name)

	var byPut product
	s.mustAdmin(http.StatusOK, "PUT", "/rest/V1/products/DW-TEST-002", map[string]any{"product": map[string]any{"sku": "DW-TEST-002", "name": "Neu", "price": 1}}, &byPut)
	assert.NotEqual(t, created.ID, byPut.ID, "PUT with a new SKU creates")

	res := s.list("/rest/V1/products", criteria{groups: [][][3]string{{{"sku", "DW-TEST-%", "like"}}}})
	assert.Equal(t, 2, res.TotalCount)
}

func TestProductSave_RefusesUnknownFieldsAndMissingRequiredOnes(t *testing.T) {
	s := startSim(t, nil)
	status, body := s.admin("POST", "/rest/V1/products", map[string]any{"product": map[string]any{"sku": "X-1", "name": "x", "price": 1, "colour": "red"}})
	require.Equal(t, http.StatusBadRequest, status)
	e := decodeErr(t, body)
	assert.Equal(t, `Property "%1" does not have accessor method "%2" in class "%3".`, e.Message)
	assert.Contains(t, string(e.Parameters), "getColour")

	status, body = s.admin("POST", "/rest/V1/products", map[string]any{"product": map[string]any{"sku": "X-2", "price": 1}})
	require.Equal(t, http.StatusBadRequest, status)
	assert.JSONEq(t, `["name"]`, string(decodeErr(t, body).Parameters))
}

func TestLegacyStockItem_WritesTheDefaultSource(t *testing.T) {
	s := startSim(t, nil)
	p := testCatalog().Products[0]
	var got product
	s.mustAdmin(http.StatusOK, "GET", "/rest/V1/products/"+p.SKU, nil, &got)
	stock := got.ExtensionAttributes.StockItem
	require.NotNil(t, stock)
	stock.Qty = 77
	var itemID int
	s.mustAdmin(http.StatusOK, "PUT", fmt.Sprintf("/rest/V1/products/%s/stockItems/%d", p.SKU, stock.ItemID), map[string]any{"stockItem": stock}, &itemID)
	assert.Equal(t, stock.ItemID, itemID)
	res := s.list("/rest/V1/inventory/source-items", criteria{groups: [][][3]string{{{"sku", p.SKU, "eq"}}, {{"source_code", testCatalog().Locations[0].Code, "eq"}}}})
	require.Len(t, res.Items, 1)
	assert.EqualValues(t, 77, res.Items[0]["quantity"])
	s.mustAdmin(http.StatusOK, "GET", "/rest/V1/products/"+p.SKU, nil, &got)
	assert.EqualValues(t, 77, got.ExtensionAttributes.StockItem.Qty)
	assert.Equal(t, formatTime(p.UpdatedAt), got.UpdatedAt, "stock writes do not touch the product's updated_at")
}

func sourceItems(n int, source string) []map[string]any {
	items := make([]map[string]any, n)
	for i := range items {
		items[i] = map[string]any{"sku": testCatalog().Products[i].SKU, "source_code": source, "quantity": 100000 + i, "status": 1}
	}
	return items
}

func TestSourceItems_MoreThanTheInputLimitIsRefusedLikeMagento(t *testing.T) {
	s := startSim(t, nil)
	source := testCatalog().Locations[0].Code
	status, body := s.admin("POST", "/rest/V1/inventory/source-items", map[string]any{"sourceItems": sourceItems(21, source)})
	require.Equal(t, http.StatusBadRequest, status)
	e := decodeErr(t, body)
	assert.Equal(t, `Maximum items of type "%type" is %max`, e.Message)
	assert.JSONEq(t, `{"type":"\\Magento\\InventoryApi\\Api\\Data\\SourceItemInterface","max":20}`, string(e.Parameters))

	s.mustAdmin(http.StatusOK, "POST", "/rest/V1/inventory/source-items", map[string]any{"sourceItems": sourceItems(20, source)}, nil)
	res := s.list("/rest/V1/inventory/source-items", criteria{groups: [][][3]string{{{"source_code", source, "eq"}}, {{"quantity", "100000", "gteq"}}}, pageSize: 50})
	assert.Equal(t, 20, res.TotalCount)

	unlimited := startSim(t, func(o *Options) { o.InputLimits.Disabled = true })
	unlimited.mustAdmin(http.StatusOK, "POST", "/rest/V1/inventory/source-items", map[string]any{"sourceItems": sourceItems(21, source)}, nil)
}

func TestSourceItems_InvalidItemsFailTheWholeCall(t *testing.T) {
	s := startSim(t, nil)
	items := sourceItems(2, testCatalog().Locations[0].Code)
	items[1]["source_code"] = "NOWHERE"
	status, body := s.admin("POST", "/rest/V1/inventory/source-items", map[string]any{"sourceItems": items})
	require.Equal(t, http.StatusBadRequest, status)
	e := decodeErr(t, body)
	assert.Equal(t, "Validation Failed", e.Message)
	require.Len(t, e.Errors, 1)
	res := s.list("/rest/V1/inventory/source-items", criteria{groups: [][][3]string{{{"quantity", "100000", "eq"}}}})
	assert.Zero(t, res.TotalCount, "nothing was saved")
}

func TestCustomers_CreateRefusesADuplicateEmailAndUpdateKeepsTheID(t *testing.T) {
	s := startSim(t, nil)
	existing := testCatalog().Customers[3]
	status, body := s.admin("POST", "/rest/V1/customers", map[string]any{"customer": map[string]any{
		"email": existing.Email, "firstname": "Dup", "lastname": "Licate"}})
	require.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "A customer with the same email address already exists in an associated website.", decodeErr(t, body).Message)

	var c customer
	s.mustAdmin(http.StatusOK, "POST", "/rest/V1/customers", map[string]any{"customer": map[string]any{
		"email": "jose.nunez@example.es", "firstname": "José", "lastname": "Núñez",
		"addresses": []map[string]any{{"firstname": "José", "lastname": "Núñez", "street": []string{"Calle Mayor 1"}, "city": "Madrid",
			"postcode": "28013", "country_id": "ES", "telephone": "+34910000000", "default_billing": true, "default_shipping": true}},
	}}, &c)
	require.Len(t, c.Addresses, 1)
	assert.Equal(t, itoa(c.Addresses[0].ID), c.DefaultBilling)

	s.clock.Advance(time.Hour)
	var updated customer
	s.mustAdmin(http.StatusOK, "PUT", "/rest/V1/customers/"+itoa(c.ID), map[string]any{"customer": map[string]any{
		"id": 999999, "email": "jose.nunez@example.es", "firstname": "Pepe", "lastname": "Núñez"}}, &updated)
	assert.Equal(t, c.ID, updated.ID, "the path id wins")
	assert.Equal(t, "Pepe", updated.Firstname)
	assert.Len(t, updated.Addresses, 1, "addresses not sent are kept")
	res := s.list("/rest/V1/customers/search", criteria{groups: [][][3]string{{{"updated_at", formatTime(s.clock.Now()), "gteq"}}}})
	require.Equal(t, 1, res.TotalCount)
	assert.Equal(t, "Pepe", res.Items[0]["firstname"])

	status, _ = s.admin("PUT", "/rest/V1/customers/999999", map[string]any{"customer": map[string]any{"email": "a@b.c", "firstname": "a", "lastname": "b"}})
	assert.Equal(t, http.StatusNotFound, status)
}

func TestProductSave_WithNoChangeLeavesUpdatedAt(t *testing.T) {
	s := startSim(t, nil)
	p := testCatalog().Products[7]
	s.clock.Advance(time.Hour)
	var got product
	s.mustAdmin(http.StatusOK, "PUT", "/rest/V1/products/"+p.SKU, map[string]any{"product": map[string]any{
		"sku": p.SKU, "name": p.Name, "price": p.Price.Float64()}}, &got)
	assert.Equal(t, formatTime(p.UpdatedAt), got.UpdatedAt, "an idempotent re-save is invisible to incremental readers")

	s.mustAdmin(http.StatusOK, "PUT", "/rest/V1/products/"+p.SKU, map[string]any{"product": map[string]any{
		"sku": p.SKU, "price": p.Price.Float64() + 1}}, &got)
	assert.Equal(t, formatTime(s.clock.Now()), got.UpdatedAt)
}
