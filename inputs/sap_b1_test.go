package inputs

import (
	"context"
	"net/http"
	"strings"
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
)

type sapB1InputHarness struct {
	sb    *sapb1test.Sandbox
	cat   *seed.Catalog
	clock *testClock
	res   *service.Resources
}

func startSAPB1Input(t testing.TB, counts seed.Counts) *sapB1InputHarness {
	t.Helper()
	cat := seed.Generate(seed.Config{Counts: counts, End: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})
	clock := &testClock{now: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	sb := sapb1test.Start(t, sbsapb1.Options{Catalog: cat, Clock: clock.Now}, sandbox.Options{})
	return &sapB1InputHarness{sb: sb, cat: cat, clock: clock, res: service.MockResources(service.MockResourcesOptAddCache("checkpoints"))}
}

// input builds and connects an input of entity keeping its position under
// key; page size 7 makes every cycle several pages long.
func (h *sapB1InputHarness) input(t testing.TB, entity sapb1.Entity, key string) *sapB1Input {
	t.Helper()
	cfg := sapB1InputConfig{
		pollingConfig: pollingConfig{pageSize: 7, pollInterval: time.Minute, lag: 5 * time.Second},
		client:        h.sb.Config(), entity: entity, zone: time.UTC, source: "sap_b1",
	}
	in := connectPolling(t, newSAPB1Input, cfg, h.res, key, h.clock.Now)
	t.Cleanup(func() { _ = in.Close(context.Background()) })
	return in
}

// nextCycle lets the next poll cycle of in start at once.
func (h *sapB1InputHarness) nextCycle(in *sapB1Input, after time.Duration) {
	h.clock.Advance(after)
	in.nextPoll = time.Time{}
}

// requireQuietCycle starts the next poll cycle of in and requires it to
// emit nothing.
func (h *sapB1InputHarness) requireQuietCycle(t testing.TB, in *sapB1Input, why string) {
	t.Helper()
	h.nextCycle(in, time.Minute)
	requireEmptyCycle(t, in, why)
}

func TestSAPB1InputReadsEveryOrderOnceWithTheEnvelopeAndOneTaskPerCycle(t *testing.T) {
	h := startSAPB1Input(t, seed.Counts{Orders: 60, Customers: 20, Products: 20})
	in := h.input(t, sapb1.Orders, "orders")
	first := readCycle(t, in)
	require.Len(t, first, 60)
	requireOneCycle(t, first, "order")
	ackAll(t, first)
	m := first[0].msg
	assert.Equal(t, "sap_b1", metaOf(t, m, "dw_source"))
	assert.Equal(t, "order", metaOf(t, m, "dw_tx_type"))
	assert.Equal(t, "Orders", metaOf(t, m, "sapb1_entity"))
	assert.Equal(t, sbsapb1.DefaultCompanyDB, metaOf(t, m, "sapb1_company_db"))
	updated, err := time.Parse(time.RFC3339, metaOf(t, m, "dw_updated_at"))
	require.NoError(t, err)
	assert.Equal(t, time.UTC, updated.Location())
	body, err := m.AsStructured()
	require.NoError(t, err)
	assert.NotEmpty(t, body.(map[string]any)["DocumentLines"], "documents come with their lines")
	assert.EqualValues(t, 60/7+1, h.sb.Server.Stats().Count("GET /b1s/v1/Orders", http.StatusOK), "one keyset query per page of 7")

	h.requireQuietCycle(t, in, "nothing changed: the next cycle emits nothing")
}

func TestSAPB1InputResumesFromTheAckedCursorAfterARestartWithoutLossOrRepeats(t *testing.T) {
	h := startSAPB1Input(t, seed.Counts{Orders: 40, Customers: 30, Products: 20})
	in := h.input(t, sapb1.BusinessPartners, "partners")
	for _, r := range readCycle(t, in) {
		require.NoError(t, r.ack(t.Context(), nil))
	}

	// Ten partners change: four in one second, then six more, one per
	// second, the last three on the next day at an earlier time of day.
	codes := make([]string, 10)
	for i := range codes {
		codes[i] = h.cat.BusinessPartners[i].CardCode
	}
	h.clock.Advance(time.Hour)
	_, err := h.sb.Vendor.Mutate(sandbox.MutateRequest{Entity: "BusinessPartners", IDs: codes[:4], SameSecond: true})
	require.NoError(t, err)
	h.clock.Advance(time.Minute)
	_, err = h.sb.Vendor.Mutate(sandbox.MutateRequest{Entity: "BusinessPartners", IDs: codes[4:7]})
	require.NoError(t, err)
	h.clock.Advance(22 * time.Hour)
	_, err = h.sb.Vendor.Mutate(sandbox.MutateRequest{Entity: "BusinessPartners", IDs: codes[7:]})
	require.NoError(t, err)

	h.nextCycle(in, time.Minute)
	second := readCycle(t, in)
	require.Equal(t, codes, srcIDs(t, second))
	// Only the first five are acknowledged (in any order) before the input
	// stops; the sixth is nacked.
	for _, i := range []int{3, 0, 4, 2, 1} {
		require.NoError(t, second[i].ack(t.Context(), nil))
	}
	require.NoError(t, second[5].ack(t.Context(), assert.AnError))
	require.NoError(t, in.Close(t.Context()))

	restarted := h.input(t, sapb1.BusinessPartners, "partners")
	h.nextCycle(restarted, time.Minute)
	third := readCycle(t, restarted)
	assert.Equal(t, codes[5:], srcIDs(t, third), "the restart reads the unacknowledged rest, once")
	for _, r := range third {
		require.NoError(t, r.ack(t.Context(), nil))
	}
	h.requireQuietCycle(t, restarted, "everything acknowledged: nothing is read again")
}

func TestSAPB1InputStartsFromStartFromIncludingItsSecond(t *testing.T) {
	h := startSAPB1Input(t, seed.Counts{Orders: 10, Customers: 10, Products: 10})
	items := []string{h.cat.Products[3].SKU, h.cat.Products[1].SKU}
	_, err := h.sb.Vendor.Mutate(sandbox.MutateRequest{Entity: "Items", IDs: items}) // 09:00:00 and 09:00:01
	require.NoError(t, err)
	h.clock.Advance(time.Minute)
	cfg := sapB1InputConfig{
		pollingConfig: pollingConfig{pageSize: 1, pollInterval: time.Minute, lag: 5 * time.Second, startFrom: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)},
		client:        h.sb.Config(), entity: sapb1.Items, zone: time.UTC, source: "sap_b1",
	}
	in := connectPolling(t, newSAPB1Input, cfg, h.res, "items_from", h.clock.Now)
	t.Cleanup(func() { _ = in.Close(context.Background()) })
	got := readCycle(t, in)
	assert.Equal(t, items, srcIDs(t, got), "the seeded history before start_from is skipped; its own second is read")
	assert.Equal(t, "2026-11-20T09:00:00Z", metaOf(t, got[0].msg, "dw_updated_at"))
}

func TestSAPB1InputLogsInAgainWhenTheSessionExpiresBetweenCycles(t *testing.T) {
	h := startSAPB1Input(t, seed.Counts{Orders: 10, Customers: 10, Products: 30})
	in := h.input(t, sapb1.Items, "items")
	require.Len(t, readCycle(t, in), 30)
	h.clock.Advance(45 * time.Minute) // the 30-minute session expires
	_, err := h.sb.Vendor.Mutate(sandbox.MutateRequest{Entity: "Items", Count: 3})
	require.NoError(t, err)
	h.nextCycle(in, time.Minute)
	assert.Len(t, readCycle(t, in), 3)
	assert.Equal(t, 2, in.client.Logins(), "one re-login, no failure")
	assert.EqualValues(t, 1, h.sb.Server.Stats().Count("GET /b1s/v1/Items", http.StatusUnauthorized))
}

func TestSAPB1InputLintsImpossibleCombinations(t *testing.T) {
	env := service.NewEnvironment()
	for name, tc := range map[string]struct{ yaml, want string }{
		"no credentials":          {"entity: Orders\n", "company_db, username and password are required"},
		"schedule and interval":   {"entity: Orders\ncompany_db: X\nusername: u\npassword: p\nschedule: '@hourly'\npoll_interval: 1m\n", pollScheduleConflictMessage},
		"page size above the cap": {"entity: Orders\ncompany_db: X\nusername: u\npassword: p\npage_size: 5000\n", "must be between 1 and 1000"},
	} {
		t.Run(name, func(t *testing.T) {
			b := env.NewStreamBuilder()
			err := b.AddInputYAML("sap_b1:\n  base_url: https://b1.example.com:50000\n  checkpoint_cache: c\n" + sapB1Indent(tc.yaml))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestSAPB1InputNeverLogsThePasswordWhenLoginFails(t *testing.T) {
	h := startSAPB1Input(t, seed.Counts{Orders: 5, Customers: 5, Products: 5})
	const password = "S3cret-Pa55word"
	out := logsOfInput(t, "checkpoints", `sap_b1:
  base_url: `+h.sb.URL+`
  company_db: `+sbsapb1.DefaultCompanyDB+`
  username: `+sbsapb1.DefaultUserName+`
  password: `+password+`
  entity: Orders
  checkpoint_cache: checkpoints`)
	assert.Contains(t, out, "Login failed", "the connect error is logged with SAP's message")
	assert.Contains(t, out, "100000027")
	assert.NotContains(t, out, password)
}

func sapB1Indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ")
}
