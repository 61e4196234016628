package magento

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ProductsBySKU reads the products with the given SKUs in as few searches
// as possible (sku "in" filters of at most MaxPageSize SKUs) and returns
// them keyed by SKU; SKUs that do not exist are absent. SKUs holding a
// comma cannot go in an "in" filter and are read one by one.
func (c *Client) ProductsBySKU(ctx context.Context, skus []string) (map[string]json.RawMessage, error) {
	out := make(map[string]json.RawMessage, len(skus))
	var listable []string
	for _, s := range skus {
		if strings.Contains(s, ",") {
			p, err := c.GetProduct(ctx, s)
			if IsNotFound(err) {
				continue
			}
			if err != nil {
				return nil, err
			}
			out[s] = p
			continue
		}
		listable = append(listable, s)
	}
	err := searchIn(ctx, c, "/V1/products", "sku", listable, func(raw json.RawMessage) error {
		var head struct {
			SKU string `json:"sku"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			return fmt.Errorf("decoding product: %w", err)
		}
		out[head.SKU] = raw
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading products by sku: %w", err)
	}
	return out, nil
}

// GetProduct reads one product by SKU in the client's store view.
func (c *Client) GetProduct(ctx context.Context, sku string) (json.RawMessage, error) {
	var raw json.RawMessage
	if err := c.do(ctx, call{method: http.MethodGet, path: "/V1/products/" + url.PathEscape(sku), endpoint: "/V1/products/{sku}"}, &raw); err != nil {
		return nil, fmt.Errorf("reading product %q: %w", sku, err)
	}
	return raw, nil
}

// SaveProduct creates (POST /V1/products) or updates (PUT
// /V1/products/{sku}) a product in the client's store view. body is the
// request as Magento takes it: {"product": {...}, "saveOptions": true}.
// Magento saves by SKU, so repeating the call cannot create a duplicate and
// it is retried after a dropped connection. It returns the saved product.
func (c *Client) SaveProduct(ctx context.Context, sku string, exists bool, body json.RawMessage) (Product, error) {
	cl := call{method: http.MethodPost, path: "/V1/products", endpoint: "/V1/products", body: body, idempotent: true}
	if exists {
		cl = call{method: http.MethodPut, path: "/V1/products/" + url.PathEscape(sku), endpoint: "/V1/products/{sku}", body: body}
	}
	var p Product
	if err := c.do(ctx, cl, &p); err != nil {
		return Product{}, fmt.Errorf("saving product %q: %w", sku, err)
	}
	return p, nil
}

// Product holds the identity of a saved product.
type Product struct {
	ID  int64  `json:"id"`
	SKU string `json:"sku"`
}

// searchIn lists every item whose field is one of values, in "in" queries
// of at most MaxPageSize values, each paged until total_count.
func searchIn(ctx context.Context, c *Client, route, field string, values []string, each func(json.RawMessage) error) error {
	for start := 0; start < len(values); start += MaxPageSize {
		end := min(start+MaxPageSize, len(values))
		cr := Criteria{}.Where(field, In, strings.Join(values[start:end], ","))
		for page, seen := 1, 0; ; page++ {
			p, err := c.Search(ctx, route, cr.Page(MaxPageSize, page))
			if err != nil {
				return err
			}
			for _, raw := range p.Items {
				if err := each(raw); err != nil {
					return err
				}
			}
			seen += len(p.Items)
			// Stop on total_count: a page past the end repeats the last one.
			if len(p.Items) == 0 || seen >= p.TotalCount {
				break
			}
		}
	}
	return nil
}
