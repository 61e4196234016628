package inputs

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/hubspot"
	"github.com/datawald/datawald/internal/hubspot/hubspottest"
	"github.com/datawald/datawald/internal/sandbox"
	sbhubspot "github.com/datawald/datawald/internal/sandbox/hubspot"
	"github.com/datawald/datawald/internal/sandbox/seed"
)

type hubspotInputHarness struct {
	sb    *hubspottest.Sandbox
	clock *testClock
	res   *service.Resources
}

// startHubSpot starts a portal of n contacts (with same-timestamp bursts
// larger than a small page) whose search index lags by searchLag, on a
// clock shared with the input.
func startHubSpot(t *testing.T, contacts int, searchLag time.Duration) *hubspotInputHarness {
	t.Helper()
	cat := seed.Generate(seed.Config{Seed: 5, Counts: seed.Counts{Products: 20, Customers: 10, Orders: 10, Companies: 10, Contacts: contacts, Deals: 10, BurstSize: 30}})
	clock := &testClock{now: cat.End.Add(time.Hour)}
	sb := hubspottest.Start(t, sbhubspot.Options{Catalog: cat, Clock: clock.Now, SearchLag: searchLag}, sandbox.Options{})
	return &hubspotInputHarness{sb: sb, clock: clock, res: service.MockResources(service.MockResourcesOptAddCache("checkpoints"))}
}

// newInput builds a contacts input reading pageSize objects per search,
// lag behind the clock, keeping its position under "hubspot_contacts".
func (h *hubspotInputHarness) newInput(t *testing.T, pageSize int, lag time.Duration) *hubspotInput {
	t.Helper()
	typ, _ := hubspot.LookupObjectType("contacts")
	cfg := hubspotInputConfig{
		pollingConfig: pollingConfig{pageSize: pageSize, pollInterval: time.Minute, lag: lag},
		client:        h.sb.Config(),
		object:        typ,
		properties:    []string{"email", "firstname", "lastname"},
		source:        "hubspot",
	}
	return connectPolling(t, newHubSpotInput, cfg, h.res, "hubspot_contacts", h.clock.Now)
}

func TestHubSpotInputEmitsEveryContactOnceWithTheEnvelopeThenOnlyTheChangedOnes(t *testing.T) {
	h := startHubSpot(t, 400, 0)
	in := h.newInput(t, 25, time.Minute)

	first := readCycle(t, in)
	require.Len(t, first, 400)
	requireOneCycle(t, first, "contact")
	m := first[0].msg
	assert.Equal(t, "hubspot", metaOf(t, m, "dw_source"))
	assert.Equal(t, "customer", metaOf(t, m, "dw_tx_type"))
	assert.Equal(t, "contacts", metaOf(t, m, "hubspot_object_type"))
	assert.Equal(t, metaOf(t, m, "dw_src_id"), metaOf(t, m, "hubspot_object_id"))
	updated, err := time.Parse(time.RFC3339Nano, metaOf(t, m, "dw_updated_at"))
	require.NoError(t, err)
	var body struct {
		ID         string            `json:"id"`
		Properties map[string]string `json:"properties"`
	}
	raw, err := m.AsBytes()
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &body))
	assert.Equal(t, metaOf(t, m, "dw_src_id"), body.ID)
	assert.NotEmpty(t, body.Properties["email"])
	modified, err := hubspot.ParseDateTime(body.Properties["lastmodifieddate"])
	require.NoError(t, err)
	assert.True(t, modified.Equal(updated), "dw_updated_at is lastmodifieddate")
	ackAll(t, first)

	// Nothing changed: the next cycle emits nothing, then 12 changes are
	// read, once the lag has passed.
	h.clock.Advance(2 * time.Minute)
	changed, err := h.sb.Vendor.Mutate(sandbox.MutateRequest{Entity: "contacts", Count: 12})
	require.NoError(t, err)
	h.clock.Advance(2 * time.Minute)
	second := readCycle(t, in)
	assert.ElementsMatch(t, changed.Changed, srcIDs(t, second))
	assert.NotEqual(t, metaOf(t, first[0].msg, "dw_task_id"), metaOf(t, second[0].msg, "dw_task_id"), "a new cycle is a new task")
}

func TestHubSpotInputRestartResumesFromTheAckedCursorWithNothingLostOrDuplicated(t *testing.T) {
	h := startHubSpot(t, 500, 0)
	ctx := t.Context()
	in := h.newInput(t, 20, time.Minute)

	var firstRun []readMsg
	for range 230 {
		msg, ack, err := in.Read(ctx)
		require.NoError(t, err)
		firstRun = append(firstRun, readMsg{msg, ack})
	}
	// Acks arrive out of order and the 181st message is never acked (the
	// process dies with it in flight).
	for i := len(firstRun) - 1; i >= 0; i-- {
		if i != 180 {
			require.NoError(t, firstRun[i].ack(ctx, nil))
		}
	}
	require.NoError(t, in.Close(ctx))

	restarted := h.newInput(t, 20, time.Minute)
	rest := readCycle(t, restarted)
	assert.Len(t, rest, 320, "the restart resumes at the unacked message")
	assert.Equal(t, metaOf(t, firstRun[180].msg, "dw_src_id"), metaOf(t, rest[0].msg, "dw_src_id"))
	seen := map[string]int{}
	for _, id := range srcIDs(t, firstRun[:180]) {
		seen[id]++
	}
	for _, id := range srcIDs(t, rest) {
		seen[id]++
	}
	assert.Len(t, seen, 500, "nothing lost")
	for id, n := range seen {
		assert.Equal(t, 1, n, "contact %s emitted once past the committed cursor", id)
	}
	ackAll(t, rest)

	// A second restart after everything was acked reads only new changes.
	require.NoError(t, restarted.Close(ctx))
	h.clock.Advance(2 * time.Minute)
	changed, err := h.sb.Vendor.Mutate(sandbox.MutateRequest{Entity: "contacts", Count: 7, SameSecond: true})
	require.NoError(t, err)
	h.clock.Advance(2 * time.Minute)
	again := readCycle(t, h.newInput(t, 20, time.Minute))
	assert.ElementsMatch(t, changed.Changed, srcIDs(t, again))
}

func TestHubSpotInputWaitsForTheSearchIndexInsteadOfSkippingFreshChanges(t *testing.T) {
	// The index trails writes by 30s; the input reads 45s behind now.
	h := startHubSpot(t, 60, 30*time.Second)
	in := h.newInput(t, 50, 45*time.Second)
	ackAll(t, readCycle(t, in))

	h.clock.Advance(time.Minute)
	changed, err := h.sb.Vendor.Mutate(sandbox.MutateRequest{Entity: "contacts", Count: 3})
	require.NoError(t, err)
	h.clock.Advance(10 * time.Second)
	// Not searchable yet, and younger than the lag: this cycle reads
	// nothing and the position stays put.
	requireEmptyCycle(t, in)
	h.clock.Advance(time.Minute)
	cycle := readCycle(t, in)
	assert.ElementsMatch(t, changed.Changed, srcIDs(t, cycle), "changes are read once the index has them")
	for _, r := range cycle {
		var body struct {
			Properties map[string]string `json:"properties"`
		}
		raw, err := r.msg.AsBytes()
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(raw, &body))
		assert.Equal(t, changed.ModifiedAt.Truncate(time.Second), func() time.Time {
			m, err := hubspot.ParseDateTime(body.Properties["lastmodifieddate"])
			require.NoError(t, err)
			return m.Truncate(time.Second)
		}(), "the changed version is emitted, not the stale one")
	}
}

func TestHubSpotInputConfigRunsInAStreamWithTheRegisteredComponent(t *testing.T) {
	h := startHubSpot(t, 120, 0)
	b := service.NewStreamBuilder()
	require.NoError(t, b.SetLoggerYAML(`level: warn`))
	require.NoError(t, b.AddCacheYAML(`label: cp
memory: {}`))
	require.NoError(t, b.AddInputYAML(fmt.Sprintf(`hubspot:
  base_url: %s
  access_token: %s
  object: contacts
  properties: [ email ]
  poll_interval: 1h
  lag: 0s
  checkpoint_cache: cp
`, h.sb.URL, h.sb.Token())))
	var n atomic.Int64
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	require.NoError(t, b.AddConsumerFunc(func(_ context.Context, m *service.Message) error {
		if v, _ := m.MetaGet("dw_tx_type"); v != "customer" {
			return fmt.Errorf("dw_tx_type %q", v)
		}
		if n.Add(1) == 120 {
			cancel()
		}
		return nil
	}))
	s, err := b.Build()
	require.NoError(t, err)
	err = s.Run(ctx)
	if err != nil && ctx.Err() == nil {
		require.NoError(t, err)
	}
	assert.EqualValues(t, 120, n.Load())
}

func TestHubSpotInputConfigDefaultsAndLints(t *testing.T) {
	conf, err := hubspotInputSpec().ParseYAML(`access_token: pat-na1-x
object: deals
checkpoint_cache: cp
`, nil)
	require.NoError(t, err)
	cfg, err := hubspotInputConfigFromParsed(conf)
	require.NoError(t, err)
	assert.Equal(t, time.Minute, cfg.lag, "lag defaults to one minute, to cover the search index's delay")
	assert.Equal(t, hubspot.MaxSearchLimit, cfg.pageSize)
	assert.Equal(t, "hs_lastmodifieddate", cfg.object.ModifiedProperty)
	assert.Equal(t, hubspot.DefaultAPIPrefix, cfg.client.APIPrefix)
	assert.True(t, cfg.startFrom.IsZero())

	cases := map[string]struct{ yaml, want string }{
		"page size above 200":        {"page_size: 500", "must be between 1 and 200"},
		"schedule and poll_interval": {"poll_interval: 5m\n  schedule: \"@hourly\"", "set either schedule or poll_interval"},
		"empty token":                {"access_token: \"\"", "access_token must not be empty"},
		"bad api prefix":             {"api_prefix: crm v3", "api_prefix must be a path"},
		"unknown object":             {"object: tickets", "tickets"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			yaml := "hubspot:\n  object: contacts\n  access_token: pat-na1-x\n  checkpoint_cache: cp\n  " + tc.yaml
			err := service.NewStreamBuilder().AddInputYAML(yaml)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestHubSpotInputLogsAuthenticationFailuresWithoutTheToken(t *testing.T) {
	h := startHubSpot(t, 10, 0)
	const token = "pat-na1-0123-wrong-input-token-xyz"
	out := logsOfInput(t, "cp", fmt.Sprintf("hubspot:\n  base_url: %s\n  access_token: %s\n  object: contacts\n  lag: 0s\n  checkpoint_cache: cp\n", h.sb.URL, token))
	assert.Contains(t, out, "INVALID_AUTHENTICATION", "the read error is logged")
	assert.NotContains(t, out, token)
}

func TestHubSpotInputFiltersLintAndParse(t *testing.T) {
	conf, err := hubspotInputSpec().ParseYAML(`access_token: pat-na1-x
object: deals
filters:
  - { property: deal_sync_ns_filed, value: "true" }
  - { property: hubspot_owner_id, operator: HAS_PROPERTY }
checkpoint_cache: cp
`, nil)
	require.NoError(t, err)
	cfg, err := hubspotInputConfigFromParsed(conf)
	require.NoError(t, err)
	assert.Equal(t, []hubspot.Filter{
		{PropertyName: "deal_sync_ns_filed", Operator: hubspot.OpEQ, Value: "true"},
		{PropertyName: "hubspot_owner_id", Operator: hubspot.OpHasProperty},
	}, cfg.filters)

	cases := map[string]struct{ yaml, want string }{
		"value missing":        {"filters: [ { property: dealstage, operator: GT } ]", "operator GT needs a value"},
		"value not taken":      {"filters: [ { property: dealstage, operator: NOT_HAS_PROPERTY, value: x } ]", "takes no value"},
		"filter on the cursor": {"filters: [ { property: hs_lastmodifieddate, value: \"1\" } ]", "cursor property"},
	}
	// The constructor refuses what lint rules report, for configs built
	// without linting.
	conf, err = hubspotInputSpec().ParseYAML("access_token: x\nobject: contacts\ncheckpoint_cache: cp\nfilters: [ { property: lastmodifieddate, value: \"1\" } ]", nil)
	require.NoError(t, err)
	_, err = hubspotInputConfigFromParsed(conf)
	require.ErrorContains(t, err, "cursor property")
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			yaml := "hubspot:\n  object: deals\n  access_token: pat-na1-x\n  checkpoint_cache: cp\n  " + tc.yaml
			err := service.NewStreamBuilder().AddInputYAML(yaml)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestHubSpotInputReadsOnlyObjectsMatchingItsFilters(t *testing.T) {
	h := startHubSpot(t, 80, 0)
	typ, _ := hubspot.LookupObjectType("contacts")
	all, err := h.sb.Client(t).Search(t.Context(), "contacts", hubspot.SearchRequest{Limit: 1, Properties: []string{"lifecyclestage"}})
	require.NoError(t, err)
	stage, _ := all.Results[0].Property("lifecyclestage")
	cfg := hubspotInputConfig{
		pollingConfig: pollingConfig{pageSize: 10, pollInterval: time.Minute, lag: time.Minute},
		client:        h.sb.Config(),
		object:        typ,
		properties:    []string{"lifecyclestage"},
		filters:       []hubspot.Filter{{PropertyName: "lifecyclestage", Operator: hubspot.OpEQ, Value: stage}},
		source:        "hubspot",
	}
	in := connectPolling(t, newHubSpotInput, cfg, h.res, "hubspot_filtered", h.clock.Now)
	msgs := readCycle(t, in)
	require.NotEmpty(t, msgs)
	require.Less(t, len(msgs), 80)
	for _, m := range msgs {
		var body struct {
			Properties map[string]string `json:"properties"`
		}
		raw, err := m.msg.AsBytes()
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(raw, &body))
		assert.Equal(t, stage, body.Properties["lifecyclestage"])
	}
}
