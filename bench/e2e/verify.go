package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// skippedStates are the Magento order states the flow does not export
// (canonical_to_order.blobl records them I).
const skippedStates = "canceled,closed"

// verifyE2E checks the end-to-end run's result: every order is S, or I when
// it is canceled or closed in Magento; NetSuite holds exactly one sales
// order per S order under the flow's external ids and nothing else was
// created. It prints what the simulators served and anything odd in the
// flow's logs and dead letters, and returns what is wrong; the error is for
// checks it could not make.
func verifyE2E(ctx context.Context, o options, res e2eResult, sims map[string]simulator, seeded int, logs ...*proc) ([]string, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	ns := sims["netsuite"]
	fromFlow, err := suiteQLCount(ctx, ns, "type = 'SalesOrd' AND externalid LIKE 'magento-order-%'")
	if err != nil {
		return nil, err
	}
	total, err := suiteQLCount(ctx, ns, "type = 'SalesOrd'")
	if err != nil {
		return nil, err
	}
	skipped, err := magentoCountByState(ctx, sims["magento"], skippedStates)
	if err != nil {
		return nil, err
	}
	sent := res.counts["S"]
	fmt.Printf("  Magento: %d orders, %d of them %s\n", o.orders, skipped, skippedStates)
	fmt.Printf("  NetSuite: %d sales orders with external id magento-order-*, %d in all (%d seeded before the run)\n", fromFlow, total, seeded)
	var problems []string
	if sent+skipped != o.orders || res.counts["I"] != skipped {
		problems = append(problems, fmt.Sprintf("store holds %v, want S %d and I %d (the %s orders)", res.counts, o.orders-skipped, skipped, skippedStates))
	}
	if fromFlow != sent {
		problems = append(problems, fmt.Sprintf("NetSuite holds %d sales orders from the flow, want exactly one per S order: %d", fromFlow, sent))
	}
	if total != seeded+fromFlow {
		problems = append(problems, fmt.Sprintf("NetSuite holds %d sales orders, want %d seeded + %d from the flow", total, seeded, fromFlow))
	}

	for _, v := range []string{"magento", "netsuite"} {
		rows, maxConc, err := sandboxStats(ctx, sims[v])
		if err != nil {
			return nil, err
		}
		sort.Slice(rows, func(i, j int) bool { return rows[i].Count > rows[j].Count })
		fmt.Printf("  %s simulator served (max %d in flight):", v, maxConc)
		for _, r := range rows {
			fmt.Printf(" [%s → %d: %d]", r.Endpoint, r.Status, r.Count)
			if r.Status >= 500 {
				problems = append(problems, fmt.Sprintf("%s answered %d to %s %d times", v, r.Status, r.Endpoint, r.Count))
			}
		}
		fmt.Println()
	}

	for _, p := range logs {
		lines, n, err := errorLines(p.log, 3)
		if err != nil {
			return nil, fmt.Errorf("checking %s log: %w", p.name, err)
		}
		if n > 0 {
			fmt.Printf("  %s log: %d error lines, first: \n", p.name, n)
			for _, l := range lines {
				fmt.Printf("    %s\n", l)
			}
		}
	}
	dl, err := os.ReadFile(filepath.Join(o.workDir, "dead-letter.jsonl"))
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("reading dead letters: %w", err)
	}
	if n := bytes.Count(dl, []byte("\n")); n > 0 {
		problems = append(problems, fmt.Sprintf("%d dead letters in %s", n, filepath.Join(o.workDir, "dead-letter.jsonl")))
	}
	return problems, nil
}
