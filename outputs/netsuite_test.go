package outputs

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/httpx"
	"github.com/datawald/datawald/internal/netsuite"
	"github.com/datawald/datawald/internal/sandbox"
	sbnetsuite "github.com/datawald/datawald/internal/sandbox/netsuite"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
	"github.com/datawald/datawald/internal/sandbox/seed"
	"github.com/datawald/datawald/internal/synctask"
)

// netsuiteOutputHarness is a simulated account, a sync-task store where the
// test stages what it delivers, and outputs built on both.
type netsuiteOutputHarness struct {
	t      testing.TB
	vendor *sbnetsuite.Vendor
	server *sandbox.Server
	url    string
	cat    *seed.Catalog
	store  *synctask.Shared
	seq    int
}

func startNetSuiteOutput(t testing.TB, counts seed.Counts, vo sbnetsuite.Options, so sandbox.Options) *netsuiteOutputHarness {
	t.Helper()
	cat := seed.Generate(seed.Config{Seed: 1, Counts: counts}) // `datawald sandbox`'s default data set
	vo.Catalog = cat
	v, err := sbnetsuite.New(vo)
	require.NoError(t, err)
	srv, url := sandboxtest.Start(t, v, so)
	shared, err := synctask.Acquire(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "synctask.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = shared.Release(context.Background()) })
	return &netsuiteOutputHarness{t: t, vendor: v, server: srv, url: url, cat: cat, store: shared}
}

func (h *netsuiteOutputHarness) clientConfig() netsuite.Config {
	creds := h.vendor.Credentials()
	acct, err := netsuite.ParseAccountID(creds["account_id"])
	require.NoError(h.t, err)
	return netsuite.Config{
		Account: acct, BaseURL: h.url,
		Auth: netsuite.Auth{Mode: netsuite.AuthOAuth2, OAuth2: netsuite.ClientCredentials{
			ClientID: creds["client_id"], CertificateID: creds["certificate_id"], PrivateKeyPEM: creds["private_key_pem"],
		}},
		HTTP: httpx.Settings{Timeout: 5 * time.Second, Retry: httpx.RetryPolicy{MaxAttempts: 6, InitialInterval: 5 * time.Millisecond, MaxInterval: 50 * time.Millisecond, MaxElapsed: 30 * time.Second}},
	}
}

func (h *netsuiteOutputHarness) output(tune func(*netsuiteOutputConfig)) *netsuiteOutput {
	h.t.Helper()
	cfg := netsuiteOutputConfig{client: h.clientConfig(), operation: noOpUpsert, replace: true, asyncPoll: 5 * time.Millisecond, asyncTimeout: 30 * time.Second}
	var err error
	cfg.recordType, err = service.NewInterpolatedString(`${! @netsuite_record_type }`)
	require.NoError(h.t, err)
	cfg.externalID, err = service.NewInterpolatedString(`${! @netsuite_external_id }`)
	require.NoError(h.t, err)
	cfg.internalID, err = service.NewInterpolatedString(`${! @netsuite_internal_id }`)
	require.NoError(h.t, err)
	if tune != nil {
		tune(&cfg)
	}
	rep := synctask.NewReporter(h.store, synctask.ReporterConfig{MaxAttempts: 8, InitialBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}, nil)
	out, err := newNetSuiteOutput(cfg, rep, service.MockResources())
	require.NoError(h.t, err)
	require.NoError(h.t, out.Connect(context.Background()))
	return out
}

// orders renders n catalog orders as sales order bodies with external ids
// "<prefix>-<n>", and returns their line counts.
func (h *netsuiteOutputHarness) orders(prefix string, n int) (ids []string, bodies [][]byte, lines map[string]int) {
	h.t.Helper()
	lines = map[string]int{}
	for i := range n {
		o := h.cat.Orders[i%len(h.cat.Orders)]
		eid := fmt.Sprintf("%s-%d", prefix, i+1)
		var items []map[string]any
		for _, l := range o.Lines {
			items = append(items, map[string]any{"item": map[string]any{"externalId": l.SKU}, "quantity": l.Qty, "rate": l.UnitPrice.Float64()})
		}
		body, err := json.Marshal(map[string]any{
			"externalId": eid, "entity": map[string]any{"externalId": fmt.Sprintf("CUS-%06d", o.CustomerID)},
			"otherRefNum": o.Number, "item": map[string]any{"items": items},
		})
		require.NoError(h.t, err)
		ids, bodies = append(ids, eid), append(bodies, body)
		lines[eid] = len(items)
	}
	return ids, bodies, lines
}

// stage stages bodies as entities of one task and returns them as messages
// carrying the envelope and the mapping's metadata.
func (h *netsuiteOutputHarness) stage(recordType string, ids []string, bodies [][]byte) []*service.Message {
	h.t.Helper()
	h.seq++
	spec := synctask.TaskSpec{ID: fmt.Sprintf("ns-task-%d", h.seq), TxType: "order", Source: "magento", Target: "netsuite"}
	in := make([]synctask.StageInput, len(ids))
	for i, id := range ids {
		in[i] = synctask.StageInput{Key: synctask.Key{Source: "magento", Target: "netsuite", TxType: "order", SrcID: id}, Data: bodies[i]}
	}
	res, err := h.store.Stage(context.Background(), spec, in)
	require.NoError(h.t, err)
	msgs := make([]*service.Message, len(ids))
	for i := range ids {
		m := service.NewMessage(bodies[i])
		synctask.SetEnvelope(m, synctask.Envelope{Key: in[i].Key, TaskID: spec.ID, Hash: res[i].Hash})
		m.MetaSetMut("netsuite_record_type", recordType)
		m.MetaSetMut("netsuite_external_id", ids[i])
		msgs[i] = m
	}
	return msgs
}

// writeNetSuite writes msgs with workers concurrent Write calls, as Benthos
// does with max_in_flight.
func writeNetSuite(t testing.TB, out *netsuiteOutput, msgs []*service.Message, workers int) {
	t.Helper()
	next := make(chan *service.Message)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range next {
				assert.NoError(t, out.Write(context.Background(), m))
			}
		}()
	}
	for _, m := range msgs {
		next <- m
	}
	close(next)
	wg.Wait()
}

// salesOrderLines reads every sales order whose external id is in want and
// returns its line count by external id.
func (h *netsuiteOutputHarness) salesOrderLines(want map[string]int) map[string]int {
	h.t.Helper()
	c, err := netsuite.New(h.clientConfig())
	require.NoError(h.t, err)
	ids := make([]string, 0, len(want))
	for eid := range want {
		ids = append(ids, "eid:"+eid)
	}
	recs, err := c.GetRecords(context.Background(), "salesOrder", ids, 5)
	require.NoError(h.t, err)
	got := map[string]int{}
	for _, raw := range recs {
		if raw == nil {
			continue
		}
		var r struct {
			ExternalID string `json:"externalId"`
			Item       struct {
				Items []any `json:"items"`
			} `json:"item"`
		}
		require.NoError(h.t, json.Unmarshal(raw, &r))
		got[r.ExternalID] = len(r.Item.Items)
	}
	return got
}

// salesOrderCount counts the account's sales orders (SuiteQL, by pages).
func (h *netsuiteOutputHarness) salesOrderCount() int {
	h.t.Helper()
	c, err := netsuite.New(h.clientConfig())
	require.NoError(h.t, err)
	n := 0
	for off := 0; ; off += netsuite.MaxPageSize {
		page, err := c.SuiteQL(context.Background(), "SELECT t.id FROM transaction t WHERE t.type = 'SalesOrd' ORDER BY t.id", netsuite.MaxPageSize, off)
		require.NoError(h.t, err)
		n += page.Count
		if !page.HasMore {
			return n
		}
	}
}

// statuses returns the recorded status and target id of each entity.
func (h *netsuiteOutputHarness) statuses(ids []string) map[string]synctask.Entity {
	h.t.Helper()
	out := map[string]synctask.Entity{}
	for _, id := range ids {
		e, err := h.store.GetEntity(context.Background(), synctask.Key{Source: "magento", Target: "netsuite", TxType: "order", SrcID: id})
		require.NoError(h.t, err)
		out[id] = e
	}
	return out
}

func assertAllSent(t *testing.T, st map[string]synctask.Entity) {
	t.Helper()
	tgt := map[string]string{}
	for id, e := range st {
		require.Equal(t, synctask.StatusSent, e.Status, "%s: %s %s", id, e.ErrorCode, e.Note)
		require.NotEmpty(t, e.TgtID)
		if prev, dup := tgt[e.TgtID]; dup {
			t.Fatalf("%s and %s were written to the same record %s", id, prev, e.TgtID)
		}
		tgt[e.TgtID] = id
	}
}

func TestNetSuiteOutputUpsertsTwoThousandOrdersAndRedeliveryKeepsTheirLines(t *testing.T) {
	h := startNetSuiteOutput(t, seed.Counts{Orders: 300}, sbnetsuite.Options{}, sandbox.Options{})
	out := h.output(nil)
	before := h.salesOrderCount()
	ids, bodies, lines := h.orders("magento-order", 2000)

	writeNetSuite(t, out, h.stage("salesOrder", ids, bodies), 8)
	first := h.statuses(ids)
	assertAllSent(t, first)
	assert.Equal(t, before+2000, h.salesOrderCount())

	writeNetSuite(t, out, h.stage("salesOrder", ids, bodies), 8) // redelivery of every order
	assert.Equal(t, before+2000, h.salesOrderCount(), "no order was created twice")
	assert.Equal(t, lines, h.salesOrderLines(lines), "every order keeps its original line count")
	for id, e := range h.statuses(ids) {
		assert.Equal(t, first[id].TgtID, e.TgtID, "%s is still the same record", id)
	}
	assert.EqualValues(t, 4000, h.server.Stats().Count("PUT /services/rest/record/v1/{type}/{id}", 204))
}

func TestNetSuiteOutputAsyncRepeatedIdempotencyKeyNeverCreatesASecondRecord(t *testing.T) {
	h := startNetSuiteOutput(t, seed.Counts{Orders: 50}, sbnetsuite.Options{}, sandbox.Options{})
	out := h.output(func(c *netsuiteOutputConfig) { c.async = true })
	before := h.salesOrderCount()
	ids, bodies, lines := h.orders("magento-order", 200)

	writeNetSuite(t, out, h.stage("salesOrder", ids, bodies), 8)
	first := h.statuses(ids)
	assertAllSent(t, first)
	writeNetSuite(t, out, h.stage("salesOrder", ids, bodies), 8) // the same keys again

	assert.Equal(t, before+200, h.salesOrderCount())
	assert.Equal(t, lines, h.salesOrderLines(lines))
	for id, e := range h.statuses(ids) {
		assert.Equal(t, synctask.StatusSent, e.Status)
		assert.Equal(t, first[id].TgtID, e.TgtID, "%s: the repeat followed the first job", id)
	}
	st := h.server.Stats()
	assert.EqualValues(t, 200, st.Count("PUT /services/rest/record/v1/{type}/{id}", 202), "one job per order")
	assert.EqualValues(t, 200, st.Count("PUT /services/rest/record/v1/{type}/{id}", 400), "every repeat refused with IDEMPOTENCY_ERROR")
}

func TestNetSuiteOutputWithTransientFaultsEndsEveryEntitySentExactlyOnce(t *testing.T) {
	// 10% 5xx, 5% dropped connections and 5% responses held back past the
	// client's timeout after NetSuite has applied the upsert.
	h := startNetSuiteOutput(t, seed.Counts{Orders: 100}, sbnetsuite.Options{}, sandbox.Options{
		Faults: sandbox.Faults{ErrorRate: 0.10, DropRate: 0.05, SlowRate: 0.05, SlowLatency: sandbox.Duration(time.Second)}, FaultSeed: 7,
	})
	out := h.output(func(c *netsuiteOutputConfig) { c.client.HTTP.Timeout = 300 * time.Millisecond })
	before := h.salesOrderCount()
	ids, bodies, lines := h.orders("magento-order", 500)
	msgs := h.stage("salesOrder", ids, bodies)
	writeNetSuite(t, out, msgs, 8)
	h.server.SetFaults(sandbox.Faults{})

	assertAllSent(t, h.statuses(ids))
	assert.Equal(t, before+500, h.salesOrderCount(), "exactly one record per entity")
	assert.Equal(t, lines, h.salesOrderLines(lines))
	st := h.server.Stats()
	faults := st.Count("PUT /services/rest/record/v1/{type}/{id}", 500) + st.Count("PUT /services/rest/record/v1/{type}/{id}", 502) +
		st.Count("PUT /services/rest/record/v1/{type}/{id}", 503) + st.Count("PUT /services/rest/record/v1/{type}/{id}", sandbox.StatusDropped)
	timeouts := st.Count("PUT /services/rest/record/v1/{type}/{id}", sandbox.StatusClientClosed)
	assert.Positive(t, faults)
	assert.Positive(t, timeouts, "some upserts took effect while the client timed out")
	t.Logf("500 orders S exactly once through %d injected 5xx and dropped connections and %d client timeouts on upserts", faults, timeouts)
}

func TestNetSuiteOutputRecordsAnUnknownItemAsFWithTheErrorCodeAndDetail(t *testing.T) {
	h := startNetSuiteOutput(t, seed.Counts{Orders: 10}, sbnetsuite.Options{}, sandbox.Options{})
	out := h.output(nil)
	ids, bodies, _ := h.orders("magento-order", 3)
	bad := `{"externalId":"magento-order-bad","entity":{"externalId":"CUS-000001"},"item":{"items":[{"item":{"externalId":"NO-SUCH-SKU"},"quantity":1,"rate":5}]}}`
	ids, bodies = append(ids, "magento-order-bad"), append(bodies, []byte(bad))
	writeNetSuite(t, out, h.stage("salesOrder", ids, bodies), 2)

	st := h.statuses(ids)
	assert.Equal(t, synctask.StatusSent, st["magento-order-1"].Status, "the stream goes on")
	f := st["magento-order-bad"]
	assert.Equal(t, synctask.StatusFailed, f.Status)
	assert.Equal(t, "INVALID_CONTENT", f.ErrorCode)
	assert.Contains(t, f.Note, "NO-SUCH-SKU")
	assert.Contains(t, f.Note, "item.items[0].item")
	assert.EqualValues(t, 1, h.server.Stats().Count("PUT /services/rest/record/v1/{type}/{id}", 400), "a permanent error is not retried")
}

func TestNetSuiteOutputUpsertsTheOrdersCustomerFirst(t *testing.T) {
	h := startNetSuiteOutput(t, seed.Counts{Orders: 10}, sbnetsuite.Options{}, sandbox.Options{})
	out := h.output(func(c *netsuiteOutputConfig) {
		c.related = []netsuiteRelated{{recordType: "customer", metaKey: "netsuite_customer"}}
	})
	body := `{"externalId":"magento-order-new","entity":{"externalId":"magento-customer-9001"},"item":{"items":[{"item":{"externalId":"` + h.cat.Products[0].SKU + `"},"quantity":2,"rate":5}]}}`
	msgs := h.stage("salesOrder", []string{"magento-order-new"}, [][]byte{[]byte(body)})
	msgs[0].MetaSetMut("netsuite_customer", `{"externalId":"magento-customer-9001","companyName":"New Shopper Ltd","email":"shopper@example.com"}`)
	writeNetSuite(t, out, msgs, 1)
	assert.Equal(t, synctask.StatusSent, h.statuses([]string{"magento-order-new"})["magento-order-new"].Status)

	c, err := netsuite.New(h.clientConfig())
	require.NoError(t, err)
	raw, err := c.GetRecord(context.Background(), "customer", "eid:magento-customer-9001", false)
	require.NoError(t, err)
	assert.Contains(t, string(raw), "New Shopper Ltd")
}

func TestNetSuiteIdempotencyKeyDependsOnEntityAndContent(t *testing.T) {
	k := netsuiteIdempotencyKey("upsert", "salesOrder", "SO-1", []byte(`{"a":1}`))
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, k)
	assert.Equal(t, k, netsuiteIdempotencyKey("upsert", "salesOrder", "SO-1", []byte(`{"a":1}`)))
	assert.NotEqual(t, k, netsuiteIdempotencyKey("upsert", "salesOrder", "SO-2", []byte(`{"a":1}`)))
	assert.NotEqual(t, k, netsuiteIdempotencyKey("upsert", "salesOrder", "SO-1", []byte(`{"a":2}`)))
}

func TestNetSuiteOutputLintRejectsMissingCredentialsAndAnEmptyExternalID(t *testing.T) {
	sb := service.GlobalEnvironment().NewStreamBuilder()
	err := sb.AddOutputYAML(`
netsuite:
  account_id: "1234567"
  auth: {mode: oauth2, client_id: a}
  external_id: ""`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "auth mode oauth2 needs")
	assert.Contains(t, err.Error(), "operation upsert needs external_id")
}

func TestNetSuiteOutputAsyncCreateRedeliveredFollowsTheFirstJob(t *testing.T) {
	h := startNetSuiteOutput(t, seed.Counts{Orders: 20}, sbnetsuite.Options{}, sandbox.Options{})
	out := h.output(func(c *netsuiteOutputConfig) { c.operation, c.async = noOpCreate, true })
	before := h.salesOrderCount()
	ids, bodies, _ := h.orders("magento-order", 30)
	writeNetSuite(t, out, h.stage("salesOrder", ids, bodies), 4)
	first := h.statuses(ids)
	assertAllSent(t, first)
	writeNetSuite(t, out, h.stage("salesOrder", ids, bodies), 4) // a plain POST would create 30 more

	assert.Equal(t, before+30, h.salesOrderCount())
	for id, e := range h.statuses(ids) {
		assert.Equal(t, first[id].TgtID, e.TgtID)
	}
	assert.EqualValues(t, 30, h.server.Stats().Count("POST /services/rest/record/v1/{type}", 400), "repeats refused with IDEMPOTENCY_ERROR")
}

func TestNetSuiteOutputUpdateByInternalIDReplacesTheLines(t *testing.T) {
	h := startNetSuiteOutput(t, seed.Counts{Orders: 20}, sbnetsuite.Options{}, sandbox.Options{})
	ids, bodies, _ := h.orders("magento-order", 1)
	writeNetSuite(t, h.output(nil), h.stage("salesOrder", ids, bodies), 1)
	tgt := h.statuses(ids)[ids[0]].TgtID
	require.NotEmpty(t, tgt)

	update := fmt.Sprintf(`{"memo":"changed","item":{"items":[{"item":{"externalId":%q},"quantity":1,"rate":1}]}}`, h.cat.Products[0].SKU)
	msgs := h.stage("salesOrder", ids, [][]byte{[]byte(update)})
	msgs[0].MetaSetMut("netsuite_internal_id", tgt)
	out := h.output(func(c *netsuiteOutputConfig) { c.operation = noOpUpdate })
	writeNetSuite(t, out, msgs, 1)
	writeNetSuite(t, out, msgs, 1)

	e := h.statuses(ids)[ids[0]]
	require.Equal(t, synctask.StatusSent, e.Status, e.Note)
	assert.Equal(t, tgt, e.TgtID)
	assert.Equal(t, map[string]int{ids[0]: 1}, h.salesOrderLines(map[string]int{ids[0]: 0}), "one line, however often the update is sent")
}
