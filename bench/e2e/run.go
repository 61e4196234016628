package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const (
	flowSource = "configs/kafka/magento_orders_to_netsuite.source.yaml"
	flowTarget = "configs/kafka/magento_orders_to_netsuite.target.yaml"
	resources  = "configs/resources/*.yaml"
	topic      = "datawald.magento_orders_to_netsuite"
)

// e2eResult is what the end-to-end run measured.
type e2eResult struct {
	wall        time.Duration // start of the flow processes → all N orders settled (S or I, none N)
	firstStaged time.Duration // start → the first order in the store
	allStaged   time.Duration // start → all N orders in the store
	atFirst     usage         // source + target CPU when the first order was staged
	source      usage         // at the moment all were S
	target      usage
	sandbox     usage
	broker      usage
	counts      statusCounts
	// problems are what verifyE2E found wrong; the numbers are printed
	// anyway and the run then fails.
	problems []string
}

// run does the end-to-end run, then the plain stream, and prints both.
func run(o options) (err error) {
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, flowSource)); err != nil {
		return fmt.Errorf("run from the repository root (%s not found): %w", flowSource, err)
	}
	if o.datawald, err = filepath.Abs(o.datawald); err != nil {
		return err
	}
	if o.workDir == "" {
		if o.workDir, err = os.MkdirTemp("", "datawald-bench-e2e-"); err != nil {
			return err
		}
	}
	defer func() {
		if err != nil || o.keep {
			fmt.Printf("work directory kept: %s\n", o.workDir)
			return
		}
		_ = os.RemoveAll(o.workDir)
	}()
	fmt.Printf("datawald e2e benchmark: %d orders, %d partitions, %s store, load average at start %s\n", o.orders, o.partitions, o.store, loadAvg())

	e2e, samples, err := runE2E(o, root)
	if err != nil {
		return err
	}
	plain, baseline, err := runPlain(o, root, samples)
	if err != nil {
		return err
	}
	report(o, e2e, plain, baseline)
	fmt.Printf("load average at end %s\n", loadAvg())
	if len(e2e.problems) > 0 {
		return fmt.Errorf("checking the end-to-end result: %s", strings.Join(e2e.problems, "; "))
	}
	return nil
}

// runE2E starts the sandbox, the broker and the flow's two halves, waits
// until every order is settled in the store (S, or I for a canceled or
// closed order; none left N), samples every process and checks
// NetSuite. It returns sample orders from the Magento simulator for the
// plain stream.
func runE2E(o options, root string) (res e2eResult, samples []json.RawMessage, err error) {
	ctx := context.Background()
	self, err := os.Executable()
	if err != nil {
		return res, nil, err
	}
	var procs []*proc
	var dropStore func() // after every process has stopped
	defer func() {
		for i := len(procs) - 1; i >= 0; i-- {
			procs[i].stop(10 * time.Second)
		}
		if dropStore != nil {
			dropStore()
		}
	}()

	sb, err := startProc("sandbox", root, o.workDir, nil, o.datawald, "sandbox", "--vendors", "netsuite,magento",
		"--orders", strconv.Itoa(o.orders), "--base-port", "0", "--json", "--rate-limit-profile", "none")
	if err != nil {
		return res, nil, err
	}
	procs = append(procs, sb)
	br, err := startProc("broker", root, o.workDir, nil, self, "broker", "-topic", topic, "-partitions", strconv.Itoa(o.partitions))
	if err != nil {
		return res, nil, err
	}
	procs = append(procs, br)
	startCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	lines, err := waitForLines(startCtx, sb, 2)
	if err != nil {
		return res, nil, err
	}
	sims, err := parseSimulators(lines)
	if err != nil {
		return res, nil, err
	}
	brLine, err := waitForLines(startCtx, br, 1)
	if err != nil {
		return res, nil, err
	}
	brokers := strings.TrimPrefix(brLine[0], "broker ")
	mg, ns := sims["magento"], sims["netsuite"]

	raw, err := magentoOrders(startCtx, mg, min(o.samples, o.orders))
	if err != nil {
		return res, nil, err
	}
	samples = raw
	seeded, err := suiteQLCount(startCtx, ns, "type = 'SalesOrd'")
	if err != nil {
		return res, nil, err
	}

	storeDSN := "sqlite://" + filepath.Join(o.workDir, "synctask.db")
	w := sqliteWatcher(filepath.Join(o.workDir, "synctask.db"))
	if o.store == "postgres" {
		pgURL, drop, err := freshPostgres(startCtx, o.postgres)
		if err != nil {
			return res, nil, err
		}
		dropStore = drop
		storeDSN = pgURL
		w = &storeWatcher{driver: "pgx", dsn: pgURL}
	}
	defer w.close()
	checkpoints := filepath.Join(o.workDir, "checkpoints")
	if err := os.MkdirAll(checkpoints, 0o750); err != nil {
		return res, nil, err
	}
	mc, nc := mg.Credentials, ns.Credentials
	env := []string{
		"MAGENTO_BASE_URL=" + mg.BaseURL, "MAGENTO_STORE_CODE=" + mc["store_code"],
		"MAGENTO_CONSUMER_KEY=" + mc["consumer_key"], "MAGENTO_CONSUMER_SECRET=" + mc["consumer_secret"],
		"MAGENTO_ACCESS_TOKEN=" + mc["access_token"], "MAGENTO_ACCESS_TOKEN_SECRET=" + mc["access_token_secret"],
		"MAGENTO_RATE_LIMIT=0", "MAGENTO_POLL_INTERVAL=1m",
		"NETSUITE_ACCOUNT_ID=" + nc["account_id"], "NETSUITE_BASE_URL=" + ns.BaseURL, "NETSUITE_AUTH_MODE=tba",
		"NETSUITE_CONSUMER_KEY=" + nc["consumer_key"], "NETSUITE_CONSUMER_SECRET=" + nc["consumer_secret"],
		"NETSUITE_TOKEN_ID=" + nc["token_id"], "NETSUITE_TOKEN_SECRET=" + nc["token_secret"],
		"NETSUITE_TIMEZONE=" + nc["time_zone"],
		"KAFKA_BROKERS=" + brokers, "DATAWALD_KAFKA_TOPIC_PREFIX=datawald", "DATAWALD_KAFKA_GROUP_PREFIX=datawald",
		"DATAWALD_STORE=" + storeDSN,
		"DATAWALD_CHECKPOINT_DIR=" + checkpoints,
		"DATAWALD_DEAD_LETTER=" + filepath.Join(o.workDir, "dead-letter.jsonl"),
	}
	addrs := map[string]string{"source": "127.0.0.1:0", "target": "127.0.0.1:0"}
	if o.profile > 0 {
		for name := range addrs {
			if addrs[name], err = freeAddr(); err != nil {
				return res, nil, err
			}
		}
	}
	flowArgs := func(name, cfg string) []string {
		args := []string{o.datawald, "run", "-r", resources, "-s", "http.address=" + addrs[name]}
		if o.profile > 0 {
			args = append(args, "-s", "http.debug_endpoints=true")
		}
		return append(args, cfg)
	}
	profiled := make(chan error, 2)

	t0 := time.Now()
	tgt, err := startProc("target", root, o.workDir, env, flowArgs("target", flowTarget)...)
	if err != nil {
		return res, nil, err
	}
	procs = append(procs, tgt)
	src, err := startProc("source", root, o.workDir, env, flowArgs("source", flowSource)...)
	if err != nil {
		return res, nil, err
	}
	procs = append(procs, src)

	deadline := t0.Add(o.timeout)
	lastProgress, lastChange := t0, t0
	var prev statusCounts
	for {
		c, err := w.counts(ctx)
		if err != nil {
			return res, nil, err
		}
		now := time.Now()
		if !maps.Equal(c, prev) {
			prev, lastChange = c, now
		}
		if res.firstStaged == 0 && c.total() > 0 {
			res.firstStaged = now.Sub(t0)
			if res.atFirst, err = sumSamples(src, tgt); err != nil {
				return res, nil, err
			}
			if o.profile > 0 {
				for name, addr := range addrs {
					go func() { profiled <- cpuProfile(ctx, name, addr, o.workDir, o.profile) }()
				}
			}
		}
		if res.allStaged == 0 && c.total() >= o.orders {
			res.allStaged = now.Sub(t0)
		}
		// Settled: every order staged and none still waiting for its
		// outcome (S sent, I skipped by a business rule, F or ? a problem
		// verifyE2E reports).
		if c.total() >= o.orders && c["N"] == 0 {
			res.wall, res.counts = now.Sub(t0), c
			break
		}
		for _, p := range []*proc{src, tgt, sb, br} {
			if p.exited() {
				return res, nil, fmt.Errorf("%s exited before all orders were settled (%v; store %v); see %s", p.name, p.err, c, p.log)
			}
		}
		if now.After(deadline) {
			return res, nil, fmt.Errorf("timed out after %s with store counts %v (last store error: %v); logs in %s", o.timeout, c, w.lastErr, o.workDir)
		}
		if c.total() > 0 && now.Sub(lastChange) >= o.stall {
			return res, nil, fmt.Errorf("store counts stuck at %v for %s (%d orders never got an outcome); logs in %s", c, o.stall, o.orders-c.total()+c["N"], o.workDir)
		}
		if now.Sub(lastProgress) >= 5*time.Second {
			fmt.Printf("  %5.1fs store: %v\n", now.Sub(t0).Seconds(), c)
			lastProgress = now
		}
		time.Sleep(o.poll)
	}
	for _, s := range []struct {
		p *proc
		u *usage
	}{{src, &res.source}, {tgt, &res.target}, {sb, &res.sandbox}, {br, &res.broker}} {
		if *s.u, err = s.p.sample(); err != nil {
			return res, nil, err
		}
	}
	fmt.Printf("  %5.1fs store: %v — all %d orders settled\n", res.wall.Seconds(), res.counts, o.orders)
	if o.profile > 0 {
		for range addrs {
			if err := <-profiled; err != nil {
				fmt.Printf("  %v\n", err)
			}
		}
	}
	res.problems, err = verifyE2E(ctx, o, res, sims, seeded, src, tgt)
	return res, samples, err
}

// sumSamples is the CPU of the flow's processes together.
func sumSamples(ps ...*proc) (usage, error) {
	var sum usage
	for _, p := range ps {
		u, err := p.sample()
		if err != nil {
			return sum, err
		}
		sum.CPU += u.CPU
		sum.PeakRSS += u.PeakRSS
	}
	return sum, nil
}

// loadAvg is the 1, 5 and 15 minute load averages.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return strings.TrimSpace(string(b))
	}
	return strings.Join(f[:3], " ")
}
