package main

import (
	"fmt"
	"time"
)

// report prints both runs and their ratios. Gross figures run from process
// start; net ones leave out the fixed cost of starting: for the flow, from
// the first order staged in the store to the last one S; for the plain
// stream, the N-order run minus the one-order run.
func report(o options, e e2eResult, plain, baseline plainResult) {
	n := float64(o.orders)
	flowCPU := e.source.CPU + e.target.CPU
	flowRSS := e.source.PeakRSS + e.target.PeakRSS
	netWall := e.wall - e.firstStaged
	netCPU := flowCPU - e.atFirst.CPU
	plainNetWall := plain.wall - baseline.wall
	plainNetCPU := plain.usage.CPU - baseline.usage.CPU

	fmt.Printf("\nMagento orders → Kafka → NetSuite, %d orders (sandbox: no latency, no faults, rate-limit profile none)\n", o.orders)
	fmt.Printf("  start → all settled    %8.2f s   %8.0f entities/s  (first staged at %.2f s, all staged at %.2f s)\n",
		e.wall.Seconds(), n/e.wall.Seconds(), e.firstStaged.Seconds(), e.allStaged.Seconds())
	fmt.Printf("  first staged → settled %8.2f s   %8.0f entities/s\n", netWall.Seconds(), n/netWall.Seconds())
	fmt.Printf("  CPU source + target    %8.2f s   %8.3f s per 1,000 (net of start-up %.3f s per 1,000)\n",
		flowCPU.Seconds(), per1000(flowCPU, n), per1000(netCPU, n))
	fmt.Printf("    source %.2f s, target %.2f s\n", e.source.CPU.Seconds(), e.target.CPU.Seconds())
	fmt.Printf("  peak RSS               source %s, target %s, together %s\n", mib(e.source.PeakRSS), mib(e.target.PeakRSS), mib(flowRSS))
	fmt.Printf("  not datawald: sandbox CPU %.2f s (peak RSS %s), kfake broker CPU %.2f s (peak RSS %s)\n",
		e.sandbox.CPU.Seconds(), mib(e.sandbox.PeakRSS), e.broker.CPU.Seconds(), mib(e.broker.PeakRSS))

	fmt.Printf("\nPlain stream generate → order_to_canonical → canonical_to_order → drop, %d orders\n", plain.count)
	fmt.Printf("  start → exit           %8.2f s   %8.0f entities/s\n", plain.wall.Seconds(), n/plain.wall.Seconds())
	fmt.Printf("  net of a 1-order run   %8.2f s   %8.0f entities/s  (1-order run: %.2f s, CPU %.2f s)\n",
		plainNetWall.Seconds(), rate(n-1, plainNetWall), baseline.wall.Seconds(), baseline.usage.CPU.Seconds())
	fmt.Printf("  CPU                    %8.2f s   %8.3f s per 1,000 (net %.3f s per 1,000)\n",
		plain.usage.CPU.Seconds(), per1000(plain.usage.CPU, n), per1000(plainNetCPU, n-1))
	fmt.Printf("  peak RSS               %s\n", mib(plain.usage.PeakRSS))

	fmt.Printf("\nCost of connectors, backbone and tracking (flow ÷ plain)\n")
	fmt.Printf("  throughput   plain is %.1f× faster gross, %.1f× net\n",
		(n/plain.wall.Seconds())/(n/e.wall.Seconds()), rate(n-1, plainNetWall)/(n/netWall.Seconds()))
	fmt.Printf("  CPU/1,000    flow uses %.1f× gross, %.1f× net\n",
		per1000(flowCPU, n)/per1000(plain.usage.CPU, n), per1000(netCPU, n)/per1000(plainNetCPU, n-1))
	fmt.Printf("  peak RSS     flow uses %.1f× (two processes against one)\n", float64(flowRSS)/float64(plain.usage.PeakRSS))
}

func per1000(d time.Duration, n float64) float64 { return d.Seconds() / n * 1000 }

func rate(n float64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return n / d.Seconds()
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
