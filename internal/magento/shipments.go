package magento

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
)

// Shipment holds the fields of sales-data-shipment-interface the connector
// reasons about.
type Shipment struct {
	EntityID    int64          `json:"entity_id"`
	IncrementID string         `json:"increment_id"`
	OrderID     int64          `json:"order_id"`
	Items       []ShipmentItem `json:"items"`
	Tracks      []Track        `json:"tracks"`
}

// ShipmentItem is one shipped line.
type ShipmentItem struct {
	OrderItemID int64   `json:"order_item_id"`
	Qty         float64 `json:"qty"`
}

// Track is a tracking number.
type Track struct {
	TrackNumber string `json:"track_number"`
	Title       string `json:"title,omitempty"`
	CarrierCode string `json:"carrier_code,omitempty"`
}

// ShipRequest is the body of POST /V1/order/{orderId}/ship.
type ShipRequest struct {
	Items  []ShipmentItem `json:"items,omitempty"`
	Tracks []Track        `json:"tracks,omitempty"`
	Notify bool           `json:"notify,omitempty"`
}

// ShipmentsOfOrder lists an order's shipments, oldest first.
func (c *Client) ShipmentsOfOrder(ctx context.Context, orderID int64) ([]Shipment, error) {
	sh, _, err := searchTyped[Shipment](ctx, c, "/V1/shipments",
		Criteria{}.Where("order_id", Eq, strconv.FormatInt(orderID, 10)).SortBy("entity_id", Asc).Page(MaxPageSize, 1))
	if err != nil {
		return nil, fmt.Errorf("listing shipments of order %d: %w", orderID, err)
	}
	return sh, nil
}

// CreateShipment ships an order (all shippable lines when body has no
// items) with its tracks and returns the shipment id. Like CreateInvoice
// it is not retried blindly: callers re-check the order first.
func (c *Client) CreateShipment(ctx context.Context, orderID int64, body json.RawMessage) (int64, error) {
	id, err := c.postForID(ctx, "/V1/order/"+strconv.FormatInt(orderID, 10)+"/ship", "/V1/order/{orderId}/ship", body)
	if err != nil {
		return 0, fmt.Errorf("shipping order %d: %w", orderID, err)
	}
	return id, nil
}
