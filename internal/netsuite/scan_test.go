package netsuite

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/checkpoint"
	"github.com/datawald/datawald/internal/sandbox"
	sbnetsuite "github.com/datawald/datawald/internal/sandbox/netsuite"
	"github.com/datawald/datawald/internal/sandbox/seed"
)

func scanAll(t *testing.T, s *Scan) []Row {
	t.Helper()
	var out []Row
	for !s.Done() {
		rows, err := s.Next(t.Context())
		require.NoError(t, err)
		out = append(out, rows...)
	}
	return out
}

func TestScanReadsEverySalesOrderOnceInCursorOrder(t *testing.T) {
	cat := seed.Generate(seed.Config{Counts: seed.Counts{Orders: 2500}})
	acct := startAccount(t, sbnetsuite.Options{Catalog: cat, MaxQueryResults: 1200}, sandbox.Options{})
	c := acct.client(t, AuthTBA)
	e, _ := LookupEntity("salesOrder")
	s := c.NewScan(GeneratedQuery(e, false, time.UTC), checkpoint.Cursor{}, time.Now().Add(time.Hour), 500)
	rows := scanAll(t, s)
	require.Len(t, rows, 2500, "every order once, although one query may only reach 1,200 rows")
	seen := map[string]bool{}
	for i, r := range rows {
		require.False(t, seen[r.SrcID], "order %s read twice", r.SrcID)
		seen[r.SrcID] = true
		if i > 0 {
			require.Positive(t, r.Pos.Compare(rows[i-1].Pos))
		}
	}
	var first map[string]any
	require.NoError(t, json.Unmarshal(rows[0].Raw, &first))
	assert.NotContains(t, first, "links")
	assert.Contains(t, first, "tranid")
	assert.Equal(t, 5, s.Pages, "five full pages; the last says hasMore false")
}

func TestScanOfInventoryJoinsItemIDsAndOrdersByItemAndLocation(t *testing.T) {
	cat := seed.Generate(seed.Config{Counts: seed.Counts{Products: 30, Locations: 3, Orders: 5}})
	acct := startAccount(t, sbnetsuite.Options{Catalog: cat}, sandbox.Options{})
	c := acct.client(t, AuthTBA)
	e, _ := LookupEntity("inventory")
	rows := scanAll(t, c.NewScan(GeneratedQuery(e, false, time.UTC), checkpoint.Cursor{}, time.Now().Add(time.Hour), 7))
	require.NotEmpty(t, rows)
	seen := map[string]bool{}
	for i, r := range rows {
		require.False(t, seen[r.SrcID])
		seen[r.SrcID] = true
		var m map[string]any
		require.NoError(t, json.Unmarshal(r.Raw, &m))
		assert.NotEmpty(t, m["itemid"], "row %s has its item's itemid", r.SrcID)
		assert.Contains(t, m, "quantityavailable")
		if i > 0 {
			require.Positive(t, r.Pos.Compare(rows[i-1].Pos), "%s after %s", r.Pos, rows[i-1].Pos)
		}
	}
	assert.Len(t, rows, len(cat.Inventory))
}
