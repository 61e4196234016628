package command

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/datawald/datawald/internal/hubspot"
	"github.com/datawald/datawald/internal/magento"
	nsclient "github.com/datawald/datawald/internal/netsuite"
	"github.com/datawald/datawald/internal/sapb1"

	"github.com/datawald/datawald/internal/demo"
	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/netsuite"
	sbsapb1 "github.com/datawald/datawald/internal/sandbox/sapb1"
	"github.com/datawald/datawald/internal/sandbox/seed"
)

// demoExpectedFlows are the sync directions the demo's first full sync must
// have run at least once.
func demoExpectedFlows() []demo.Flow {
	return []demo.Flow{
		{Source: "magento", Target: "netsuite", TxType: "order"},
		{Source: "magento", Target: "netsuite", TxType: "customer"},
		{Source: "magento", Target: "hubspot", TxType: "customer"},
		{Source: "magento", Target: "sap_b1", TxType: "order"},
		{Source: "netsuite", Target: "magento", TxType: "product"},
		{Source: "netsuite", Target: "magento", TxType: "inventory"},
	}
}

// demoEnv is every ${ENV} value the flows in configs/ read (docs/flows.md
// lists them), pointed at the simulators, the embedded Kafka and the data
// directory.
func demoEnv(sims []runningSandbox, brokers []string, dataDir string, cfg demoConfig) map[string]string {
	env := map[string]string{
		"KAFKA_BROKERS":           strings.Join(brokers, ","),
		"DATAWALD_STORE":          cfg.storeDSN,
		"DATAWALD_CHECKPOINT_DIR": filepath.Join(dataDir, demoCheckpoints),
		"DATAWALD_DEAD_LETTER":    filepath.Join(dataDir, "dead-letter.jsonl"),
		"MAGENTO_POLL_INTERVAL":   cfg.poll.String(),
		"NETSUITE_POLL_INTERVAL":  cfg.poll.String(),
		"NETSUITE_AUTH_MODE":      "tba",
	}
	// Flow variable ← simulator credential, per simulator.
	wanted := map[string]map[string]string{
		"magento": {
			"MAGENTO_STORE_CODE": "store_code", "MAGENTO_CONSUMER_KEY": "consumer_key", "MAGENTO_CONSUMER_SECRET": "consumer_secret",
			"MAGENTO_ACCESS_TOKEN": "access_token", "MAGENTO_ACCESS_TOKEN_SECRET": "access_token_secret",
		},
		"netsuite": {
			"NETSUITE_ACCOUNT_ID": "account_id", "NETSUITE_CONSUMER_KEY": "consumer_key", "NETSUITE_CONSUMER_SECRET": "consumer_secret",
			"NETSUITE_TOKEN_ID": "token_id", "NETSUITE_TOKEN_SECRET": "token_secret", "NETSUITE_TIMEZONE": "time_zone",
		},
		"hubspot": {"HUBSPOT_ACCESS_TOKEN": "access_token"},
		"sapb1":   {"SAPB1_COMPANY_DB": "company_db", "SAPB1_USERNAME": "username", "SAPB1_PASSWORD": "password"},
	}
	for _, s := range sims {
		vars, ok := wanted[s.name]
		if !ok {
			continue
		}
		env[strings.ToUpper(s.name)+"_BASE_URL"] = s.baseURL
		creds := s.server.Vendor().Credentials()
		for envName, credName := range vars {
			env[envName] = creds[credName]
		}
	}
	return env
}

// demoTopics are the backbone topics of the flows in dir: one per
// "<flow>.source.yaml", named as the flows name them with the default
// prefix. The embedded Kafka creates them up front, as an operator would on
// a real cluster (producers do not create topics).
func demoTopics(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.source.yaml"))
	if err != nil {
		return nil, fmt.Errorf("listing flows in %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no flows (*.source.yaml) in %s", dir)
	}
	topics := make([]string, 0, len(files))
	for _, f := range files {
		topics = append(topics, "datawald."+strings.TrimSuffix(filepath.Base(f), ".source.yaml"))
	}
	return topics, nil
}

// demoVendors are the sandbox's simulators, except that the NetSuite
// account and the SAP B1 company start as ERPs before their storefront
// integration: master data (locations, items, customers) but no sales
// orders, fulfillments or invoices, so every order they hold afterwards came
// through the sync; NetSuite's stock counts differ from the storefront's,
// so the inventory flow has something to correct; and the HubSpot portal
// holds its leads but none of the storefront's customers, so every
// customer's contact came through the sync.
func demoVendors() []sandboxVendor {
	vs := make([]sandboxVendor, len(sandboxVendors))
	copy(vs, sandboxVendors)
	for i := range vs {
		switch vs[i].name {
		case "netsuite":
			vs[i].build = buildDemoNetSuite
		case "sapb1":
			vs[i].build = buildDemoSAPB1
		case "hubspot":
			vs[i].build = buildDemoHubSpot
		}
	}
	return vs
}

func buildDemoHubSpot(cfg sandboxConfig, cat *seed.Catalog) (sandbox.Vendor, error) {
	leads := *cat
	leads.Contacts = nil
	kept := map[int]bool{}
	for _, ct := range cat.Contacts {
		if ct.CustomerID == 0 {
			leads.Contacts = append(leads.Contacts, ct)
			kept[ct.ID] = true
		}
	}
	leads.Deals = make([]seed.Deal, len(cat.Deals))
	for i, d := range cat.Deals {
		d.ContactIDs = slices.DeleteFunc(slices.Clone(d.ContactIDs), func(id int) bool { return !kept[id] })
		leads.Deals[i] = d
	}
	return buildHubSpot(cfg, &leads)
}

func buildDemoSAPB1(cfg sandboxConfig, cat *seed.Catalog) (sandbox.Vendor, error) {
	master := *cat
	master.Orders, master.Shipments, master.Invoices = nil, nil, nil
	return sbsapb1.New(sbsapb1.Options{Catalog: &master, SessionTimeout: cfg.sapSessionTimeout}), nil
}

func buildDemoNetSuite(_ sandboxConfig, cat *seed.Catalog) (sandbox.Vendor, error) {
	full := netsuite.FromCatalog(cat)
	ds := &netsuite.DataSet{}
	for _, r := range full.Records {
		switch r.Type {
		case "salesOrder", "itemFulfillment", "invoice":
			continue
		case "inventoryItem":
			for _, l := range r.Sublists["locations"] {
				// A stock count: on hand moves by a deterministic amount.
				delta := float64(r.ID%7 + 1)
				for _, k := range []string{"quantityOnHand", "quantityAvailable"} {
					if q, ok := l[k].(float64); ok {
						l[k] = q + delta
					}
				}
			}
		}
		ds.Records = append(ds.Records, r)
	}
	return netsuite.New(netsuite.Options{Data: ds})
}

// demoVerifier checks the systems once the first full sync settled: on a
// fresh data directory, that the data arrived (demoCheck); on a later run,
// that nothing was written, since the store had delivered it all before.
type demoVerifier struct {
	sims     []runningSandbox
	firstRun bool
}

func (v demoVerifier) run(ctx context.Context, w io.Writer) (int, error) {
	if v.firstRun {
		return demoCheck(ctx, v.sims, w)
	}
	fmt.Fprintln(w, "\nchecking the systems:")
	writes := 0
	for _, s := range v.sims {
		for _, e := range s.server.Stats().Requests {
			if isWrite(e.Endpoint) {
				writes += int(e.Count)
				fmt.Fprintf(w, "  ✗ %s received %d × %s\n", s.name, e.Count, e.Endpoint)
			}
		}
	}
	if writes == 0 {
		fmt.Fprintln(w, "  ✓ nothing was written to any system: every entity read again was unchanged (I)")
	}
	return writes, nil
}

// isWrite reports whether a simulator endpoint template changes data:
// PUT, PATCH, DELETE, and POST except queries and token requests.
func isWrite(endpoint string) bool {
	method, path, _ := strings.Cut(endpoint, " ")
	switch method {
	case "PUT", "PATCH", "DELETE":
		return true
	case "POST":
		return !strings.Contains(path, "suiteql") && !strings.Contains(path, "token") && !strings.Contains(path, "search") &&
			!strings.HasSuffix(path, "/batch/read") && !strings.HasSuffix(path, "/Login") && !strings.HasSuffix(path, "/Logout")
	}
	return false
}

// demoCheck verifies the systems after the first full sync with the
// connectors' own clients and returns the number of problems found.
func demoCheck(ctx context.Context, sims []runningSandbox, w io.Writer) (int, error) {
	creds := map[string]map[string]string{}
	urls := map[string]string{}
	for _, s := range sims {
		creds[s.name] = s.server.Vendor().Credentials()
		urls[s.name] = s.baseURL
	}
	mc, err := magento.New(magento.Config{
		BaseURL: urls["magento"], StoreCode: creds["magento"]["store_code"],
		Auth: magento.Auth{
			Mode:        magento.AuthOAuth1,
			ConsumerKey: creds["magento"]["consumer_key"], ConsumerSecret: creds["magento"]["consumer_secret"],
			AccessToken: creds["magento"]["access_token"], AccessTokenSecret: creds["magento"]["access_token_secret"],
		},
	})
	if err != nil {
		return 0, fmt.Errorf("creating the Magento client: %w", err)
	}
	account, err := nsclient.ParseAccountID(creds["netsuite"]["account_id"])
	if err != nil {
		return 0, err
	}
	nc, err := nsclient.New(nsclient.Config{
		Account: account, BaseURL: urls["netsuite"], ConcurrencyLimit: 5,
		Auth: nsclient.Auth{Mode: nsclient.AuthTBA, TBA: nsclient.TBA{
			ConsumerKey: creds["netsuite"]["consumer_key"], ConsumerSecret: creds["netsuite"]["consumer_secret"],
			TokenID: creds["netsuite"]["token_id"], TokenSecret: creds["netsuite"]["token_secret"],
		}},
	})
	if err != nil {
		return 0, fmt.Errorf("creating the NetSuite client: %w", err)
	}
	hc, err := hubspot.New(hubspot.Config{BaseURL: urls["hubspot"], Token: creds["hubspot"]["access_token"]})
	if err != nil {
		return 0, fmt.Errorf("creating the HubSpot client: %w", err)
	}
	sc, err := sapb1.New(sapb1.Config{
		BaseURL: urls["sapb1"], CompanyDB: creds["sapb1"]["company_db"],
		UserName: creds["sapb1"]["username"], Password: creds["sapb1"]["password"],
	})
	if err != nil {
		return 0, fmt.Errorf("creating the SAP B1 client: %w", err)
	}
	defer func() { _ = sc.Close(context.WithoutCancel(ctx)) }()
	check := demo.Check{Magento: mc, NetSuite: nc, SAPB1: sc, HubSpot: hc}
	fmt.Fprintln(w, "\nchecking the systems:")
	problems := 0
	for _, run := range []func(context.Context, io.Writer) (int, error){check.Orders, check.Inventory, check.SAPB1Orders, check.HubSpotContacts} {
		n, err := run(ctx, w)
		problems += n
		if err != nil {
			return problems, err
		}
	}
	return problems, nil
}
