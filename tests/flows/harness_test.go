// Package flows holds the end-to-end tests of the flow configs in configs/:
// a config file, as shipped, runs against the in-process sandbox
// simulators. The datawald test suites beside this file unit-test the same
// configs' processors.
package flows

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	_ "github.com/redpanda-data/benthos/v4/public/components/io"
	_ "github.com/redpanda-data/benthos/v4/public/components/pure"
	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/require"

	_ "github.com/datawald/datawald/bloblang"
	_ "github.com/datawald/datawald/inputs"
	"github.com/datawald/datawald/internal/httpx"
	"github.com/datawald/datawald/internal/magento"
	"github.com/datawald/datawald/internal/netsuite"
	"github.com/datawald/datawald/internal/sandbox"
	sbmagento "github.com/datawald/datawald/internal/sandbox/magento"
	sbnetsuite "github.com/datawald/datawald/internal/sandbox/netsuite"
	"github.com/datawald/datawald/internal/sandbox/seed"
	"github.com/datawald/datawald/internal/synctask"
	_ "github.com/datawald/datawald/outputs"
	_ "github.com/datawald/datawald/processors"
)

const putRecord = "PUT /services/rest/record/v1/{type}/{id}"

// flowEnv is one run's sandbox, state and environment.
type flowEnv struct {
	t        *testing.T
	root     string
	cat      *seed.Catalog
	ns       *sandbox.Server
	nsURL    string
	mg       *sandbox.Server
	mgURL    string
	store    string
	deadFile string
}

func newFlowEnv(t *testing.T) *flowEnv {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(filepath.Dir(file)))
	t.Chdir(root) // lookup tables are read relative to the repository root

	cat := seed.Generate(seed.Config{Seed: 11, Counts: seed.Counts{Products: 10, Locations: 2, Customers: 6, Orders: 24}})
	mgv := sbmagento.New(sbmagento.Options{Catalog: cat})
	nsv, err := sbnetsuite.New(sbnetsuite.Options{Catalog: cat})
	require.NoError(t, err)
	e := &flowEnv{t: t, root: root, cat: cat}
	e.mg = sandbox.NewServer(mgv, sandbox.Options{})
	e.mgURL, err = e.mg.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.mg.Close() })
	e.ns = sandbox.NewServer(nsv, sandbox.Options{})
	e.nsURL, err = e.ns.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.ns.Close() })

	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "checkpoints"), 0o750))
	e.store = "sqlite://" + filepath.Join(dir, "synctask.db")
	e.deadFile = filepath.Join(dir, "dead-letter.jsonl")
	for k, v := range map[string]string{
		"MAGENTO_BASE_URL": e.mgURL, "NETSUITE_BASE_URL": e.nsURL,
		"DATAWALD_STORE": e.store, "DATAWALD_CHECKPOINT_DIR": filepath.Join(dir, "checkpoints"),
		"DATAWALD_DEAD_LETTER": e.deadFile, "MAGENTO_POLL_INTERVAL": "1h", "NETSUITE_POLL_INTERVAL": "1h",
	} {
		t.Setenv(k, v)
	}
	return e
}

// runConfigs runs each config, with the resource file, as its own stream
// until done reports true or the time is up, then stops them.
func (e *flowEnv) runConfigs(done func() bool, configs ...string) {
	t := e.t
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	var streams []*service.Stream
	for _, config := range configs {
		stream := e.buildStream(config)
		streams = append(streams, stream)
		go func() { _ = stream.Run(ctx) }()
	}
	require.Eventually(t, done, 50*time.Second, 100*time.Millisecond)
	for _, s := range streams {
		require.NoError(t, s.StopWithin(10*time.Second))
	}
}

func (e *flowEnv) buildStream(config string) *service.Stream {
	t := e.t
	var yaml strings.Builder
	for _, name := range []string{"configs/resources/state.yaml", config} {
		raw, err := os.ReadFile(filepath.Join(e.root, name))
		require.NoError(t, err)
		yaml.Write(raw)
		yaml.WriteString("\n")
	}
	// Benthos resolves `from` imports against the directory the process
	// started in, so point them at the repository explicitly.
	conf := strings.ReplaceAll(yaml.String(), `from "bloblang/`, `from "`+e.root+`/bloblang/`)
	sb := service.NewStreamBuilder()
	require.NoError(t, sb.SetYAML(conf))
	require.NoError(t, sb.SetLoggerYAML("level: off"))
	stream, err := sb.Build()
	require.NoError(t, err)
	return stream
}

// orders lists the staged Magento orders by status.
func (e *flowEnv) orders(ctx context.Context, st *synctask.Shared) map[synctask.Status][]synctask.Entity {
	return e.entities(ctx, st, synctask.EntityFilter{Source: "magento", Target: "netsuite", TxType: "order"})
}

// entities lists the staged entities f selects by status.
func (e *flowEnv) entities(ctx context.Context, st *synctask.Shared, f synctask.EntityFilter) map[synctask.Status][]synctask.Entity {
	out := map[synctask.Status][]synctask.Entity{}
	f.Limit = 1000
	page, err := st.ListEntities(ctx, f)
	require.NoError(e.t, err)
	for _, en := range page.Items {
		out[en.Status] = append(out[en.Status], en)
	}
	return out
}

func (e *flowEnv) deadLetters() []map[string]any {
	f, err := os.Open(e.deadFile)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(e.t, err)
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		require.NoError(e.t, json.Unmarshal(sc.Bytes(), &m))
		out = append(out, m)
	}
	require.NoError(e.t, sc.Err())
	return out
}

func (e *flowEnv) netsuiteClient() *netsuite.Client {
	creds := e.ns.Vendor().Credentials()
	acct, err := netsuite.ParseAccountID(creds["account_id"])
	require.NoError(e.t, err)
	c, err := netsuite.New(netsuite.Config{
		Account: acct, BaseURL: e.nsURL,
		Auth: netsuite.Auth{Mode: netsuite.AuthTBA, TBA: netsuite.TBA{
			ConsumerKey: creds["consumer_key"], ConsumerSecret: creds["consumer_secret"],
			TokenID: creds["token_id"], TokenSecret: creds["token_secret"],
		}},
		HTTP: httpx.Settings{Timeout: 5 * time.Second, Retry: httpx.RetryPolicy{MaxAttempts: 3, InitialInterval: 10 * time.Millisecond, MaxInterval: 100 * time.Millisecond, MaxElapsed: 10 * time.Second}},
	})
	require.NoError(e.t, err)
	return c
}

func (e *flowEnv) magentoClient() *magento.Client {
	creds := e.mg.Vendor().Credentials()
	c, err := magento.New(magento.Config{
		BaseURL: e.mgURL, StoreCode: "default",
		Auth: magento.Auth{Mode: magento.AuthOAuth1,
			ConsumerKey: creds["consumer_key"], ConsumerSecret: creds["consumer_secret"],
			AccessToken: creds["access_token"], AccessTokenSecret: creds["access_token_secret"]},
		HTTP: httpx.Settings{Timeout: 5 * time.Second, Retry: httpx.RetryPolicy{MaxAttempts: 3, InitialInterval: 10 * time.Millisecond, MaxInterval: 100 * time.Millisecond, MaxElapsed: 10 * time.Second}, MaxResponseBytes: 1 << 24},
	})
	require.NoError(e.t, err)
	return c
}
