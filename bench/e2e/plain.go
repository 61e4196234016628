package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Mapping files both runs use, relative to the repository root.
const (
	mappingOrderToCanonical = "bloblang/mappings/magento/order_to_canonical.blobl"
	mappingCanonicalToOrder = "bloblang/mappings/netsuite/canonical_to_order.blobl"
)

// writePlainConfig writes the baseline stream: generate emits count Magento
// orders as raw JSON bytes (cycling through samples, as the Magento input
// hands them on), then the flow's two mappings, then drop. No connector,
// backbone or sync-task tracking; a record a mapping fails is logged.
func writePlainConfig(path string, samples []json.RawMessage, count int) error {
	var b strings.Builder
	b.WriteString("# Written by bench/e2e: the two mappings of the Magento orders → NetSuite flow alone.\n")
	b.WriteString("input:\n  generate:\n")
	fmt.Fprintf(&b, "    count: %d\n    interval: \"\"\n    mapping: |\n", count)
	b.WriteString("      let orders = [\n")
	for i, s := range samples {
		// A JSON string is a Bloblang string literal; root = a string sets
		// the message's raw bytes, so the first mapping parses it as it
		// would an input's.
		lit, err := json.Marshal(string(s))
		if err != nil {
			return fmt.Errorf("writing plain stream config: %w", err)
		}
		sep := ","
		if i == len(samples)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "        %s%s\n", lit, sep)
	}
	b.WriteString("      ]\n")
	fmt.Fprintf(&b, "      root = $orders.index((count(\"bench_e2e\") - 1) %% %d)\n", len(samples))
	b.WriteString("pipeline:\n  processors:\n")
	fmt.Fprintf(&b, "    - mapping: 'from %q'\n", mappingOrderToCanonical)
	fmt.Fprintf(&b, "    - mapping: 'from %q'\n", mappingCanonicalToOrder)
	// A record a mapping fails is logged at ERROR (runPlain fails on it), so
	// the baseline cannot look fast by dropping errors; catch costs nothing
	// for records without one.
	b.WriteString("    - catch:\n        - log:\n            level: ERROR\n            message: 'plain stream mapping failed: ${! error() }'\n")
	b.WriteString("output:\n  drop: {}\n")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("writing plain stream config: %w", err)
	}
	return nil
}

// plainResult is one run of the plain stream, from process start to exit.
type plainResult struct {
	count int
	wall  time.Duration
	usage usage
}

// runPlain runs the plain stream twice: with one order (the fixed cost of
// starting and stopping a datawald process with these mappings) and with
// o.orders.
func runPlain(o options, root string, samples []json.RawMessage) (plain, baseline plainResult, err error) {
	for _, r := range []*plainResult{&baseline, &plain} {
		r.count = o.orders
		if r == &baseline {
			r.count = 1
		}
		cfg := filepath.Join(o.workDir, fmt.Sprintf("plain-%d.yaml", r.count))
		if err := writePlainConfig(cfg, samples, r.count); err != nil {
			return plain, baseline, err
		}
		t0 := time.Now()
		p, err := startProc(fmt.Sprintf("plain-%d", r.count), root, o.workDir, nil, o.datawald, "run", "-s", "http.enabled=false", cfg)
		if err != nil {
			return plain, baseline, err
		}
		select {
		case <-p.done:
		case <-time.After(o.timeout):
			p.stop(5 * time.Second)
			return plain, baseline, fmt.Errorf("plain stream of %d orders still running after %s; see %s", r.count, o.timeout, p.log)
		}
		r.wall = time.Since(t0)
		if p.err != nil {
			return plain, baseline, fmt.Errorf("plain stream of %d orders: %w; see %s", r.count, p.err, p.log)
		}
		lines, n, err := errorLines(p.log, 3)
		if err != nil {
			return plain, baseline, err
		}
		if n > 0 {
			return plain, baseline, fmt.Errorf("plain stream of %d orders logged %d errors, first: %v", r.count, n, lines)
		}
		r.usage = p.final()
	}
	return plain, baseline, nil
}
