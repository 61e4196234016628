package command

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/hubspot"
	"github.com/datawald/datawald/internal/sandbox/magento"
	"github.com/datawald/datawald/internal/sandbox/netsuite"
	"github.com/datawald/datawald/internal/sandbox/sapb1"
	"github.com/datawald/datawald/internal/sandbox/seed"
)

func init() { register(sandboxCommand()) }

// Flag names of `datawald sandbox`.
const (
	sbFlagHost          = "host"
	sbFlagBasePort      = "base-port"
	sbFlagVendors       = "vendors"
	sbFlagSeed          = "seed"
	sbFlagProducts      = "products"
	sbFlagLocations     = "locations"
	sbFlagCustomers     = "customers"
	sbFlagOrders        = "orders"
	sbFlagCompanies     = "companies"
	sbFlagContacts      = "contacts"
	sbFlagDeals         = "deals"
	sbFlagDays          = "days"
	sbFlagLatency       = "latency"
	sbFlagErrorRate     = "error-rate"
	sbFlagRateLimitRate = "rate-limit-rate"
	sbFlagDropRate      = "drop-rate"
	sbFlagSlowRate      = "slow-rate"
	sbFlagSlowLatency   = "slow-latency"
	sbFlagFaultSeed     = "fault-seed"
	sbFlagProfile       = "rate-limit-profile"
	sbFlagJSON          = "json"
	sbFlagMagentoBearer = "magento-bearer-tokens"
	sbFlagHubSpotLag    = "hubspot-search-lag"
	sbFlagSAPSession    = "sapb1-session-timeout"
	sbListenSuffix      = "-listen"
)

// Rate-limit profiles: the limits that belong to a vendor's real behaviour
// (NetSuite's requests in flight, HubSpot's rolling window and search limit).
const (
	profileVendor = "vendor" // each vendor's real default limits
	profileNone   = "none"   // no vendor limit at all, for benchmarks
	profileStrict = "strict" // tighter than the defaults, to exercise back-off
)

// sandboxVendor is one simulator the command can serve.
type sandboxVendor struct {
	name string
	// portOffset is added to --base-port.
	portOffset int
	build      func(cfg sandboxConfig, cat *seed.Catalog) (sandbox.Vendor, error)
}

// sandboxVendors lists the simulators in the order they are served and
// printed.
var sandboxVendors = []sandboxVendor{
	{name: "netsuite", portOffset: 0, build: buildNetSuite},
	{name: "magento", portOffset: 1, build: buildMagento},
	{name: "hubspot", portOffset: 2, build: buildHubSpot},
	{name: "sapb1", portOffset: 3, build: buildSAPB1},
}

// buildSAPB1 serves the catalog; the Service Layer has no rate limit of its
// own, so every profile is the same.
func buildSAPB1(cfg sandboxConfig, cat *seed.Catalog) (sandbox.Vendor, error) {
	return sapb1.New(sapb1.Options{Catalog: cat, SessionTimeout: cfg.sapSessionTimeout}), nil
}

func buildNetSuite(cfg sandboxConfig, cat *seed.Catalog) (sandbox.Vendor, error) {
	o := netsuite.Options{Catalog: cat}
	switch cfg.profile {
	case profileNone:
		o.ConcurrencyLimit = -1
	case profileStrict:
		o.ConcurrencyLimit = 1
	}
	return netsuite.New(o)
}

// buildMagento serves the catalog; Magento has no API rate limit by
// default, so every profile is the same.
func buildMagento(cfg sandboxConfig, cat *seed.Catalog) (sandbox.Vendor, error) {
	return magento.New(magento.Options{Catalog: cat, AllowBearerIntegrationToken: cfg.magentoBearer}), nil
}

func buildHubSpot(cfg sandboxConfig, cat *seed.Catalog) (sandbox.Vendor, error) {
	o := hubspot.Options{Catalog: cat, SearchLag: cfg.hubspotSearchLag}
	switch cfg.profile {
	case profileNone:
		o.RateLimit, o.SearchRateLimit, o.DailyLimit = -1, -1, -1
	case profileStrict:
		o.RateLimit, o.SearchRateLimit = 20, 2
	}
	return hubspot.New(o), nil
}

func sandboxCommand() *cli.Command {
	flags := []cli.Flag{
		&cli.StringFlag{Name: sbFlagHost, Value: "127.0.0.1", Usage: "interface the simulators listen on"},
		&cli.IntFlag{Name: sbFlagBasePort, Value: 8480, Usage: "first port: each simulator listens on base-port + its offset (netsuite 0, magento 1, hubspot 2, sapb1 3); 0 picks free ports"},
		&cli.StringSliceFlag{Name: sbFlagVendors, Usage: "simulators to serve (default all): " + strings.Join(vendorNames(), ", ")},
		&cli.Uint64Flag{Name: sbFlagSeed, Value: 1, Usage: "seed of the generated data set; the same seed gives the same data on the same day"},
		&cli.IntFlag{Name: sbFlagProducts, Value: seed.DefaultCounts().Products, Usage: "number of products"},
		&cli.IntFlag{Name: sbFlagLocations, Value: seed.DefaultCounts().Locations, Usage: fmt.Sprintf("number of warehouses (at most %d)", seed.MaxLocations)},
		&cli.IntFlag{Name: sbFlagCustomers, Value: seed.DefaultCounts().Customers, Usage: "number of customers"},
		&cli.IntFlag{Name: sbFlagOrders, Value: seed.DefaultCounts().Orders, Usage: "number of orders"},
		&cli.IntFlag{Name: sbFlagCompanies, Value: seed.DefaultCounts().Companies, Usage: "number of CRM companies"},
		&cli.IntFlag{Name: sbFlagContacts, Usage: "number of CRM contacts (default customers + 50)"},
		&cli.IntFlag{Name: sbFlagDeals, Value: seed.DefaultCounts().Deals, Usage: "number of CRM deals"},
		&cli.IntFlag{Name: sbFlagDays, Value: seed.DefaultCounts().Days, Usage: "days of history the timestamps spread over"},
		&cli.DurationFlag{Name: sbFlagLatency, Usage: "latency added to every vendor request, e.g. 20ms"},
		&cli.Float64Flag{Name: sbFlagErrorRate, Usage: "share of requests answered 500, 502 or 503 (0..1)"},
		&cli.Float64Flag{Name: sbFlagRateLimitRate, Usage: "share of requests answered 429 (0..1)"},
		&cli.Float64Flag{Name: sbFlagDropRate, Usage: "share of requests whose connection is closed without a response (0..1)"},
		&cli.Float64Flag{Name: sbFlagSlowRate, Usage: "share of requests handled but answered only after --slow-latency, e.g. past a client's timeout (0..1)"},
		&cli.DurationFlag{Name: sbFlagSlowLatency, Usage: "how long a slow response is held back, e.g. 30s"},
		&cli.Uint64Flag{Name: sbFlagFaultSeed, Usage: "non-zero makes the fault draws reproducible"},
		&cli.StringFlag{Name: sbFlagProfile, Value: profileVendor, Usage: "vendor rate limits: " +
			"vendor (the real defaults: NetSuite 5 requests in flight, HubSpot 100 per 10 s and 5 searches/s), " +
			"none (no vendor limit, for benchmarks), strict (NetSuite 1 in flight, HubSpot 20 per 10 s and 2 searches/s)"},
		&cli.BoolFlag{Name: sbFlagJSON, Usage: "print one JSON object per simulator instead of text"},
		&cli.BoolFlag{Name: sbFlagMagentoBearer, Usage: "let Magento accept the integration access token as a standalone bearer token " +
			"(Magento's \"Allow OAuth Access Tokens to be used as standalone Bearer tokens\" setting; off by default, as in Magento 2.4.4+)"},
		&cli.DurationFlag{Name: sbFlagHubSpotLag, Usage: "how long a HubSpot change takes to become searchable, e.g. 5s (default at once)"},
		&cli.DurationFlag{Name: sbFlagSAPSession, Value: 30 * time.Minute, Usage: "how long an unused SAP B1 session lives before requests answer 401 with code 301"},
	}
	for _, v := range sandboxVendors {
		flags = append(flags, &cli.StringFlag{
			Name:  v.name + sbListenSuffix,
			Usage: fmt.Sprintf("host:port for %s, overriding --%s and --%s", v.name, sbFlagHost, sbFlagBasePort),
		})
	}
	return &cli.Command{
		Name:  "sandbox",
		Usage: "Serve local simulators of the vendor APIs (" + strings.Join(vendorNames(), ", ") + ")",
		Description: `Serves faithful local simulators of the vendor APIs on 127.0.0.1, all loaded
with the same deterministic data set (the same SKUs, customers and orders in
every system), and prints each base URL with the credentials to use. Every
simulator also answers:

  GET/PUT /_sandbox/faults   injected faults (error_rate, rate_limit_rate, drop_rate, latency)
  GET     /_sandbox/stats    requests by endpoint template and status, max concurrency
  POST    /_sandbox/mutate   change records as a user would ({"entity":...,"count":...})
  POST    /_sandbox/reset    restore the seeded data and clear the stats

Stops on SIGINT or SIGTERM.

Example:
  datawald sandbox --seed 42 --orders 5000 --latency 20ms --error-rate 0.01`,
		Flags:  flags,
		Action: runSandbox,
	}
}

// sandboxConfig is the parsed command line.
type sandboxConfig struct {
	host      string
	basePort  int
	listen    map[string]string // vendor → explicit host:port
	vendors   []sandboxVendor
	seed      seed.Config
	faults    sandbox.Faults
	faultSeed uint64
	profile   string
	json      bool
	// magentoBearer and hubspotSearchLag are vendor settings.
	magentoBearer     bool
	hubspotSearchLag  time.Duration
	sapSessionTimeout time.Duration
}

func sandboxConfigFromContext(c *cli.Context) (sandboxConfig, error) {
	cfg := sandboxConfig{
		host:     c.String(sbFlagHost),
		basePort: c.Int(sbFlagBasePort),
		listen:   map[string]string{},
		seed: seed.Config{Seed: c.Uint64(sbFlagSeed), Counts: seed.Counts{
			Products: c.Int(sbFlagProducts), Locations: c.Int(sbFlagLocations),
			Customers: c.Int(sbFlagCustomers), Orders: c.Int(sbFlagOrders),
			Companies: c.Int(sbFlagCompanies), Contacts: c.Int(sbFlagContacts),
			Deals: c.Int(sbFlagDeals), Days: c.Int(sbFlagDays),
		}},
		faults: sandbox.Faults{
			ErrorRate: c.Float64(sbFlagErrorRate), RateLimitRate: c.Float64(sbFlagRateLimitRate),
			DropRate: c.Float64(sbFlagDropRate), Latency: sandbox.Duration(c.Duration(sbFlagLatency)),
			SlowRate: c.Float64(sbFlagSlowRate), SlowLatency: sandbox.Duration(c.Duration(sbFlagSlowLatency)),
		},
		faultSeed: c.Uint64(sbFlagFaultSeed),
		profile:   c.String(sbFlagProfile),
		json:      c.Bool(sbFlagJSON),

		magentoBearer:     c.Bool(sbFlagMagentoBearer),
		hubspotSearchLag:  c.Duration(sbFlagHubSpotLag),
		sapSessionTimeout: c.Duration(sbFlagSAPSession),
	}
	if cfg.sapSessionTimeout <= 0 {
		return cfg, fmt.Errorf("checking --%s: must be positive, got %s", sbFlagSAPSession, cfg.sapSessionTimeout)
	}
	if cfg.hubspotSearchLag < 0 {
		return cfg, fmt.Errorf("checking --%s: must not be negative, got %s", sbFlagHubSpotLag, cfg.hubspotSearchLag)
	}
	if err := cfg.faults.Validate(); err != nil {
		return cfg, fmt.Errorf("checking fault flags: %w", err)
	}
	if !slices.Contains([]string{profileVendor, profileNone, profileStrict}, cfg.profile) {
		return cfg, fmt.Errorf("checking --%s: %q is not one of %s, %s, %s", sbFlagProfile, cfg.profile, profileVendor, profileNone, profileStrict)
	}
	if cfg.basePort < 0 || cfg.basePort+len(sandboxVendors) > 65535 {
		return cfg, fmt.Errorf("checking --%s: %d is not a usable port", sbFlagBasePort, cfg.basePort)
	}
	counts := map[string]int{sbFlagProducts: c.Int(sbFlagProducts), sbFlagLocations: c.Int(sbFlagLocations),
		sbFlagCustomers: c.Int(sbFlagCustomers), sbFlagOrders: c.Int(sbFlagOrders), sbFlagCompanies: c.Int(sbFlagCompanies),
		sbFlagContacts: c.Int(sbFlagContacts), sbFlagDeals: c.Int(sbFlagDeals), sbFlagDays: c.Int(sbFlagDays)}
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		if counts[name] < 0 {
			return cfg, fmt.Errorf("checking --%s: must not be negative, got %d", name, counts[name])
		}
	}
	if n := c.Int(sbFlagLocations); n > seed.MaxLocations {
		return cfg, fmt.Errorf("checking --%s: at most %d, got %d", sbFlagLocations, seed.MaxLocations, n)
	}
	selected := map[string]bool{}
	for _, arg := range c.StringSlice(sbFlagVendors) {
		for _, n := range strings.Split(arg, ",") {
			if n = strings.TrimSpace(n); n == "" {
				continue
			}
			if !slices.Contains(vendorNames(), n) {
				return cfg, fmt.Errorf("checking --%s: unknown simulator %q (have %s)", sbFlagVendors, n, strings.Join(vendorNames(), ", "))
			}
			selected[n] = true
		}
	}
	for _, v := range sandboxVendors {
		if len(selected) == 0 || selected[v.name] {
			cfg.vendors = append(cfg.vendors, v)
		}
		if addr := c.String(v.name + sbListenSuffix); addr != "" {
			if _, _, err := net.SplitHostPort(addr); err != nil {
				return cfg, fmt.Errorf("checking --%s%s: %w", v.name, sbListenSuffix, err)
			}
			cfg.listen[v.name] = addr
		}
	}
	return cfg, nil
}

// addr is where v listens.
func (cfg sandboxConfig) addr(v sandboxVendor) string {
	if a, ok := cfg.listen[v.name]; ok {
		return a
	}
	port := 0
	if cfg.basePort != 0 {
		port = cfg.basePort + v.portOffset
	}
	return net.JoinHostPort(cfg.host, strconv.Itoa(port))
}

// runningSandbox is one started simulator.
type runningSandbox struct {
	name    string
	baseURL string
	server  *sandbox.Server
}

func runSandbox(c *cli.Context) error {
	began := time.Now()
	cfg, err := sandboxConfigFromContext(c)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()

	cat := seed.Generate(cfg.seed)
	running, err := startSandboxes(cfg, cat)
	if err != nil {
		return err
	}
	out := c.App.Writer
	if out == nil {
		out = os.Stdout
	}
	if err := printSandboxes(out, cfg, cat, running, time.Since(began)); err != nil {
		_ = shutdownSandboxes(running)
		return fmt.Errorf("printing simulator addresses: %w", err)
	}
	<-ctx.Done()
	return shutdownSandboxes(running)
}

// startSandboxes builds every selected vendor from the one data set, in
// parallel since each renders the catalog into its own records, then starts
// them. On error the ones already started are closed.
func startSandboxes(cfg sandboxConfig, cat *seed.Catalog) ([]runningSandbox, error) {
	if len(cfg.vendors) == 0 {
		return nil, errors.New("starting sandbox: no simulator selected")
	}
	vendors := make([]sandbox.Vendor, len(cfg.vendors))
	errs := make([]error, len(cfg.vendors))
	var wg sync.WaitGroup
	for i, v := range cfg.vendors {
		wg.Go(func() {
			vendors[i], errs[i] = v.build(cfg, cat)
			if errs[i] != nil {
				errs[i] = fmt.Errorf("building %s simulator: %w", v.name, errs[i])
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var running []runningSandbox
	for i, v := range cfg.vendors {
		srv := sandbox.NewServer(vendors[i], sandbox.Options{Faults: cfg.faults, FaultSeed: cfg.faultSeed})
		baseURL, err := srv.Start(cfg.addr(v))
		if err != nil {
			_ = shutdownSandboxes(running)
			return nil, err
		}
		running = append(running, runningSandbox{name: v.name, baseURL: baseURL, server: srv})
	}
	return running, nil
}

// shutdownSandboxes lets requests in flight finish for up to five seconds,
// then closes what is left.
func shutdownSandboxes(running []runningSandbox) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	for _, r := range running {
		if err := r.server.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stopping %s simulator: %w", r.name, err))
			_ = r.server.Close()
		}
	}
	return errors.Join(errs...)
}

// sandboxLine is one simulator in --json output.
type sandboxLine struct {
	Vendor      string            `json:"vendor"`
	BaseURL     string            `json:"base_url"`
	Credentials map[string]string `json:"credentials"`
}

func printSandboxes(w io.Writer, cfg sandboxConfig, cat *seed.Catalog, running []runningSandbox, took time.Duration) error {
	if cfg.json {
		enc := json.NewEncoder(w)
		for _, r := range running {
			if err := enc.Encode(sandboxLine{Vendor: r.name, BaseURL: r.baseURL, Credentials: r.server.Vendor().Credentials()}); err != nil {
				return err
			}
		}
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "datawald sandbox: seed %d, rate-limit profile %s, faults %s\n", cfg.seed.Seed, cfg.profile, describeFaults(cfg.faults))
	fmt.Fprintf(&b, "data: %d products, %d locations, %d customers, %d orders, %d companies, %d contacts, %d deals, %s to %s\n\n",
		len(cat.Products), len(cat.Locations), len(cat.Customers), len(cat.Orders), len(cat.Companies), len(cat.Contacts), len(cat.Deals),
		cat.Start.Format(time.DateOnly), cat.End.Format(time.DateOnly))
	for _, r := range running {
		fmt.Fprintf(&b, "%s %s\n", r.name, r.baseURL)
		creds := r.server.Vendor().Credentials()
		for _, k := range slices.Sorted(maps.Keys(creds)) {
			v := creds[k]
			if strings.Contains(v, "\n") {
				fmt.Fprintf(&b, "  %s: |\n    %s\n", k, strings.ReplaceAll(strings.TrimRight(v, "\n"), "\n", "\n    "))
				continue
			}
			fmt.Fprintf(&b, "  %s: %s\n", k, v)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "ready in %s; /_sandbox/{faults,stats,mutate,reset} on every simulator; Ctrl-C stops\n", took.Round(time.Millisecond))
	_, err := io.WriteString(w, b.String())
	return err
}

func vendorNames() []string {
	names := make([]string, len(sandboxVendors))
	for i, v := range sandboxVendors {
		names[i] = v.name
	}
	return names
}

func describeFaults(f sandbox.Faults) string {
	if f == (sandbox.Faults{}) {
		return "none"
	}
	return fmt.Sprintf("error_rate=%g rate_limit_rate=%g drop_rate=%g latency=%s",
		f.ErrorRate, f.RateLimitRate, f.DropRate, time.Duration(f.Latency))
}
