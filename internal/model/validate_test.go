package model

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func validOrder() Order {
	return Order{
		ExternalIDs: ExternalIDs{"magento": "42"},
		Number:      "000000042",
		Status:      OrderStatusProcessing,
		Currency:    "USD",
		CreatedAt:   "2026-03-01T09:30:00Z",
		UpdatedAt:   "2026-03-01T09:31:00Z",
		Customer:    OrderCustomer{Email: "ana@example.com", Guest: true},
		Lines: []OrderLine{{
			SKU: "MB-01", Quantity: "2", UnitPrice: "19.99", Total: "39.98",
		}},
		Totals: OrderTotals{Subtotal: "39.98", Discount: "0", Shipping: "5", Tax: "0", Grand: "44.98"},
	}
}

func TestValidateAcceptsAWellFormedOrder(t *testing.T) {
	b, err := json.Marshal(validOrder())
	require.NoError(t, err)
	assert.NoError(t, Validate("order", b))
}

func TestValidateNamesEveryFailingField(t *testing.T) {
	o := validOrder()
	o.Lines[0].Quantity = "2.5e1"
	o.Lines[0].SKU = ""
	o.UpdatedAt = "2026-03-01 09:31:00"
	b, err := json.Marshal(o)
	require.NoError(t, err)

	err = Validate("order", b)
	var verr *ValidationError
	require.True(t, errors.As(err, &verr), "want *ValidationError, got %v", err)
	fields := map[string]bool{}
	for _, f := range verr.Fields {
		fields[f.Field] = true
	}
	assert.True(t, fields["/lines/0/quantity"], "fields: %v", verr.Fields)
	assert.True(t, fields["/lines/0/sku"], "fields: %v", verr.Fields)
	assert.True(t, fields["/updated_at"], "fields: %v", verr.Fields)
	assert.Contains(t, err.Error(), "invalid order: ")
}

func TestValidateRejectsMoneyAsJSONNumber(t *testing.T) {
	doc := `{"external_ids":{"magento":"1"},"sku":"A","location":"default","quantity":5,"in_stock":true,"updated_at":"2026-01-01T00:00:00Z"}`
	err := Validate("inventory", []byte(doc))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/quantity")
}

func TestValidateRejectsUnknownFieldsOutsideCustom(t *testing.T) {
	doc := `{"external_ids":{"netsuite":"7"},"sku":"A","location":"default","quantity":"5","in_stock":true,
		"updated_at":"2026-01-01T00:00:00Z","qty":"5","custom":{"anything":{"goes":1}}}`
	err := Validate("inventory", []byte(doc))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "qty")
	assert.NotContains(t, err.Error(), "anything")
}

func TestValidateRequiresAnExternalID(t *testing.T) {
	doc := `{"external_ids":{},"email":"a@b.co","updated_at":"2026-01-01T00:00:00Z"}`
	err := Validate("customer", []byte(doc))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/external_ids")
}

func TestValidateRejectsNonUTCTimestamps(t *testing.T) {
	doc := `{"external_ids":{"magento":"9"},"email":"a@b.co","updated_at":"2026-01-01T00:00:00+02:00"}`
	err := Validate("customer", []byte(doc))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/updated_at")
}

func TestValidateReportsMalformedJSONAndUnknownEntity(t *testing.T) {
	err := Validate("order", []byte(`{"number":`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "decoding document")

	err = Validate("widget", []byte(`{}`))
	require.ErrorIs(t, err, ErrUnknownEntity)
}

func TestEveryEntityValidatesItsOwnZeroValueFailsRequiredFields(t *testing.T) {
	for _, name := range Entities() {
		err := Validate(name, []byte(`{}`))
		var verr *ValidationError
		require.True(t, errors.As(err, &verr), "%s: %v", name, err)
		assert.Contains(t, err.Error(), "missing propert", name)
	}
}

func TestValidateIsSafeForConcurrentUse(t *testing.T) {
	good, err := json.Marshal(validOrder())
	require.NoError(t, err)
	bad := []byte(`{"external_ids":{"magento":"1"}}`)
	done := make(chan error, 16)
	for i := range 16 {
		go func() {
			if i%2 == 0 {
				done <- Validate("order", good)
			} else if err := Validate("order", bad); err == nil {
				done <- errors.New("invalid order accepted")
			} else {
				done <- nil
			}
		}()
	}
	for range 16 {
		assert.NoError(t, <-done)
	}
}
