package outputs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox"
	sbsapb1 "github.com/datawald/datawald/internal/sandbox/sapb1"
	"github.com/datawald/datawald/internal/sandbox/seed"
	"github.com/datawald/datawald/internal/sapb1"
	"github.com/datawald/datawald/internal/sapb1/sapb1test"
	"github.com/datawald/datawald/internal/synctask"
)

// sapB1OutputHarness is a Service Layer simulator, a sync-task store where
// the test stages what it delivers, and outputs built on both.
type sapB1OutputHarness struct {
	t      testing.TB
	sb     *sapb1test.Sandbox
	cat    *seed.Catalog
	store  *synctask.Shared
	dsn    string
	client *sapb1.Client
	tasks  int
}

func startSAPB1Output(t testing.TB) *sapB1OutputHarness {
	t.Helper()
	cat := seed.Generate(seed.Config{Counts: seed.Counts{Orders: 40, Customers: 20, Products: 30}, End: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})
	sb := sapb1test.Start(t, sbsapb1.Options{Catalog: cat}, sandbox.Options{})
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "synctask.db")
	store, err := synctask.Acquire(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Release(context.Background()) })
	return &sapB1OutputHarness{t: t, sb: sb, cat: cat, store: store, dsn: dsn, client: sb.Client(t)}
}

// output builds and connects a sap_b1 output writing entity.
func (h *sapB1OutputHarness) output(entity sapb1.Entity, tune func(*sapB1OutputConfig)) *sapB1Output {
	h.t.Helper()
	cfg := sapB1OutputConfig{client: h.sb.Config(), entity: entity}
	var err error
	cfg.numAtCard, err = service.NewInterpolatedString(`${! json("NumAtCard").or("") }`)
	require.NoError(h.t, err)
	cfg.cardCode, err = service.NewInterpolatedString(`${! json("CardCode").or("") }`)
	require.NoError(h.t, err)
	if tune != nil {
		tune(&cfg)
	}
	rep := synctask.NewReporter(h.store, synctask.ReporterConfig{MaxAttempts: 4, InitialBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}, nil)
	out, err := newSAPB1Output(cfg, rep, service.MockResources())
	require.NoError(h.t, err)
	require.NoError(h.t, out.Connect(h.t.Context()))
	h.t.Cleanup(func() { _ = out.Close(context.Background()) })
	return out
}

// deliver stages bodies under ids as one task, as the sync_task processor
// does upstream, writes them as one batch and returns each id's recorded
// outcome.
func (h *sapB1OutputHarness) deliver(out *sapB1Output, txType string, ids []string, bodies []string) map[string]synctask.Entity {
	h.t.Helper()
	batch := h.messages(txType, ids, bodies)
	require.NoError(h.t, out.WriteBatch(h.t.Context(), batch))
	return h.outcomes(txType, ids)
}

func (h *sapB1OutputHarness) messages(txType string, ids []string, bodies []string) service.MessageBatch {
	h.t.Helper()
	h.tasks++
	spec := synctask.TaskSpec{ID: fmt.Sprintf("shop-%s-%d", txType, h.tasks), TxType: txType, Source: "shop", Target: "sap_b1"}
	keys := make([]synctask.Key, len(ids))
	data := make([][]byte, len(ids))
	for i, id := range ids {
		keys[i] = synctask.Key{Source: "shop", Target: "sap_b1", TxType: txType, SrcID: id}
		data[i] = []byte(bodies[i])
	}
	return stageTask(h.t, h.store, spec, keys, data)
}

func (h *sapB1OutputHarness) outcomes(txType string, ids []string) map[string]synctask.Entity {
	h.t.Helper()
	res := make(map[string]synctask.Entity, len(ids))
	for _, id := range ids {
		e, err := h.store.GetEntity(h.t.Context(), synctask.Key{Source: "shop", Target: "sap_b1", TxType: txType, SrcID: id})
		require.NoError(h.t, err)
		res[id] = e
	}
	return res
}

// orderBody is an SAP B1 order for NumAtCard ref with one line per
// quantity, on the catalog's products.
func (h *sapB1OutputHarness) orderBody(ref string, quantities ...int) string {
	lines := make([]string, len(quantities))
	for i, q := range quantities {
		lines[i] = fmt.Sprintf(`{"ItemCode":%q,"Quantity":%d,"UnitPrice":12.5}`, h.cat.Products[i].SKU, q)
	}
	return fmt.Sprintf(`{"CardCode":%q,"NumAtCard":%q,"DocDueDate":"2026-12-01","Comments":"from the shop","DocumentLines":[%s]}`,
		h.cat.BusinessPartners[0].CardCode, ref, strings.Join(lines, ","))
}

// ordersWith returns the orders holding NumAtCard ref, decoded.
func (h *sapB1OutputHarness) ordersWith(ref string) []sapB1TestOrder {
	h.t.Helper()
	raw, err := h.client.FindByNumAtCard(h.t.Context(), sapb1.Orders, ref)
	require.NoError(h.t, err)
	out := make([]sapB1TestOrder, len(raw))
	for i, r := range raw {
		require.NoError(h.t, json.Unmarshal(r, &out[i]))
	}
	return out
}

type sapB1TestOrder struct {
	DocEntry      int
	DocumentLines []struct{ Quantity float64 }
}

func TestSAPB1OutputCreatesOrdersOnceAndARerunRecordsIOrUpdatesTheLinesInPlace(t *testing.T) {
	h := startSAPB1Output(t)
	out := h.output(sapb1.Orders, nil)
	ids := []string{"WEB-1", "WEB-2", "WEB-3"}
	bodies := []string{h.orderBody("WEB-1", 1, 2), h.orderBody("WEB-2", 3), h.orderBody("WEB-3", 1, 1, 1)}

	first := h.deliver(out, "order", ids, bodies)
	entries := map[string]string{}
	for _, id := range ids {
		require.Equal(t, synctask.StatusSent, first[id].Status, "%s: %s", id, first[id].Note)
		orders := h.ordersWith(id)
		require.Len(t, orders, 1)
		assert.Equal(t, fmt.Sprint(orders[0].DocEntry), first[id].TgtID, "tgt_id is the DocEntry")
		entries[id] = first[id].TgtID
	}

	again := h.deliver(out, "order", ids, bodies)
	for _, id := range ids {
		assert.Equal(t, synctask.StatusIgnored, again[id].Status, "%s re-sent unchanged", id)
		assert.Equal(t, entries[id], again[id].TgtID)
		assert.Len(t, h.ordersWith(id), 1, "no duplicate of %s", id)
	}

	// WEB-1 changes its quantities and WEB-3 loses a line: both orders are
	// updated in place with exactly the lines sent, twice over.
	changed := []string{h.orderBody("WEB-1", 5, 2), bodies[1], h.orderBody("WEB-3", 1, 1)}
	third := h.deliver(out, "order", ids, changed)
	assert.Equal(t, synctask.StatusSent, third["WEB-1"].Status)
	assert.Equal(t, synctask.StatusIgnored, third["WEB-2"].Status)
	assert.Equal(t, synctask.StatusSent, third["WEB-3"].Status)
	fourth := h.deliver(out, "order", ids, changed)
	assert.Equal(t, synctask.StatusIgnored, fourth["WEB-1"].Status, "the update holds: re-sending it changes nothing")
	assert.EqualValues(t, 2, h.sb.Server.Stats().Count("PATCH /b1s/v1/{resource}", http.StatusNoContent), "only the two changed orders were patched")
	web1, web3 := h.ordersWith("WEB-1"), h.ordersWith("WEB-3")
	require.Len(t, web1, 1)
	require.Len(t, web3, 1)
	assert.Equal(t, entries["WEB-1"], fmt.Sprint(web1[0].DocEntry))
	require.Len(t, web1[0].DocumentLines, 2, "lines replaced, not appended")
	assert.EqualValues(t, 5, web1[0].DocumentLines[0].Quantity)
	assert.Len(t, web3[0].DocumentLines, 2, "the removed line is gone")
	assert.EqualValues(t, 3, h.sb.Server.Stats().Count("POST /b1s/v1/Orders", http.StatusCreated), "three orders created, ever")
	h.sb.Contract.AssertClean(t)
}

// slowOnce is a transport that makes the simulator hold back the answer to
// the first request with method whose path ends with suffix (it does the
// work, then answers after the client's timeout), as a Service Layer under
// load does.
type slowOnce struct {
	next           http.RoundTripper
	srv            *sandbox.Server
	method, suffix string
	once           sync.Once
}

func (s *slowOnce) RoundTrip(req *http.Request) (*http.Response, error) {
	slow := false
	if req.Method == s.method && strings.HasSuffix(req.URL.Path, s.suffix) {
		s.once.Do(func() { slow = true })
	}
	if !slow {
		return s.next.RoundTrip(req)
	}
	s.srv.SetFaults(sandbox.Faults{SlowRate: 1, SlowLatency: sandbox.Duration(2 * time.Second)})
	defer s.srv.SetFaults(sandbox.Faults{})
	return s.next.RoundTrip(req)
}

func TestSAPB1OutputRetriesACreateThatTimedOutWithoutDuplicatingTheOrder(t *testing.T) {
	h := startSAPB1Output(t)
	const timeout = 300 * time.Millisecond
	out := h.output(sapb1.Orders, func(c *sapB1OutputConfig) {
		c.client.HTTP.Timeout = timeout
		c.client.Transport = &slowOnce{next: c.client.Transport, srv: h.sb.Server, method: http.MethodPost, suffix: "/Orders"}
	})
	batch := h.messages("order", []string{"WEB-SLOW"}, []string{h.orderBody("WEB-SLOW", 2)})
	err := out.WriteBatch(t.Context(), batch)
	require.Error(t, err, "the create's outcome is unknown: nacked, not recorded")
	assert.Contains(t, err.Error(), "creating order NumAtCard WEB-SLOW")
	assert.Equal(t, synctask.StatusNew, h.outcomes("order", []string{"WEB-SLOW"})["WEB-SLOW"].Status)

	time.Sleep(timeout + 50*time.Millisecond) // the redelivery comes after the in-doubt window
	require.NoError(t, out.WriteBatch(t.Context(), batch))
	res := h.outcomes("order", []string{"WEB-SLOW"})
	orders := h.ordersWith("WEB-SLOW")
	require.Len(t, orders, 1, "the timed-out create landed once and was not repeated")
	assert.Equal(t, synctask.StatusSent, res["WEB-SLOW"].Status, "found by NumAtCard on the redelivery: S, not I")
	assert.Equal(t, fmt.Sprint(orders[0].DocEntry), res["WEB-SLOW"].TgtID)
	st := h.sb.Server.Stats()
	assert.EqualValues(t, 1, st.EndpointTotal("POST /b1s/v1/Orders"), "one POST, whose answer was lost")
	assert.EqualValues(t, 1, st.Count("POST /b1s/v1/Orders", sandbox.StatusClientClosed))
}

func TestSAPB1OutputRecordsFNamingTheRecordAndSAPsMessageAndWritesTheRest(t *testing.T) {
	h := startSAPB1Output(t)
	out := h.output(sapb1.Orders, func(c *sapB1OutputConfig) {
		var err error
		c.numAtCard, err = service.NewInterpolatedString(`${! @dw_src_id }`)
		require.NoError(t, err)
	})
	good := h.orderBody("WEB-OK", 1)
	unknownBP := strings.Replace(h.orderBody("WEB-BADBP", 1), h.cat.BusinessPartners[0].CardCode, "C-NOPE", 1)
	mismatch := strings.Replace(h.orderBody("WEB-X", 1), `"NumAtCard":"WEB-X"`, `"NumAtCard":"WEB-Y"`, 1)
	ids := []string{"WEB-BADBP", "WEB-JSON", "WEB-OK", "WEB-X"}
	got := h.deliver(out, "order", ids, []string{unknownBP, `["CardCode"]`, good, mismatch})

	bad := got["WEB-BADBP"]
	assert.Equal(t, synctask.StatusFailed, bad.Status)
	assert.Equal(t, "-10", bad.ErrorCode, "SAP's error code")
	assert.Equal(t, "creating order NumAtCard WEB-BADBP: Invalid BP code 'C-NOPE'", bad.Note)
	assert.Equal(t, synctask.StatusFailed, got["WEB-JSON"].Status)
	assert.Equal(t, sapB1InvalidMessage, got["WEB-JSON"].ErrorCode)
	assert.Equal(t, synctask.StatusSent, got["WEB-OK"].Status, "one bad entity does not stop the batch")
	assert.Equal(t, synctask.StatusFailed, got["WEB-X"].Status)
	assert.Contains(t, got["WEB-X"].Note, `body NumAtCard "WEB-Y" differs`)
	assert.Empty(t, h.ordersWith("WEB-BADBP"))
	assert.EqualValues(t, 1, h.sb.Server.Stats().Count("POST /b1s/v1/Orders", http.StatusBadRequest), "a refused order is not retried")
}

func TestSAPB1OutputWritesNothingForAnErroredSkippedOrUnkeyedMessage(t *testing.T) {
	h := startSAPB1Output(t)
	out := h.output(sapb1.Orders, nil)
	ids := []string{"WEB-ERR", "WEB-SKIP", "WEB-NOKEY"}
	noKey := strings.Replace(h.orderBody("WEB-NOKEY", 1), `"NumAtCard":"WEB-NOKEY",`, "", 1)
	batch := h.messages("order", ids, []string{h.orderBody("WEB-ERR", 1), h.orderBody("WEB-SKIP", 1), noKey})
	batch[0].SetError(errors.New("mapping failed: no such item"))
	batch[1].MetaSetMut("dw_skip", "storefront order WEB-SKIP is canceled")
	require.NoError(t, out.WriteBatch(t.Context(), batch))
	got := h.outcomes("order", ids)
	assert.Equal(t, synctask.StatusFailed, got["WEB-ERR"].Status)
	assert.Equal(t, sapB1UpstreamError, got["WEB-ERR"].ErrorCode)
	assert.Contains(t, got["WEB-ERR"].Note, "mapping failed: no such item")
	assert.Equal(t, synctask.StatusIgnored, got["WEB-SKIP"].Status)
	assert.Equal(t, "storefront order WEB-SKIP is canceled", got["WEB-SKIP"].Note)
	assert.Equal(t, synctask.StatusFailed, got["WEB-NOKEY"].Status)
	assert.Contains(t, got["WEB-NOKEY"].Note, "field num_at_card: evaluated to an empty value")
	assert.Zero(t, h.sb.Server.Stats().EndpointTotal("POST /b1s/v1/Orders"), "nothing was written")
}

func TestSAPB1OutputLeavesAClosedOrderAloneAndRecordsI(t *testing.T) {
	h := startSAPB1Output(t)
	var closed seed.Order
	for _, o := range h.cat.Orders {
		if o.Status == seed.OrderComplete || o.Status == seed.OrderClosed {
			closed = o
			break
		}
	}
	require.NotEmpty(t, closed.Number, "the seed has completed orders")
	out := h.output(sapb1.Orders, nil)
	got := h.deliver(out, "order", []string{closed.Number}, []string{fmt.Sprintf(`{"NumAtCard":%q,"Comments":"edited in the shop"}`, closed.Number)})
	assert.Equal(t, synctask.StatusIgnored, got[closed.Number].Status)
	assert.Equal(t, fmt.Sprint(closed.ID), got[closed.Number].TgtID)
	assert.Contains(t, got[closed.Number].Note, "closed or cancelled")
	assert.Zero(t, h.sb.Server.Stats().EndpointTotal("PATCH /b1s/v1/{resource}"))
}

func TestSAPB1OutputUpsertsBusinessPartnersByCardCode(t *testing.T) {
	h := startSAPB1Output(t)
	out := h.output(sapb1.BusinessPartners, nil)
	existing := h.cat.BusinessPartners[1].CardCode
	ids := []string{"W00001", existing}
	bodies := []string{
		`{"CardCode":"W00001","CardName":"Ada Shop","EmailAddress":"ada@example.com","BPAddresses":[{"AddressName":"Bill to","AddressType":"bo_BillTo","City":"Lyon"}]}`,
		fmt.Sprintf(`{"CardCode":%q,"Phone1":"+33 1 23 45 67 89"}`, existing),
	}
	first := h.deliver(out, "customer", ids, bodies)
	for _, id := range ids {
		assert.Equal(t, synctask.StatusSent, first[id].Status, "%s: %s", id, first[id].Note)
		assert.Equal(t, id, first[id].TgtID, "tgt_id is the CardCode")
	}
	again := h.deliver(out, "customer", ids, bodies)
	for _, id := range ids {
		assert.Equal(t, synctask.StatusIgnored, again[id].Status, id)
	}
	raw, err := h.client.Get(t.Context(), sapb1.BusinessPartners, existing)
	require.NoError(t, err)
	var bp struct{ Phone1 string }
	require.NoError(t, json.Unmarshal(raw, &bp))
	assert.Equal(t, "+33 1 23 45 67 89", bp.Phone1)
	assert.EqualValues(t, 1, h.sb.Server.Stats().Count("POST /b1s/v1/BusinessPartners", http.StatusCreated))
	h.sb.Contract.AssertClean(t)
}

func TestSAPB1OutputSerialisesConcurrentBatchesOfOneNumAtCard(t *testing.T) {
	h := startSAPB1Output(t)
	out := h.output(sapb1.Orders, nil)
	ids := []string{"WEB-C1", "WEB-C2", "WEB-C3", "WEB-C4"}
	bodies := []string{h.orderBody("WEB-C1", 1), h.orderBody("WEB-C2", 2), h.orderBody("WEB-C3", 3), h.orderBody("WEB-C4", 4)}
	batches := []service.MessageBatch{h.messages("order", ids, bodies), h.messages("order", ids, bodies), h.messages("order", ids, bodies)}
	var wg sync.WaitGroup
	for _, b := range batches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, out.WriteBatch(t.Context(), b))
		}()
	}
	wg.Wait()
	for _, id := range ids {
		assert.Len(t, h.ordersWith(id), 1, "%s created once by three concurrent batches", id)
	}
}

func TestSAPB1OutputNacksOnlyTheMessageWhoseFailureCannotBeRecorded(t *testing.T) {
	h := startSAPB1Output(t)
	out := h.output(sapb1.Orders, nil)
	batch := h.messages("order", []string{"WEB-N1"}, []string{h.orderBody("WEB-N1", 1)})
	batch = append(batch, service.NewMessage([]byte(`not json`))) // no envelope: nowhere to record F
	err := out.WriteBatch(t.Context(), batch)
	var berr *service.BatchError
	require.True(t, errors.As(err, &berr), "%v", err)
	failed := map[int]bool{}
	berr.WalkMessages(func(i int, _ *service.Message, err error) bool {
		failed[i] = err != nil
		return true
	})
	assert.Equal(t, map[int]bool{0: false, 1: true}, failed)
	assert.Equal(t, synctask.StatusSent, h.outcomes("order", []string{"WEB-N1"})["WEB-N1"].Status)
}

func TestSAPB1OutputConnectFailsWithSAPsMessageAndNeverThePassword(t *testing.T) {
	h := startSAPB1Output(t)
	cfg := sapB1OutputConfig{client: h.sb.Config(), entity: sapb1.Orders}
	cfg.client.Password = "Wr0ng-Secret-99"
	out, err := newSAPB1Output(cfg, synctask.NewReporter(h.store, synctask.ReporterConfig{}, nil), service.MockResources())
	require.NoError(t, err)
	err = out.Connect(t.Context())
	require.ErrorContains(t, err, "Login failed")
	assert.NotContains(t, err.Error(), cfg.client.Password)
}

func TestSAPB1OutputLintsImpossibleCombinations(t *testing.T) {
	for name, tc := range map[string]struct{ yaml, want string }{
		"no credentials":      {"entity: Orders", "company_db, username and password are required"},
		"orders with merging": {"entity: Orders\ncompany_db: X\nusername: u\npassword: p\ncollections: merge", "Orders need replace"},
	} {
		t.Run(name, func(t *testing.T) {
			b := service.NewStreamBuilder()
			err := b.AddOutputYAML("sap_b1:\n  base_url: https://b1.example.com:50000\n  " + strings.ReplaceAll(tc.yaml, "\n", "\n  "))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
