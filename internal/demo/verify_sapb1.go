package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/datawald/datawald/internal/sapb1"
)

// sapOrder is what the check reads of an SAP B1 order.
type sapOrder struct {
	DocEntry      int64             `json:"DocEntry"`
	NumAtCard     string            `json:"NumAtCard"`
	DocumentLines []json.RawMessage `json:"DocumentLines"`
}

// SAPB1Orders checks the SAP B1 orders flow: every exported storefront
// order exists exactly once in SAP B1 as an order whose NumAtCard is the
// storefront's increment id, with the same number of item lines, and no
// other order exists. It writes one line per finding to w and returns the
// number of problems.
func (c Check) SAPB1Orders(ctx context.Context, w io.Writer) (int, error) {
	orders, err := c.exportedOrders(ctx)
	if err != nil {
		return 0, err
	}
	want := make(map[string]storefrontOrder, len(orders))
	for _, o := range orders {
		want[o.IncrementID] = o
	}
	raws, err := c.SAPB1.All(ctx, "Orders", sapb1Query, 500)
	if err != nil {
		return 0, fmt.Errorf("listing SAP B1 orders: %w", err)
	}
	r := &reporter{w: w}
	seen := map[string]int{}
	for _, raw := range raws {
		var so sapOrder
		if err := json.Unmarshal(raw, &so); err != nil {
			return r.problems, fmt.Errorf("decoding an SAP B1 order: %w", err)
		}
		seen[so.NumAtCard]++
		o, ok := want[so.NumAtCard]
		switch {
		case !ok:
			r.report("SAP B1 order %d (NumAtCard %q) matches no exported storefront order", so.DocEntry, so.NumAtCard)
		case seen[so.NumAtCard] > 1:
			r.report("storefront order %s has %d SAP B1 orders", so.NumAtCard, seen[so.NumAtCard])
		case len(so.DocumentLines) != o.lines():
			r.report("storefront order %s has %d lines, its SAP B1 order %d has %d", so.NumAtCard, o.lines(), so.DocEntry, len(so.DocumentLines))
		}
	}
	for ref := range want {
		if seen[ref] == 0 {
			r.report("storefront order %s has no SAP B1 order", ref)
		}
	}
	if r.problems == 0 {
		fmt.Fprintf(w, "  ✓ SAP B1 holds exactly one order per exported storefront order (%d), with the same lines\n", len(want))
	}
	return r.problems, nil
}

// sapb1Query reads what SAPB1Orders compares.
var sapb1Query = sapb1.Query{Select: []string{"DocEntry", "NumAtCard", "DocumentLines"}, OrderBy: []string{"DocEntry"}}
