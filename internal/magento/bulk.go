package magento

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// Bulk operation statuses (magento_operation.status).
const (
	OperationComplete        = 1
	OperationRetriablyFailed = 2
	OperationNotRetriable    = 3
	OperationOpen            = 4
	OperationRejected        = 5
)

// BulkAccepted is Magento's answer to an async bulk request.
type BulkAccepted struct {
	BulkUUID     string `json:"bulk_uuid"`
	RequestItems []struct {
		ID           int64  `json:"id"`
		DataHash     string `json:"data_hash"`
		Status       string `json:"status"`
		ErrorMessage string `json:"error_message"`
	} `json:"request_items"`
	Errors bool `json:"errors"`
}

// SubmitBulk posts bodies to /async/bulk<route> (e.g. "/V1/products" or
// "/V1/inventory/source-items"): one operation per body, executed later by
// Magento's consumers. Operation i of the answer is bodies[i]. Only
// saves by natural key go through bulk here (products by SKU, source items
// by SKU and source), so a resubmission after a dropped connection cannot
// create duplicates and the call is retried.
func (c *Client) SubmitBulk(ctx context.Context, route string, bodies []json.RawMessage) (BulkAccepted, error) {
	var out BulkAccepted
	err := c.do(ctx, call{
		method: http.MethodPost, path: "/async/bulk" + route, endpoint: "/async/bulk" + route,
		body: bodies, idempotent: true,
	}, &out)
	if err != nil {
		return BulkAccepted{}, fmt.Errorf("submitting bulk %s of %d operations: %w", route, len(bodies), err)
	}
	if len(out.RequestItems) != len(bodies) {
		return out, fmt.Errorf("submitting bulk %s: %d operations sent, %d acknowledged", route, len(bodies), len(out.RequestItems))
	}
	return out, nil
}

// BulkOperation is one operation of a bulk's detailed status.
type BulkOperation struct {
	ID            int64  `json:"id"`
	Status        int    `json:"status"`
	ResultMessage string `json:"result_message"`
	ErrorCode     int    `json:"error_code"`
}

// BulkStatus is GET /V1/bulk/{uuid}/status: the bulk summary with each
// operation's status and result message.
type BulkStatus struct {
	BulkID         string          `json:"bulk_id"`
	OperationCount int             `json:"operation_count"`
	Operations     []BulkOperation `json:"operations_list"`
}

// Open reports whether any operation is still waiting to run.
func (s BulkStatus) Open() bool {
	if len(s.Operations) < s.OperationCount {
		return true
	}
	for _, op := range s.Operations {
		if op.Status == OperationOpen {
			return true
		}
	}
	return false
}

// GetBulkStatus reads the status of a bulk's operations.
func (c *Client) GetBulkStatus(ctx context.Context, uuid string) (BulkStatus, error) {
	var s BulkStatus
	err := c.do(ctx, call{method: http.MethodGet, path: "/V1/bulk/" + url.PathEscape(uuid) + "/status", endpoint: "/V1/bulk/{bulkUuid}/status"}, &s)
	if err != nil {
		return BulkStatus{}, fmt.Errorf("reading status of bulk %s: %w", uuid, err)
	}
	return s, nil
}
