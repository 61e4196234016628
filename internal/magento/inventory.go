package magento

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// SourceItem is an MSI source item: the quantity of a SKU at a source.
type SourceItem struct {
	SKU        string  `json:"sku"`
	SourceCode string  `json:"source_code"`
	Quantity   float64 `json:"quantity"`
	Status     int     `json:"status"`
}

// Key identifies a source item: "sku/source_code".
func (s SourceItem) Key() string { return s.SKU + "/" + s.SourceCode }

// SourceItemsBySKU lists the source items of the given SKUs at every
// source, keyed by SourceItem.Key.
func (c *Client) SourceItemsBySKU(ctx context.Context, skus []string) (map[string]SourceItem, error) {
	out := map[string]SourceItem{}
	err := searchIn(ctx, c, "/V1/inventory/source-items", "sku", skus, func(raw json.RawMessage) error {
		var si SourceItem
		if err := json.Unmarshal(raw, &si); err != nil {
			return fmt.Errorf("decoding source item: %w", err)
		}
		out[si.Key()] = si
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading source items: %w", err)
	}
	return out, nil
}

// SaveSourceItems sets the quantity and status of source items
// (POST /V1/inventory/source-items). Setting is absolute, so the call is
// retried safely. Keep len(items) within the store's input limit (20 by
// default when input limiting is on); IsInputLimit tells the refusal.
func (c *Client) SaveSourceItems(ctx context.Context, items []SourceItem) error {
	err := c.do(ctx, call{
		method: http.MethodPost, path: "/V1/inventory/source-items", endpoint: "/V1/inventory/source-items",
		body: map[string]any{"sourceItems": items}, idempotent: true,
	}, nil)
	if err != nil {
		return fmt.Errorf("saving %d source items: %w", len(items), err)
	}
	return nil
}

// StockItem is a legacy (single-source) stock item.
type StockItem struct {
	ItemID    int64   `json:"item_id"`
	ProductID int64   `json:"product_id"`
	StockID   int64   `json:"stock_id"`
	Qty       float64 `json:"qty"`
	IsInStock bool    `json:"is_in_stock"`
}

// GetStockItem reads the legacy stock item of a SKU from the product's
// extension_attributes.stock_item (GET /V1/products/{sku}, which every
// Magento 2.4 serves whatever the inventory module set) and returns it both
// typed and raw. A product without a stock item is an error.
func (c *Client) GetStockItem(ctx context.Context, sku string) (StockItem, json.RawMessage, error) {
	p, err := c.GetProduct(ctx, sku)
	if err != nil {
		return StockItem{}, nil, fmt.Errorf("reading stock item: %w", err)
	}
	var head struct {
		Ext struct {
			StockItem json.RawMessage `json:"stock_item"`
		} `json:"extension_attributes"`
	}
	if err := json.Unmarshal(p, &head); err != nil {
		return StockItem{}, nil, fmt.Errorf("decoding product %q: %w", sku, err)
	}
	if len(head.Ext.StockItem) == 0 || string(head.Ext.StockItem) == "null" {
		return StockItem{}, nil, fmt.Errorf("reading stock item: product %q has no stock item", sku)
	}
	var si StockItem
	if err := json.Unmarshal(head.Ext.StockItem, &si); err != nil {
		return StockItem{}, nil, fmt.Errorf("decoding stock item of %q: %w", sku, err)
	}
	return si, head.Ext.StockItem, nil
}

// UpdateStockItem writes a legacy stock item
// (PUT /V1/products/{sku}/stockItems/{itemId}); body is {"stockItem": {...}}.
// It returns the stock item id Magento answers with.
func (c *Client) UpdateStockItem(ctx context.Context, sku string, itemID int64, body json.RawMessage) (int64, error) {
	var id int64
	err := c.do(ctx, call{
		method:   http.MethodPut,
		path:     "/V1/products/" + url.PathEscape(sku) + "/stockItems/" + strconv.FormatInt(itemID, 10),
		endpoint: "/V1/products/{productSku}/stockItems/{itemId}",
		body:     body,
	}, &id)
	if err != nil {
		return 0, fmt.Errorf("updating stock item of %q: %w", sku, err)
	}
	return id, nil
}
