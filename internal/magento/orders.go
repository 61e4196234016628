package magento

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// Order holds the fields of sales-data-order-interface the connector
// reasons about; Raw keeps the whole document.
type Order struct {
	EntityID        int64           `json:"entity_id"`
	IncrementID     string          `json:"increment_id"`
	State           string          `json:"state"`
	Status          string          `json:"status"`
	UpdatedAt       string          `json:"updated_at"`
	Items           []OrderItem     `json:"items"`
	StatusHistories []StatusHistory `json:"status_histories"`
}

// OrderItem is one order line with its invoiced, shipped and cancelled
// quantities.
type OrderItem struct {
	ItemID       int64   `json:"item_id"`
	ParentItemID int64   `json:"parent_item_id"`
	SKU          string  `json:"sku"`
	ProductType  string  `json:"product_type"`
	IsVirtual    int     `json:"is_virtual"`
	QtyOrdered   float64 `json:"qty_ordered"`
	QtyInvoiced  float64 `json:"qty_invoiced"`
	QtyShipped   float64 `json:"qty_shipped"`
	QtyCanceled  float64 `json:"qty_canceled"`
	QtyRefunded  float64 `json:"qty_refunded"`
}

// ToInvoice is the quantity still invoiceable on the line.
func (i OrderItem) ToInvoice() float64 { return i.QtyOrdered - i.QtyInvoiced - i.QtyCanceled }

// ToShip is the quantity still shippable on the line.
func (i OrderItem) ToShip() float64 {
	if i.IsVirtual != 0 {
		return 0
	}
	return i.QtyOrdered - i.QtyShipped - i.QtyCanceled - i.QtyRefunded
}

// StatusHistory is an order comment (sales-data-order-status-history-interface).
type StatusHistory struct {
	EntityID           int64  `json:"entity_id,omitempty"`
	Comment            string `json:"comment"`
	Status             string `json:"status,omitempty"`
	IsCustomerNotified int    `json:"is_customer_notified"`
	IsVisibleOnFront   int    `json:"is_visible_on_front"`
	ParentID           int64  `json:"parent_id"`
}

// GetOrder reads an order by entity id. A 404 answers *ErrNoSuchOrder
// (the vendor error stays in the chain).
func (c *Client) GetOrder(ctx context.Context, id int64) (Order, error) {
	var o Order
	err := c.do(ctx, call{method: http.MethodGet, path: "/V1/orders/" + strconv.FormatInt(id, 10), endpoint: "/V1/orders/{id}"}, &o)
	if IsNotFound(err) {
		err = fmt.Errorf("%w (%w)", &ErrNoSuchOrder{EntityID: id}, err)
	}
	if err != nil {
		return Order{}, fmt.Errorf("reading order %d: %w", id, err)
	}
	return o, nil
}

// ErrNoSuchOrder is returned (wrapped) by FindOrder and OrderEntityID when
// no order has the increment id, and by GetOrder when no order has the
// entity id. Exactly one of IncrementID and EntityID is set.
type ErrNoSuchOrder struct {
	IncrementID string
	EntityID    int64
}

func (e *ErrNoSuchOrder) Error() string {
	if e.IncrementID == "" {
		return fmt.Sprintf("no order with entity_id %d", e.EntityID)
	}
	return fmt.Sprintf("no order with increment_id %q", e.IncrementID)
}

// OrderEntityID resolves an order's increment id (the number customers
// see, "000000042") to its entity id (the id in /V1/orders/{id}) with one
// search. It answers *ErrNoSuchOrder when there is none.
func (c *Client) OrderEntityID(ctx context.Context, incrementID string) (int64, error) {
	orders, _, err := searchTyped[Order](ctx, c, "/V1/orders", Criteria{}.Where("increment_id", Eq, incrementID).Page(1, 1))
	if err != nil {
		return 0, fmt.Errorf("finding order %q: %w", incrementID, err)
	}
	if len(orders) == 0 {
		return 0, fmt.Errorf("finding order: %w", &ErrNoSuchOrder{IncrementID: incrementID})
	}
	return orders[0].EntityID, nil
}

// FindOrder reads an order by its increment id. It answers
// *ErrNoSuchOrder when there is none.
func (c *Client) FindOrder(ctx context.Context, incrementID string) (Order, error) {
	id, err := c.OrderEntityID(ctx, incrementID)
	if err != nil {
		return Order{}, err
	}
	// Search results may omit status histories and items on some versions;
	// the entity read is authoritative.
	return c.GetOrder(ctx, id)
}

// AddOrderComment posts a comment to the order's history; a non-empty
// Status also moves the order to that status.
func (c *Client) AddOrderComment(ctx context.Context, orderID int64, h StatusHistory) error {
	h.ParentID = orderID
	var ok bool
	err := c.do(ctx, call{
		method:   http.MethodPost,
		path:     "/V1/orders/" + strconv.FormatInt(orderID, 10) + "/comments",
		endpoint: "/V1/orders/{id}/comments",
		body:     map[string]any{"statusHistory": h},
	}, &ok)
	if err != nil {
		return fmt.Errorf("adding comment to order %d: %w", orderID, err)
	}
	return nil
}

// postForID posts body and decodes the integer id Magento answers with.
func (c *Client) postForID(ctx context.Context, path, endpoint string, body json.RawMessage) (int64, error) {
	var raw json.RawMessage
	if err := c.do(ctx, call{method: http.MethodPost, path: path, endpoint: endpoint, body: body}, &raw); err != nil {
		return 0, err
	}
	var id int64
	if err := json.Unmarshal(raw, &id); err != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, fmt.Errorf("decoding created id: %s is not an id", raw)
		}
		if id, err = strconv.ParseInt(s, 10, 64); err != nil {
			return 0, fmt.Errorf("decoding created id %q: %w", s, err)
		}
	}
	return id, nil
}
