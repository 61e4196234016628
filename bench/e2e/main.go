// Command e2e benchmarks the Magento orders → Kafka → NetSuite flow end to
// end against the sandbox, and beside it, in the same run, a plain datawald
// stream doing only the flow's two mappings (generate → mapping → mapping →
// drop), so the cost of connectors, backbone and tracking reads as a ratio.
//
// Every piece is a real process measured on its own: the sandbox
// (`datawald sandbox`, no latency, no faults, rate-limit profile none), an
// in-memory Kafka (kfake, this binary re-run as `e2e broker`), the flow's
// source and target halves (`datawald run` of configs/kafka/
// magento_orders_to_netsuite.{source,target}.yaml with a fresh SQLite
// sync-task store), then the plain stream. Run it through bench/e2e/run.sh,
// which builds both binaries; it must run from the repository root since the
// flows' mapping paths are relative to it.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

// options are the command-line flags.
type options struct {
	datawald   string
	orders     int
	samples    int
	partitions int
	poll       time.Duration
	timeout    time.Duration
	stall      time.Duration
	workDir    string
	keep       bool
	profile    time.Duration
	store      string
	postgres   string
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "broker" {
		fs := flag.NewFlagSet("broker", flag.ExitOnError)
		topic := fs.String("topic", "", "topic to create")
		partitions := fs.Int("partitions", 3, "partitions of the topic")
		_ = fs.Parse(os.Args[2:])
		if err := runBroker(*topic, int32(*partitions)); err != nil {
			fmt.Fprintln(os.Stderr, "e2e broker:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.StringVar(&o.datawald, "datawald", "", "path of the datawald binary (required)")
	flag.IntVar(&o.orders, "orders", 1000, "Magento orders in the sandbox, all of which must reach NetSuite")
	flag.IntVar(&o.samples, "samples", 50, "distinct sandbox orders the plain stream cycles through")
	flag.IntVar(&o.partitions, "partitions", 3, "partitions of the backbone topic")
	flag.DurationVar(&o.poll, "poll", 100*time.Millisecond, "how often the sync-task store is read")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Minute, "give up on the end-to-end run after this long")
	flag.DurationVar(&o.stall, "stall", time.Minute, "give up when the store's counts have not changed for this long")
	flag.StringVar(&o.workDir, "work-dir", "", "where stores, logs and configs go (default a fresh temporary directory)")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory (it is always kept when the run fails)")
	flag.DurationVar(&o.profile, "cpuprofile", 0, "also take a CPU profile this long of the source and target from the first staged order (kept in the work directory; it costs CPU, so leave it off for the numbers)")
	flag.StringVar(&o.store, "store", "sqlite", "sync-task store of the flow: sqlite (a fresh file) or postgres (a fresh database, dropped afterwards)")
	flag.StringVar(&o.postgres, "postgres", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL URL to create the fresh database from, with -store postgres")
	flag.Parse()
	if o.datawald == "" || o.orders < 1 || o.samples < 1 || o.partitions < 1 || (o.store != "sqlite" && o.store != "postgres") {
		fmt.Fprintln(os.Stderr, "e2e: -datawald is required; -orders, -samples and -partitions must be positive; -store is sqlite or postgres")
		flag.Usage()
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
}
