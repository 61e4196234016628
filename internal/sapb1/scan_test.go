package sapb1_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/checkpoint"
	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
	sbsapb1 "github.com/datawald/datawald/internal/sandbox/sapb1"
	"github.com/datawald/datawald/internal/sapb1"
	"github.com/datawald/datawald/internal/sapb1/sapb1test"
)

// scanAll reads a scan to its end.
func scanAll(t *testing.T, s *sapb1.Scan) []sapb1.Record {
	t.Helper()
	var out []sapb1.Record
	for !s.Done() {
		recs, err := s.Next(t.Context())
		require.NoError(t, err)
		out = append(out, recs...)
	}
	return out
}

func TestScanReadsEveryRecordOnceInCursorOrderAcrossPages(t *testing.T) {
	sb := start(t, nil)
	c := sb.Client(t)
	recs := scanAll(t, c.NewScan(sapb1.Orders, checkpoint.Cursor{}, time.Time{}, time.UTC, 7))
	require.Len(t, recs, len(smallCatalog.Orders))
	seen := map[string]bool{}
	for i, r := range recs {
		require.False(t, seen[r.Key], "DocEntry %s read twice", r.Key)
		seen[r.Key] = true
		if i > 0 {
			require.Positive(t, r.Pos.Compare(recs[i-1].Pos), "records come in (UpdateDate, UpdateTime, DocEntry) order")
		}
	}
}

func TestScanAfterACursorFindsRecordsOfLaterDaysAtEarlierHoursAndOfTheSameSecond(t *testing.T) {
	clock := sandboxtest.NewClock(time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC))
	sb := start(t, clock)
	c := sb.Client(t)
	all := scanAll(t, c.NewScan(sapb1.BusinessPartners, checkpoint.Cursor{}, time.Time{}, time.UTC, 50))
	cursor := all[len(all)-1].Pos

	codes := make([]string, 6)
	for i := range codes {
		codes[i] = smallCatalog.BusinessPartners[i].CardCode
	}
	// Three partners change at 15:00:00 on the 20th, in one second.
	_, err := sb.Vendor.Mutate(sandbox.MutateRequest{Entity: "BusinessPartners", IDs: codes[:3], SameSecond: true})
	require.NoError(t, err)
	first := scanAll(t, c.NewScan(sapb1.BusinessPartners, cursor, time.Time{}, time.UTC, 2))
	require.Equal(t, codes[:3], keys(first), "records sharing one second are read in key order across pages of 2")

	// The next three change the next day at 09:00, an earlier time of day
	// than the cursor's: a filter on UpdateTime alone would miss them, one
	// on UpdateDate alone would read the 20th's three again.
	clock.Advance(18 * time.Hour)
	_, err = sb.Vendor.Mutate(sandbox.MutateRequest{Entity: "BusinessPartners", IDs: codes[3:]})
	require.NoError(t, err)
	second := scanAll(t, c.NewScan(sapb1.BusinessPartners, first[len(first)-1].Pos, time.Time{}, time.UTC, 2))
	require.Equal(t, codes[3:], keys(second))
	assert.Equal(t, time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC), second[0].Updated)
	assert.Equal(t, time.Date(2026, 11, 21, 9, 0, 2, 0, time.UTC), second[2].Updated)

	// A scan resumed mid-second continues after the key.
	mid := scanAll(t, c.NewScan(sapb1.BusinessPartners, first[0].Pos, time.Time{}, time.UTC, 10))
	assert.Equal(t, append(append([]string{}, codes[1:3]...), codes[3:]...), keys(mid))
}

func TestScanStopsAtTheUpperBoundAndReadsCompanyLocalTimes(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	clock := sandboxtest.NewClock(time.Date(2026, 11, 20, 22, 30, 0, 0, time.UTC)) // 23:30 in Berlin
	sb := sapb1test.Start(t, sbsapb1.Options{Catalog: smallCatalog, Clock: clock.Now, Location: berlin}, sandbox.Options{})
	c := sb.Client(t)
	all := scanAll(t, c.NewScan(sapb1.Items, checkpoint.Cursor{}, time.Time{}, berlin, 100))
	cursor := all[len(all)-1].Pos

	skus := []string{smallCatalog.Products[0].SKU, smallCatalog.Products[1].SKU}
	_, err = sb.Vendor.Mutate(sandbox.MutateRequest{Entity: "Items", IDs: skus[:1]})
	require.NoError(t, err)
	clock.Advance(time.Hour) // 00:30 on the 21st in Berlin
	_, err = sb.Vendor.Mutate(sandbox.MutateRequest{Entity: "Items", IDs: skus[1:]})
	require.NoError(t, err)

	upTo := time.Date(2026, 11, 20, 23, 0, 0, 0, time.UTC) // midnight in Berlin
	got := scanAll(t, c.NewScan(sapb1.Items, cursor, upTo, berlin, 100))
	require.Equal(t, skus[:1], keys(got), "the change after the upper bound waits for the next scan")
	assert.Equal(t, time.Date(2026, 11, 20, 22, 30, 0, 0, time.UTC), got[0].Updated, "UpdateDate and UpdateTime are Berlin time")
	var item struct{ UpdateDate, UpdateTime string }
	require.NoError(t, json.Unmarshal(got[0].Raw, &item))
	assert.Equal(t, "23:30:00", item.UpdateTime)

	rest := scanAll(t, c.NewScan(sapb1.Items, got[0].Pos, time.Time{}, berlin, 100))
	assert.Equal(t, skus[1:], keys(rest))
}

func keys(recs []sapb1.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Key
	}
	return out
}

func TestScanRefusesAPositionWhoseIDIsNotADocEntry(t *testing.T) {
	sb := start(t, nil)
	c := sb.Client(t)
	s := c.NewScan(sapb1.Orders, checkpoint.Cursor{Time: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), ID: "C00042"}, time.Time{}, time.UTC, 10)
	_, err := s.Next(t.Context())
	require.ErrorContains(t, err, `the position's id "C00042" is not a DocEntry`)
	assert.Zero(t, sb.Server.Stats().EndpointTotal("GET /b1s/v1/Orders"), "no query is sent")
}
