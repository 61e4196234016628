package hubspot_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/checkpoint"
	"github.com/datawald/datawald/internal/hubspot"
	"github.com/datawald/datawald/internal/hubspot/hubspottest"
	"github.com/datawald/datawald/internal/sandbox"
	sbhubspot "github.com/datawald/datawald/internal/sandbox/hubspot"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
	"github.com/datawald/datawald/internal/sandbox/seed"
)

var catalogEnd = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// catalog is a seeded portal of n contacts (with the seed's same-second
// bursts) and a few of everything else.
func catalog(contacts int) *seed.Catalog {
	return seed.Generate(seed.Config{Seed: 11, End: catalogEnd, Counts: seed.Counts{
		Products: 20, Customers: 10, Orders: 10, Companies: 10, Contacts: contacts, Deals: 10, BurstSize: 40,
	}})
}

// scanAll runs a scan to the end and returns what it emitted.
func scanAll(t *testing.T, s *hubspot.Scan) []hubspot.Item {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var out []hubspot.Item
	for !s.Done() {
		items, err := s.Next(ctx)
		require.NoError(t, err)
		out = append(out, items...)
	}
	return out
}

// requireTotalOrder checks that items are in strictly increasing (modified,
// id) order, which also means no object was emitted twice.
func requireTotalOrder(t *testing.T, items []hubspot.Item) {
	t.Helper()
	for i := 1; i < len(items); i++ {
		require.Positive(t, items[i].Pos.Compare(items[i-1].Pos), "item %d (%s) is not after item %d (%s)", i, items[i].Pos, i-1, items[i-1].Pos)
	}
}

func TestScanReadsEveryContactOnceInModifiedThenIDOrderAcrossSameTimestampBursts(t *testing.T) {
	sb := hubspottest.Start(t, sbhubspot.Options{Catalog: catalog(300)}, sandbox.Options{})
	c := sb.Client(t)
	typ, _ := hubspot.LookupObjectType("contacts")

	// A page of 7 is smaller than the seed's 40-record bursts, so the scan
	// must page inside a timestamp by id.
	s := c.NewScan(typ, hubspot.ScanOptions{Properties: []string{"email"}, Upper: catalogEnd.Add(time.Hour), Limit: 7})
	items := scanAll(t, s)
	require.Len(t, items, 300)
	requireTotalOrder(t, items)
	longest, run := 1, 1
	for i := 1; i < len(items); i++ {
		if items[i].Modified.Equal(items[i-1].Modified) {
			run++
			longest = max(longest, run)
		} else {
			run = 1
		}
	}
	require.Greater(t, longest, 7, "the catalog has a timestamp shared by more contacts than a page holds")
	for _, it := range items {
		_, ok := it.Property("email")
		assert.True(t, ok, "contact %s carries the requested email property", it.ID)
	}

	// Resuming from a position in the middle of a burst reads exactly the
	// rest.
	mid := items[150].Pos
	rest := scanAll(t, c.NewScan(typ, hubspot.ScanOptions{From: mid, Upper: catalogEnd.Add(time.Hour), Limit: 7}))
	require.Len(t, rest, 149)
	assert.Equal(t, items[151].Pos, rest[0].Pos)
}

func TestScanReadsMoreThanTenThousandChangesInOneWindowWithoutHittingTheSearchCap(t *testing.T) {
	clock := sandboxtest.NewClock(catalogEnd.Add(24 * time.Hour))
	sb := hubspottest.Start(t, sbhubspot.Options{Catalog: catalog(10_400), Clock: clock.Now}, sandbox.Options{})
	c := sb.Client(t)
	typ, _ := hubspot.LookupObjectType("contacts")

	// 10,300 contacts changed in one millisecond apart each, then 10,100 of
	// them again all in one second: two windows of more than 10,000.
	start := clock.Now()
	sandboxtest.Mutate(t, sb.URL, sandbox.MutateRequest{Entity: "contacts", Count: 10_300})
	clock.Advance(time.Minute)
	sandboxtest.Mutate(t, sb.URL, sandbox.MutateRequest{Entity: "contacts", Count: 10_100, SameSecond: true})
	clock.Advance(time.Minute)

	items := scanAll(t, c.NewScan(typ, hubspot.ScanOptions{From: checkpoint.Cursor{Time: start}, Upper: clock.Now()}))
	requireTotalOrder(t, items)
	ids := map[string]bool{}
	for _, it := range items {
		ids[it.ID] = true
	}
	// Every contact changed by either mutation is read once, in its latest
	// version.
	require.Len(t, items, len(ids))
	assert.GreaterOrEqual(t, len(ids), 10_300)
	assert.Greater(t, len(ids), hubspot.MaxSearchResults, "more than one search could page through")
	st := sb.Server.Stats()
	assert.Zero(t, st.Count("POST /crm/v3/objects/{objectType}/search", 400), "no search paged past the 10,000-result cap")
}

func TestScanDoesNotSeeChangesTheSearchIndexHasNotCaughtUpWith(t *testing.T) {
	clock := sandboxtest.NewClock(catalogEnd.Add(24 * time.Hour))
	sb := hubspottest.Start(t, sbhubspot.Options{Catalog: catalog(50), Clock: clock.Now, SearchLag: 30 * time.Second}, sandbox.Options{})
	c := sb.Client(t)
	typ, _ := hubspot.LookupObjectType("contacts")

	from := checkpoint.Cursor{Time: clock.Now()}
	changed := sandboxtest.Mutate(t, sb.URL, sandbox.MutateRequest{Entity: "contacts", Count: 3})
	clock.Advance(time.Second)
	assert.Empty(t, scanAll(t, c.NewScan(typ, hubspot.ScanOptions{From: from, Upper: clock.Now(), Limit: 100})), "changes are not searchable before the index lag")
	clock.Advance(30 * time.Second)
	items := scanAll(t, c.NewScan(typ, hubspot.ScanOptions{From: from, Upper: clock.Now(), Limit: 100}))
	require.Len(t, items, 3)
	for i, it := range items {
		assert.Equal(t, changed.Changed[i], it.ID)
	}
}

func TestScanFiltersAreAndedWithTheWindowOnEveryPage(t *testing.T) {
	sb := hubspottest.Start(t, sbhubspot.Options{Catalog: catalog(300)}, sandbox.Options{})
	c := sb.Client(t)
	typ, _ := hubspot.LookupObjectType("contacts")
	upper := catalogEnd.Add(time.Hour)

	all := scanAll(t, c.NewScan(typ, hubspot.ScanOptions{Properties: []string{"lifecyclestage"}, Upper: upper, Limit: 200}))
	stage, _ := all[0].Property("lifecyclestage")
	var want []string
	for _, it := range all {
		if v, _ := it.Property("lifecyclestage"); v == stage {
			want = append(want, it.ID)
		}
	}
	require.Less(t, len(want), len(all), "the filter must leave some contacts out")

	opts := hubspot.ScanOptions{
		Properties: []string{"lifecyclestage"},
		Filters:    []hubspot.Filter{{PropertyName: "lifecyclestage", Operator: hubspot.OpEQ, Value: stage}},
		Upper:      upper,
		Limit:      7,
	}
	require.NoError(t, opts.Validate(typ))
	got := scanAll(t, c.NewScan(typ, opts))
	requireTotalOrder(t, got)
	ids := make([]string, len(got))
	for i, it := range got {
		ids[i] = it.ID
	}
	assert.ElementsMatch(t, want, ids)
}

func TestScanOptionsRefuseFiltersOnTheCursorAndTooManyFilters(t *testing.T) {
	typ, _ := hubspot.LookupObjectType("deals")
	on := func(p string) hubspot.Filter {
		return hubspot.Filter{PropertyName: p, Operator: hubspot.OpEQ, Value: "1"}
	}
	assert.ErrorContains(t, hubspot.ScanOptions{Filters: []hubspot.Filter{on("hs_lastmodifieddate")}}.Validate(typ), "cursor property")
	assert.ErrorContains(t, hubspot.ScanOptions{Filters: []hubspot.Filter{on("hs_object_id")}}.Validate(typ), "cursor property")
	many := make([]hubspot.Filter, hubspot.MaxScanFilters+1)
	for i := range many {
		many[i] = on("dealstage")
	}
	assert.ErrorContains(t, hubspot.ScanOptions{Filters: many}.Validate(typ), "at most 8")
	assert.NoError(t, hubspot.ScanOptions{Filters: many[:hubspot.MaxScanFilters]}.Validate(typ))
}
