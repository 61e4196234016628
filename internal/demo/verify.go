package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/datawald/datawald/internal/magento"
	"github.com/datawald/datawald/internal/netsuite"
)

// Check compares what the first full sync left in the two systems, through
// the same typed clients the connectors use: every storefront order the
// flow exports (all but canceled and closed ones) exists exactly once in
// NetSuite as a sales order with external id magento-order-<entity id>, the
// same number of item lines and the storefront's grand total, and no other
// sales order exists.
type Check struct {
	Magento  *magento.Client
	NetSuite *netsuite.Client
}

// skippedStates are the storefront order states the orders flow does not
// export (recorded I by a business rule).
var skippedStates = map[string]bool{"canceled": true, "closed": true}

// storefrontOrder is what the check reads of a Magento order.
type storefrontOrder struct {
	EntityID   int64   `json:"entity_id"`
	State      string  `json:"state"`
	GrandTotal float64 `json:"grand_total"`
	Items      []struct {
		ParentItemID int64 `json:"parent_item_id"`
	} `json:"items"`
}

// Orders runs the check and writes one line per finding to w; it returns
// the number of problems.
func (c Check) Orders(ctx context.Context, w io.Writer) (int, error) {
	want := map[string]storefrontOrder{}
	cr := magento.Criteria{}.SortBy("entity_id", "ASC").Page(300, 1)
	for page := 1; ; page++ {
		p, err := c.Magento.Search(ctx, "/V1/orders", cr.Page(300, page))
		if err != nil {
			return 0, fmt.Errorf("reading storefront orders: %w", err)
		}
		for _, raw := range p.Items {
			var o storefrontOrder
			if err := json.Unmarshal(raw, &o); err != nil {
				return 0, fmt.Errorf("decoding a storefront order: %w", err)
			}
			if !skippedStates[o.State] {
				want["magento-order-"+strconv.FormatInt(o.EntityID, 10)] = o
			}
		}
		if page*300 >= p.TotalCount {
			break
		}
	}

	type salesOrder struct {
		ID         string `json:"id"`
		ExternalID string `json:"externalid"`
	}
	var got []salesOrder
	for offset := 0; ; offset += 1000 {
		p, err := c.NetSuite.SuiteQL(ctx, "SELECT id, externalid FROM transaction WHERE type = 'SalesOrd' ORDER BY id", 1000, offset)
		if err != nil {
			return 0, fmt.Errorf("listing NetSuite sales orders: %w", err)
		}
		for _, raw := range p.Items {
			var so salesOrder
			if err := json.Unmarshal(raw, &so); err != nil {
				return 0, fmt.Errorf("decoding a sales order row: %w", err)
			}
			got = append(got, so)
		}
		if !p.HasMore {
			break
		}
	}

	problems := 0
	report := func(format string, args ...any) {
		problems++
		fmt.Fprintf(w, "  ✗ "+format+"\n", args...)
	}
	seen := map[string]int{}
	for _, so := range got {
		seen[so.ExternalID]++
		o, ok := want[so.ExternalID]
		if !ok {
			report("sales order %s (external id %q) matches no exported storefront order", so.ID, so.ExternalID)
			continue
		}
		if seen[so.ExternalID] > 1 {
			report("storefront order %d has %d sales orders", o.EntityID, seen[so.ExternalID])
			continue
		}
		raw, err := c.NetSuite.GetRecord(ctx, "salesOrder", so.ID, true)
		if err != nil {
			return problems, fmt.Errorf("reading sales order %s: %w", so.ID, err)
		}
		var rec struct {
			Total json.Number `json:"custbody_dw_source_total"`
			Item  struct {
				Items []json.RawMessage `json:"items"`
			} `json:"item"`
		}
		if err := json.Unmarshal(raw, &rec); err != nil {
			return problems, fmt.Errorf("decoding sales order %s: %w", so.ID, err)
		}
		lines := 0
		for _, it := range o.Items {
			if it.ParentItemID == 0 {
				lines++
			}
		}
		if len(rec.Item.Items) != lines {
			report("storefront order %d has %d lines, its sales order %s has %d", o.EntityID, lines, so.ID, len(rec.Item.Items))
		}
		if total, err := rec.Total.Float64(); err != nil || fmt.Sprintf("%.2f", total) != fmt.Sprintf("%.2f", o.GrandTotal) {
			report("storefront order %d totals %.2f, its sales order %s carries %q", o.EntityID, o.GrandTotal, so.ID, rec.Total)
		}
	}
	for eid, o := range want {
		if seen[eid] == 0 {
			report("storefront order %d has no sales order", o.EntityID)
		}
	}
	if problems == 0 {
		fmt.Fprintf(w, "  ✓ NetSuite holds exactly one sales order per exported storefront order (%d), with the same lines and totals\n", len(want))
	}
	return problems, nil
}
