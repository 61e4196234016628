package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/urfave/cli/v2"

	"github.com/datawald/datawald/internal/demo"
	"github.com/datawald/datawald/internal/sandbox/seed"
	"github.com/datawald/datawald/internal/streamsguard"
	"github.com/datawald/datawald/internal/synctask"
)

// Flag names of `datawald demo`.
const (
	demoFlagOnce     = "once"
	demoFlagDataDir  = "data-dir"
	demoFlagAddress  = "http-address"
	demoFlagPoll     = "poll-interval"
	demoFlagOrders   = "orders"
	demoFlagSeed     = "seed"
	demoFlagTimeout  = "timeout"
	demoFlagConfigs  = "configs"
	demoFlagFresh    = "fresh"
	demoFlagQuiet    = "settle"
	demoFlagReread   = "reread"
	demoStoreFile    = "synctask.db"
	demoCheckpoints  = "checkpoints"
	demoObservConfig = "observability.yaml"
)

func init() { register(demoCommand()) }

func demoCommand() *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "Run the Kafka flows (Magento ⇄ NetSuite, Magento → HubSpot, Magento → SAP B1) end to end against local simulators, with no outside services",
		Description: `Starts the vendor simulators (the same ones as 'datawald sandbox'), an embedded
Kafka broker (franz-go's kfake: DEVELOPMENT ONLY, in memory, not a real Kafka),
the SQLite sync-task store under --data-dir, and every flow of --configs
(Magento ⇄ NetSuite, Magento customers → HubSpot, Magento orders → SAP B1) in
streams mode. It prints progress per flow while they sync, then a
summary per task, and keeps running with the streams API, the sync-task API
(/datawald/v1) and /metrics on --http-address so you can poke at it.

With --once it exits after the first full sync: 0 when every entity ended S or I,
1 when any ended F or ?, 2 when the sync did not settle within --timeout.
After the first full sync of a fresh --data-dir it checks the systems with the
connectors' own clients: NetSuite and SAP B1 each hold exactly one order per
exported storefront order, with the same lines (and, in NetSuite, total),
Magento holds the stock NetSuite has, and HubSpot holds a contact with the
storefront's name for every storefront customer. The store and checkpoints
stay in --data-dir, so a second run sends nothing new; with --reread it reads
every source from the start again and the store's content dedupe stages every
unchanged entity I, so still nothing is written to any system (checked from
the simulators' request counts).
--fresh deletes --data-dir first.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: demoFlagOnce, Usage: "exit after the first full sync (non-zero if anything failed)"},
			&cli.StringFlag{Name: demoFlagDataDir, Value: ".datawald-demo", Usage: "where the sync-task store and checkpoints live"},
			&cli.BoolFlag{Name: demoFlagFresh, Usage: "delete --data-dir before starting"},
			&cli.BoolFlag{Name: demoFlagReread, Usage: "forget the sources' positions (not the store) and read everything again"},
			&cli.StringFlag{Name: demoFlagAddress, Value: "127.0.0.1:4195", Usage: "address of the HTTP API (streams, /datawald/v1, /metrics)"},
			&cli.DurationFlag{Name: demoFlagPoll, Value: 5 * time.Second, Usage: "how often the sources poll"},
			&cli.IntFlag{Name: demoFlagOrders, Value: 200, Usage: "storefront orders in the simulated data set"},
			&cli.Uint64Flag{Name: demoFlagSeed, Value: 1, Usage: "seed of the simulated data set"},
			&cli.DurationFlag{Name: demoFlagTimeout, Value: 10 * time.Minute, Usage: "with --once, give up after this long"},
			&cli.DurationFlag{Name: demoFlagQuiet, Value: 0, Usage: "with --once, how long nothing may change before the sync counts as settled (default three poll intervals)"},
			&cli.StringFlag{Name: demoFlagConfigs, Value: filepath.Join("configs", "kafka"), Usage: "directory of stream configs to run"},
		},
		Action: runDemo,
	}
}

type demoConfig struct {
	once     bool
	dataDir  string
	address  string
	poll     time.Duration
	settle   time.Duration
	timeout  time.Duration
	configs  string
	seed     seed.Config
	out      io.Writer
	fresh    bool
	reread   bool
	storeDSN string
}

func runDemo(c *cli.Context) error {
	cfg := demoConfig{
		once: c.Bool(demoFlagOnce), dataDir: c.String(demoFlagDataDir), address: c.String(demoFlagAddress),
		poll: c.Duration(demoFlagPoll), settle: c.Duration(demoFlagQuiet), timeout: c.Duration(demoFlagTimeout),
		configs: c.String(demoFlagConfigs), fresh: c.Bool(demoFlagFresh), reread: c.Bool(demoFlagReread), out: c.App.Writer,
		seed: seed.Config{Seed: c.Uint64(demoFlagSeed), Counts: seed.Counts{Orders: c.Int(demoFlagOrders)}},
	}
	if cfg.out == nil {
		cfg.out = os.Stdout
	}
	if cfg.poll <= 0 || cfg.timeout <= 0 || cfg.settle < 0 || c.Int(demoFlagOrders) < 0 {
		return cli.Exit("checking flags: --poll-interval and --timeout must be positive, --settle and --orders not negative", 1)
	}
	if cfg.settle == 0 {
		cfg.settle = 3 * cfg.poll
	}
	code, err := demoRun(c.Context, cfg)
	if err != nil {
		return cli.Exit("demo: "+err.Error(), max(code, 1))
	}
	if code != 0 {
		return cli.Exit("", code)
	}
	return nil
}

// demoRun sets everything up, runs the flows and watches them; it returns
// the process exit code.
func demoRun(parent context.Context, cfg demoConfig) (int, error) {
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	defer stop()

	if cfg.fresh {
		if err := os.RemoveAll(cfg.dataDir); err != nil {
			return 1, fmt.Errorf("removing %s: %w", cfg.dataDir, err)
		}
	}
	dataDir, err := filepath.Abs(cfg.dataDir)
	if err != nil {
		return 1, err
	}
	if cfg.reread {
		if err := os.RemoveAll(filepath.Join(dataDir, demoCheckpoints)); err != nil {
			return 1, fmt.Errorf("forgetting the sources' positions: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dataDir, demoCheckpoints), 0o755); err != nil {
		return 1, fmt.Errorf("creating data directory: %w", err)
	}
	cfg.storeDSN = "sqlite://" + filepath.Join(dataDir, demoStoreFile)

	// Simulators, all four, from one data set.
	sbCfg := sandboxConfig{host: "127.0.0.1", vendors: demoVendors(), listen: map[string]string{}, seed: cfg.seed, profile: profileVendor, sapSessionTimeout: 30 * time.Minute}
	cat := seed.Generate(cfg.seed)
	sims, err := startSandboxes(sbCfg, cat)
	if err != nil {
		return 1, err
	}
	defer func() { _ = shutdownSandboxes(sims) }()

	// The embedded Kafka.
	topics, err := demoTopics(cfg.configs)
	if err != nil {
		return 1, err
	}
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(3), kfake.SeedTopics(3, topics...))
	if err != nil {
		return 1, fmt.Errorf("starting embedded Kafka: %w", err)
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()

	fmt.Fprintf(cfg.out, "datawald demo — everything local, nothing leaves this machine\n")
	fmt.Fprintf(cfg.out, "  embedded Kafka (kfake, DEVELOPMENT ONLY, in memory): %v\n", brokers)
	for _, s := range sims {
		fmt.Fprintf(cfg.out, "  %-8s simulator: %s\n", s.name, s.baseURL)
	}
	fmt.Fprintf(cfg.out, "  sync-task store: %s\n  flows: %s (poll every %s)\n", filepath.Join(dataDir, demoStoreFile), cfg.configs, cfg.poll)
	fmt.Fprintf(cfg.out, "  HTTP API: http://%s  (/streams, /datawald/v1/tasks, /metrics)\n\n", cfg.address)

	env := demoEnv(sims, brokers, dataDir, cfg)
	for k, v := range env {
		if err := os.Setenv(k, v); err != nil {
			return 1, fmt.Errorf("setting %s: %w", k, err)
		}
	}
	obs := filepath.Join(dataDir, demoObservConfig)
	if err := os.WriteFile(obs, []byte(demoObservability(cfg.address)), 0o600); err != nil {
		return 1, fmt.Errorf("writing %s: %w", obs, err)
	}

	store, err := synctask.Acquire(ctx, cfg.storeDSN)
	if err != nil {
		return 1, err
	}
	defer func() { _ = store.Release(context.Background()) }()
	before, err := demo.Take(ctx, store)
	if err != nil {
		return 1, err
	}
	firstRun := len(before.Tasks) == 0
	if !firstRun {
		fmt.Fprintf(cfg.out, "the store already holds %d tasks from earlier runs: expecting nothing new to be sent\n\n", len(before.Tasks))
	}

	streamsCtx, stopStreams := context.WithCancel(ctx)
	defer stopStreams()
	streamsDone := make(chan error, 1)
	args, err := streamsguard.ParseArgs([]string{"-o", obs, "-r", filepath.Join("configs", "resources", "*.yaml"), cfg.configs})
	if err != nil {
		return 0, err
	}
	go func() { streamsDone <- runGuardedStreams(streamsCtx, args) }()

	return watchDemo(ctx, cfg, demoVerifier{sims: sims, firstRun: firstRun}, store, streamsDone, stopStreams)
}

// watchDemo prints progress until the sync settles (--once) or the user
// stops the demo, then the summary.
func watchDemo(ctx context.Context, cfg demoConfig, verify demoVerifier, store synctask.Store, streamsDone <-chan error, stopStreams func()) (int, error) {
	settler := demo.Settler{Expect: demoExpectedFlows(), Quiet: cfg.settle}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var deadline <-chan time.Time
	if cfg.once {
		deadline = time.After(cfg.timeout)
	}
	lastLine := ""
	settled := false
	finish := func(code int) (int, error) {
		stopStreams()
		snap, err := demo.Take(context.Background(), store)
		if err == nil {
			snap.WriteSummary(cfg.out)
		}
		select {
		case <-streamsDone:
		case <-time.After(15 * time.Second):
		}
		return code, err
	}
	for {
		select {
		case err := <-streamsDone:
			if err == nil {
				err = errors.New("the flows stopped")
			}
			snap, _ := demo.Take(context.Background(), store)
			snap.WriteSummary(cfg.out)
			return 1, fmt.Errorf("running the flows: %w", err)
		case <-ctx.Done():
			return finish(0)
		case <-deadline:
			snap, _ := demo.Take(ctx, store)
			fmt.Fprintf(cfg.out, "the first sync did not settle within %s (flows without a task yet: %v)\n", cfg.timeout, settler.Missing(snap))
			return finish(2)
		case now := <-tick.C:
			snap, err := demo.Take(ctx, store)
			if err != nil {
				return finish(1)
			}
			if line := snap.ProgressLine(); line != lastLine {
				fmt.Fprintf(cfg.out, "[%s] %s\n", now.Format("15:04:05"), line)
				lastLine = line
			}
			if settled || !settler.Observe(snap, now) {
				continue
			}
			settled = true
			fmt.Fprintln(cfg.out, "first full sync settled")
			code := 0
			if snap.Failed() {
				code = 1
			}
			problems, err := verify.run(ctx, cfg.out)
			if err != nil {
				fmt.Fprintf(cfg.out, "  ✗ checking: %v\n", err)
			}
			if err != nil || problems > 0 {
				code = 1
			}
			if cfg.once {
				return finish(code)
			}
			fmt.Fprintln(cfg.out, "still running: change data through the simulators' /_sandbox/mutate and watch it flow; Ctrl-C stops")
		}
	}
}

// demoObservability is the streams-mode root config: the HTTP API on the
// demo's address, Prometheus metrics, quiet logs.
func demoObservability(address string) string {
	return fmt.Sprintf(`http:
  address: %s
metrics:
  prometheus: {}
logger:
  level: warn
  format: logfmt
`, address)
}

// freePort is a loopback address that was free a moment ago.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
