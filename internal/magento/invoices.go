package magento

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
)

// Invoice holds the fields of sales-data-invoice-interface the connector
// reasons about.
type Invoice struct {
	EntityID    int64         `json:"entity_id"`
	IncrementID string        `json:"increment_id"`
	OrderID     int64         `json:"order_id"`
	Items       []InvoiceItem `json:"items"`
	Comments    []struct {
		Comment string `json:"comment"`
	} `json:"comments"`
}

// InvoiceItem is one invoiced line.
type InvoiceItem struct {
	OrderItemID int64   `json:"order_item_id"`
	Qty         float64 `json:"qty"`
}

// InvoiceRequest is the body of POST /V1/order/{orderId}/invoice.
type InvoiceRequest struct {
	Capture bool          `json:"capture,omitempty"`
	Notify  bool          `json:"notify,omitempty"`
	Items   []InvoiceItem `json:"items,omitempty"`
	Comment *struct {
		Comment          string `json:"comment"`
		IsVisibleOnFront int    `json:"is_visible_on_front"`
	} `json:"comment,omitempty"`
}

// InvoicesOfOrder lists an order's invoices, oldest first.
func (c *Client) InvoicesOfOrder(ctx context.Context, orderID int64) ([]Invoice, error) {
	inv, _, err := searchTyped[Invoice](ctx, c, "/V1/invoices",
		Criteria{}.Where("order_id", Eq, strconv.FormatInt(orderID, 10)).SortBy("entity_id", Asc).Page(MaxPageSize, 1))
	if err != nil {
		return nil, fmt.Errorf("listing invoices of order %d: %w", orderID, err)
	}
	return inv, nil
}

// CreateInvoice invoices an order (all of it when body has no items) and
// returns the invoice id. body is sent as is. It is not retried after a
// failure whose effect is unknown: callers re-check the order first.
func (c *Client) CreateInvoice(ctx context.Context, orderID int64, body json.RawMessage) (int64, error) {
	id, err := c.postForID(ctx, "/V1/order/"+strconv.FormatInt(orderID, 10)+"/invoice", "/V1/order/{orderId}/invoice", body)
	if err != nil {
		return 0, fmt.Errorf("invoicing order %d: %w", orderID, err)
	}
	return id, nil
}
