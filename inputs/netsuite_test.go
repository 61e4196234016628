package inputs

import (
	"encoding/json"
	"fmt"
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
)

type netsuiteInputHarness struct {
	vendor *sbnetsuite.Vendor
	server *sandbox.Server
	url    string
	clock  *testClock
	res    *service.Resources
}

func startNetSuiteInput(t testing.TB, counts seed.Counts) *netsuiteInputHarness {
	t.Helper()
	cat := seed.Generate(seed.Config{Counts: counts})
	clock := &testClock{now: time.Now()} // TBA timestamps are checked against it: keep it near the real clock
	v, err := sbnetsuite.New(sbnetsuite.Options{Catalog: cat, Clock: clock.Now})
	require.NoError(t, err)
	srv, url := sandboxtest.Start(t, v, sandbox.Options{})
	return &netsuiteInputHarness{vendor: v, server: srv, url: url, clock: clock, res: service.MockResources(service.MockResourcesOptAddCache("checkpoints"))}
}

func (h *netsuiteInputHarness) clientConfig(t testing.TB) netsuite.Config {
	t.Helper()
	creds := h.vendor.Credentials()
	acct, err := netsuite.ParseAccountID(creds["account_id"])
	require.NoError(t, err)
	return netsuite.Config{
		Account: acct, BaseURL: h.url,
		Auth: netsuite.Auth{Mode: netsuite.AuthTBA, TBA: netsuite.TBA{
			ConsumerKey: creds["consumer_key"], ConsumerSecret: creds["consumer_secret"],
			TokenID: creds["token_id"], TokenSecret: creds["token_secret"],
		}},
		HTTP: httpx.Settings{Timeout: 10 * time.Second, Retry: httpx.RetryPolicy{MaxAttempts: 5, InitialInterval: 5 * time.Millisecond, MaxInterval: 50 * time.Millisecond, MaxElapsed: 30 * time.Second}},
	}
}

// connect builds an input of cfg on the harness' clock, keeping its
// position under key in the harness' checkpoint cache, and connects it.
func (h *netsuiteInputHarness) connect(t testing.TB, cfg netsuiteInputConfig, key string) *netsuiteInput {
	t.Helper()
	return connectPolling(t, newNetSuiteInput, cfg, h.res, key, h.clock.Now)
}

func (h *netsuiteInputHarness) newInput(t testing.TB, entity string) *netsuiteInput {
	t.Helper()
	e, ok := netsuite.LookupEntity(entity)
	require.True(t, ok)
	cfg := netsuiteInputConfig{pollingConfig: pollingConfig{pageSize: netsuite.MaxPageSize, pollInterval: time.Minute, lag: 5 * time.Second}, client: h.clientConfig(t), entity: e, expand: e.RecordType != "", expandPar: 5, zone: time.UTC, source: "netsuite"}
	in := h.connect(t, cfg, "netsuite_"+entity)
	return in
}

func TestNetSuiteInputReadsFiveThousandSalesOrdersOnceAsFullRecords(t *testing.T) {
	h := startNetSuiteInput(t, seed.Counts{Orders: 5000})
	in := h.newInput(t, "salesOrder")
	first := readCycle(t, in)
	require.Len(t, first, 5000)
	requireOneCycle(t, first, "order")
	ackAll(t, first)
	m := first[0].msg
	assert.Equal(t, "netsuite", metaOf(t, m, "dw_source"))
	assert.Equal(t, "order", metaOf(t, m, "dw_tx_type"))
	assert.Equal(t, "salesOrder", metaOf(t, m, "netsuite_record_type"))
	updated, err := time.Parse(time.RFC3339, metaOf(t, m, "dw_updated_at"))
	require.NoError(t, err)
	assert.Equal(t, time.UTC, updated.Location())

	var rec struct {
		ID   string `json:"id"`
		Item struct {
			Items []map[string]any `json:"items"`
		} `json:"item"`
	}
	require.NoError(t, json.Unmarshal(nsBody(t, first[0].msg), &rec))
	assert.Equal(t, metaOf(t, m, "dw_src_id"), rec.ID)
	assert.NotEmpty(t, rec.Item.Items, "sublists are expanded")
	assert.EqualValues(t, 5000, h.server.Stats().Count("GET /services/rest/record/v1/{type}/{id}", 200), "one GET per order")
}

func TestNetSuiteInputPicksUpEveryMutationSharingOneSecond(t *testing.T) {
	h := startNetSuiteInput(t, seed.Counts{Orders: 600})
	in := h.newInput(t, "salesOrder")
	for _, r := range readCycle(t, in) {
		require.NoError(t, r.ack(t.Context(), nil))
	}
	h.clock.Advance(time.Minute)
	res, err := h.vendor.Mutate(sandbox.MutateRequest{Entity: "salesOrder", Count: 150, SameSecond: true})
	require.NoError(t, err)
	require.Len(t, res.Changed, 150)
	h.clock.Advance(10 * time.Second)
	in.nextPoll = time.Time{}

	second := readCycle(t, in)
	got := map[string]bool{}
	for _, r := range second {
		got[metaOf(t, r.msg, "dw_src_id")] = true
		assert.Equal(t, res.ModifiedAt.UTC().Format(time.RFC3339), metaOf(t, r.msg, "dw_updated_at"))
	}
	want := map[string]bool{}
	for _, id := range res.Changed {
		want[id] = true
	}
	assert.Equal(t, want, got, "exactly the 150 orders changed in that second")
}

func TestNetSuiteInputResumesFromTheAckedCursorAfterARestart(t *testing.T) {
	h := startNetSuiteInput(t, seed.Counts{Orders: 3000})
	in := h.newInput(t, "salesOrder")
	first := readCycle(t, in)
	require.Len(t, first, 3000)
	for _, r := range first[:1000] {
		require.NoError(t, r.ack(t.Context(), nil))
	}
	require.NoError(t, first[1500].ack(t.Context(), nil)) // acked out of order: the cursor stays at 1000
	require.NoError(t, first[1000].ack(t.Context(), assert.AnError), "a nack holds the cursor")
	require.NoError(t, in.Close(t.Context()))

	again := h.newInput(t, "salesOrder")
	resumed := readCycle(t, again)
	require.Len(t, resumed, 2000, "the 2,000 orders after the acked cursor")
	for i, r := range resumed {
		assert.Equal(t, metaOf(t, first[1000+i].msg, "dw_src_id"), metaOf(t, r.msg, "dw_src_id"))
	}
}

func TestNetSuiteInputReadsInventoryPerLocationWithItemIDs(t *testing.T) {
	h := startNetSuiteInput(t, seed.Counts{Products: 40, Locations: 3, Orders: 5})
	in := h.newInput(t, "inventory")
	rows := readCycle(t, in)
	require.NotEmpty(t, rows)
	var row map[string]any
	require.NoError(t, json.Unmarshal(nsBody(t, rows[0].msg), &row))
	for _, col := range []string{"item", "itemid", "location", "quantityavailable", "quantityonhand", "lastmodifieddate"} {
		assert.Contains(t, row, col)
	}
	assert.Equal(t, "inventory", metaOf(t, rows[0].msg, "dw_tx_type"))
	assert.Regexp(t, `^\d+@\d+$`, metaOf(t, rows[0].msg, "dw_src_id"))
}

func nsBody(t testing.TB, m *service.Message) []byte {
	t.Helper()
	b, err := m.AsBytes()
	require.NoError(t, err)
	return b
}

func TestNetSuiteInputReadsInTheSuiteQLUsersTimeZoneAndEmitsUTC(t *testing.T) {
	cat := seed.Generate(seed.Config{Counts: seed.Counts{Orders: 400}})
	clock := &testClock{now: time.Now()}
	la, err := time.LoadLocation("America/Los_Angeles")
	require.NoError(t, err)
	v, err := sbnetsuite.New(sbnetsuite.Options{Catalog: cat, Clock: clock.Now, TimeZone: la, DateFormat: "02/01/2006"})
	require.NoError(t, err)
	srv, url := sandboxtest.Start(t, v, sandbox.Options{})
	h := &netsuiteInputHarness{vendor: v, server: srv, url: url, clock: clock, res: service.MockResources(service.MockResourcesOptAddCache("checkpoints"))}

	e, _ := netsuite.LookupEntity("salesOrder")
	cfg := netsuiteInputConfig{pollingConfig: pollingConfig{pageSize: 100, pollInterval: time.Minute, lag: 5 * time.Second}, client: h.clientConfig(t), entity: e, expand: true, expandPar: 4, zone: la, source: "netsuite"}
	in := h.connect(t, cfg, "la")

	first := readCycle(t, in)
	require.Len(t, first, 400)
	for _, r := range first {
		var rec struct {
			LastModifiedDate time.Time `json:"lastModifiedDate"`
		}
		require.NoError(t, json.Unmarshal(nsBody(t, r.msg), &rec))
		updated, err := time.Parse(time.RFC3339, metaOf(t, r.msg, "dw_updated_at"))
		require.NoError(t, err)
		require.True(t, rec.LastModifiedDate.Equal(updated), "dw_updated_at %s is the record's lastModifiedDate %s in UTC", updated, rec.LastModifiedDate)
		require.NoError(t, r.ack(t.Context(), nil))
	}

	clock.Advance(time.Minute)
	res, err := v.Mutate(sandbox.MutateRequest{Entity: "salesOrder", Count: 30, SameSecond: true})
	require.NoError(t, err)
	clock.Advance(10 * time.Second)
	in.nextPoll = time.Time{}
	second := readCycle(t, in)
	got := map[string]bool{}
	for _, r := range second {
		got[metaOf(t, r.msg, "dw_src_id")] = true
	}
	want := map[string]bool{}
	for _, id := range res.Changed {
		want[id] = true
	}
	assert.Equal(t, want, got, "the window and cursor agree with the user's zone: exactly the 30 changed orders")
}

func TestNetSuiteInputRunsAUserQueryWithCursorPlaceholders(t *testing.T) {
	h := startNetSuiteInput(t, seed.Counts{Orders: 700})
	e, _ := netsuite.LookupEntity("salesOrder")
	q := `SELECT t.id, TO_CHAR(t.lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS lastmodifieddate, t.tranid
FROM transaction t
WHERE t.type = 'SalesOrd' AND t.foreigntotal > 100
  AND (t.lastmodifieddate > :cursor_time OR (t.lastmodifieddate = :cursor_time AND t.id > :cursor_id))
  AND t.lastmodifieddate < :window_end
ORDER BY t.lastmodifieddate, t.id`
	cfg := netsuiteInputConfig{pollingConfig: pollingConfig{pageSize: 50, pollInterval: time.Minute, lag: 5 * time.Second}, client: h.clientConfig(t), entity: e, query: q, expand: false, expandPar: 4, zone: time.UTC, source: "netsuite"}
	in := h.connect(t, cfg, "custom")
	rows := readCycle(t, in)

	want := h.countOrdersOver(t, 100)
	require.Positive(t, want)
	require.Len(t, rows, want, "every order over 100 once, 50 rows a query")
	seen := map[string]bool{}
	for _, r := range rows {
		id := metaOf(t, r.msg, "dw_src_id")
		require.False(t, seen[id], "order %s read twice", id)
		seen[id] = true
	}
	var row map[string]any
	require.NoError(t, json.Unmarshal(nsBody(t, rows[0].msg), &row))
	assert.Contains(t, row, "tranid")
}

// countOrdersOver counts the sales orders whose total is over min.
func (h *netsuiteInputHarness) countOrdersOver(t *testing.T, min int) int {
	t.Helper()
	c, err := netsuite.New(h.clientConfig(t))
	require.NoError(t, err)
	n := 0
	for off := 0; ; off += netsuite.MaxPageSize {
		page, err := c.SuiteQL(t.Context(), fmt.Sprintf("SELECT t.id FROM transaction t WHERE t.type = 'SalesOrd' AND t.foreigntotal > %d ORDER BY t.id", min), netsuite.MaxPageSize, off)
		require.NoError(t, err)
		n += page.Count
		if !page.HasMore {
			return n
		}
	}
}

func TestNetSuiteInputStartsFromStartFromWhenNoPositionIsStored(t *testing.T) {
	h := startNetSuiteInput(t, seed.Counts{Orders: 800})
	all := readCycle(t, h.newInput(t, "salesOrder"))
	require.Len(t, all, 800)
	from, err := time.Parse(time.RFC3339, metaOf(t, all[500].msg, "dw_updated_at"))
	require.NoError(t, err)
	want := 0
	for _, r := range all {
		at, err := time.Parse(time.RFC3339, metaOf(t, r.msg, "dw_updated_at"))
		require.NoError(t, err)
		if !at.Before(from) {
			want++
		}
	}

	e, _ := netsuite.LookupEntity("salesOrder")
	cfg := netsuiteInputConfig{pollingConfig: pollingConfig{pageSize: 1000, pollInterval: time.Minute, lag: 5 * time.Second, startFrom: from}, client: h.clientConfig(t), entity: e, expand: false, expandPar: 1, zone: time.UTC, source: "netsuite"}
	in := h.connect(t, cfg, "backfill")
	got := readCycle(t, in)
	assert.Len(t, got, want, "the orders modified at or after start_from")
	assert.Equal(t, metaOf(t, all[800-want].msg, "dw_src_id"), metaOf(t, got[0].msg, "dw_src_id"))
}
