package magento

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (s *sim) bulkStatus(uuid string) bulkStatus {
	s.t.Helper()
	var st bulkStatus
	s.mustAdmin(http.StatusOK, "GET", "/rest/V1/bulk/"+uuid+"/status", nil, &st)
	return st
}

func statuses(st bulkStatus) []int {
	out := make([]int, len(st.OperationsList))
	for i, op := range st.OperationsList {
		out[i] = op.Status
	}
	return out
}

func TestBulkProducts_OperationsCompleteOverTime(t *testing.T) {
	s := startSim(t, nil)
	delay := s.v.opts.BulkOperationDelay
	var acc asyncResponse
	s.mustAdmin(http.StatusAccepted, "POST", "/rest/default/async/bulk/V1/products", []map[string]any{
		{"product": map[string]any{"sku": "BULK-A", "name": "Bulk A", "price": 10}},
		{"product": map[string]any{"sku": "BULK-B", "name": "Bulk B", "price": 11}},
		{"product": map[string]any{"sku": "BULK-C", "price": 12}}, // new product without a name: fails when consumed
	}, &acc)
	require.NotEmpty(t, acc.BulkUUID)
	require.Len(t, acc.RequestItems, 3)
	assert.False(t, acc.Errors)
	for i, it := range acc.RequestItems {
		assert.Equal(t, i, it.ID)
		assert.Equal(t, "accepted", it.Status)
		assert.Len(t, it.DataHash, 64)
	}

	st := s.bulkStatus(acc.BulkUUID)
	assert.Equal(t, []int{opOpen, opOpen, opOpen}, statuses(st))
	assert.Equal(t, 3, st.OperationCount)
	assert.Equal(t, "Topic "+topicProductSave, st.Description)
	status, _ := s.admin("GET", "/rest/V1/products/BULK-A", nil)
	assert.Equal(t, http.StatusNotFound, status, "nothing is saved before the consumer runs")

	s.clock.Advance(delay)
	assert.Equal(t, []int{opComplete, opOpen, opOpen}, statuses(s.bulkStatus(acc.BulkUUID)))
	s.mustAdmin(http.StatusOK, "GET", "/rest/V1/products/BULK-A", nil, nil)

	s.clock.Advance(2 * delay)
	st = s.bulkStatus(acc.BulkUUID)
	assert.Equal(t, []int{opComplete, opComplete, opFailedNotRetried}, statuses(st))
	assert.Contains(t, st.OperationsList[2].ResultMessage, `The "name" attribute value is empty`)
	s.mustAdmin(http.StatusOK, "GET", "/rest/V1/products/BULK-B", nil, nil)
}

func TestBulkProducts_MalformedElementsAreRejectedAtOnce(t *testing.T) {
	s := startSim(t, nil)
	var acc asyncResponse
	s.mustAdmin(http.StatusAccepted, "POST", "/rest/async/bulk/V1/products", []map[string]any{
		{"product": map[string]any{"sku": "BULK-OK", "name": "ok", "price": 1}},
		{"item": map[string]any{"sku": "BULK-BAD"}},
	}, &acc)
	assert.True(t, acc.Errors)
	assert.Equal(t, "rejected", acc.RequestItems[1].Status)
	assert.NotEmpty(t, acc.RequestItems[1].ErrorMessage)
	s.expectViolation("bulk element 1")
	st := s.bulkStatus(acc.BulkUUID)
	assert.Equal(t, opRejected, st.OperationsList[1].Status)
}

func TestBulkSourceItems_EachOperationKeepsTheSynchronousLimit(t *testing.T) {
	s := startSim(t, nil)
	source := testCatalog().Locations[0].Code
	var acc asyncResponse
	s.mustAdmin(http.StatusAccepted, "POST", "/rest/async/bulk/V1/inventory/source-items", []map[string]any{
		{"sourceItems": sourceItems(20, source)},
		{"sourceItems": sourceItems(21, source)},
	}, &acc)
	assert.Equal(t, "accepted", acc.RequestItems[0].Status)
	assert.Equal(t, "rejected", acc.RequestItems[1].Status)
	assert.Contains(t, acc.RequestItems[1].ErrorMessage, "Maximum items of type")
	s.clock.Advance(s.v.opts.BulkOperationDelay)
	assert.Equal(t, opComplete, s.bulkStatus(acc.BulkUUID).OperationsList[0].Status)
	res := s.list("/rest/V1/inventory/source-items", criteria{groups: [][][3]string{{{"quantity", "100000", "gteq"}}}, pageSize: 50})
	assert.Equal(t, 20, res.TotalCount)
}

func TestBulkStatus_UnknownUUIDIs404(t *testing.T) {
	s := startSim(t, nil)
	status, body := s.admin("GET", "/rest/V1/bulk/11111111-2222-4333-8444-555555555555/status", nil)
	require.Equal(t, http.StatusNotFound, status)
	e := decodeErr(t, body)
	assert.Equal(t, "Bulk uuid %bulkUuid not exist", e.Message)
}

func TestBulkQueue_ForgetsTheOldestFinishedBulksBeyondItsBound(t *testing.T) {
	q := newBulkQueue()
	open := &bulk{uuid: "open", ops: []*bulkOp{{status: opOpen}}}
	q.remember(open)
	for i := range maxBulks + 10 {
		q.remember(&bulk{uuid: itoa(i), ops: []*bulkOp{{status: opComplete}}})
	}
	assert.Len(t, q.byUUID, maxBulks)
	assert.Contains(t, q.byUUID, "open", "a bulk still running is never forgotten")
	assert.NotContains(t, q.byUUID, "0")
	assert.Contains(t, q.byUUID, itoa(maxBulks+9))
}
