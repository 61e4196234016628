package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/datawald/datawald/internal/hubspot"
	"github.com/datawald/datawald/internal/magento"
	"github.com/datawald/datawald/internal/netsuite"
	"github.com/datawald/datawald/internal/sapb1"
)

// Check compares what the first full sync left in the systems, through
// the same typed clients the connectors use. Orders: every storefront order
// the flow exports (all but canceled and closed ones) exists exactly once in
// NetSuite as a sales order with external id magento-order-<entity id>, the
// same number of item lines and the storefront's grand total, and no other
// sales order exists. SAPB1Orders and HubSpotContacts check the SAP B1 and
// HubSpot flows the same way; they need SAPB1 and HubSpot.
type Check struct {
	Magento  *magento.Client
	NetSuite *netsuite.Client
	SAPB1    *sapb1.Client
	HubSpot  *hubspot.Client
}

// skippedStates are the storefront order states the orders flows do not
// export (recorded I by a business rule).
var skippedStates = map[string]bool{"canceled": true, "closed": true}

// storefrontOrder is what the check reads of a Magento order.
type storefrontOrder struct {
	EntityID    int64   `json:"entity_id"`
	IncrementID string  `json:"increment_id"`
	State       string  `json:"state"`
	GrandTotal  float64 `json:"grand_total"`
	Items       []struct {
		ParentItemID int64 `json:"parent_item_id"`
	} `json:"items"`
}

// lines is the number of item lines an exported order has: configurable
// and bundle children ride on their parent's line.
func (o storefrontOrder) lines() int {
	n := 0
	for _, it := range o.Items {
		if it.ParentItemID == 0 {
			n++
		}
	}
	return n
}

// storefront reads every record of a Magento search route, in pages of 300
// sorted by entity_id, and decodes each into a T.
func storefront[T any](ctx context.Context, c *magento.Client, route, what string) ([]T, error) {
	var out []T
	cr := magento.Criteria{}.SortBy("entity_id", "ASC")
	for page := 1; ; page++ {
		p, err := c.Search(ctx, route, cr.Page(300, page))
		if err != nil {
			return nil, fmt.Errorf("reading storefront %s: %w", what, err)
		}
		for _, raw := range p.Items {
			var v T
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, fmt.Errorf("decoding a storefront %s: %w", what, err)
			}
			out = append(out, v)
		}
		if page*300 >= p.TotalCount {
			return out, nil
		}
	}
}

// exportedOrders are the storefront orders the orders flows export.
func (c Check) exportedOrders(ctx context.Context) ([]storefrontOrder, error) {
	all, err := storefront[storefrontOrder](ctx, c.Magento, "/V1/orders", "orders")
	if err != nil {
		return nil, err
	}
	kept := all[:0]
	for _, o := range all {
		if !skippedStates[o.State] {
			kept = append(kept, o)
		}
	}
	return kept, nil
}

// reporter counts problems and writes one line per problem.
type reporter struct {
	w        io.Writer
	problems int
}

func (r *reporter) report(format string, args ...any) {
	r.problems++
	fmt.Fprintf(r.w, "  ✗ "+format+"\n", args...)
}

// Orders runs the NetSuite check and writes one line per finding to w; it
// returns the number of problems.
func (c Check) Orders(ctx context.Context, w io.Writer) (int, error) {
	orders, err := c.exportedOrders(ctx)
	if err != nil {
		return 0, err
	}
	want := map[string]storefrontOrder{}
	for _, o := range orders {
		want["magento-order-"+strconv.FormatInt(o.EntityID, 10)] = o
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

	r := &reporter{w: w}
	report := r.report
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
			return r.problems, fmt.Errorf("reading sales order %s: %w", so.ID, err)
		}
		var rec struct {
			Total json.Number `json:"custbody_dw_source_total"`
			Item  struct {
				Items []json.RawMessage `json:"items"`
			} `json:"item"`
		}
		if err := json.Unmarshal(raw, &rec); err != nil {
			return r.problems, fmt.Errorf("decoding sales order %s: %w", so.ID, err)
		}
		if lines := o.lines(); len(rec.Item.Items) != lines {
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
	if r.problems == 0 {
		fmt.Fprintf(w, "  ✓ NetSuite holds exactly one sales order per exported storefront order (%d), with the same lines and totals\n", len(want))
	}
	return r.problems, nil
}
