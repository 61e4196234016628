package hubspot_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/hubspot"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
	"github.com/datawald/datawald/internal/sandbox/seed"
)

func filterBody(prop, op string, value any, extra map[string]any) map[string]any {
	body := map[string]any{
		"filterGroups": []any{map[string]any{"filters": []any{map[string]any{"propertyName": prop, "operator": op, "value": value}}}},
	}
	for k, v := range extra {
		body[k] = v
	}
	return body
}

func TestSearchPagingStopsAtTenThousandResultsWith400(t *testing.T) {
	big := seed.Generate(seed.Config{Seed: 3, End: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		Counts: seed.Counts{Products: 5, Customers: 5, Orders: 5, Companies: 5, Contacts: 10_050, Deals: 5}})
	_, base := portal(t, hubspot.Options{Catalog: big})
	url := base + "/crm/v3/objects/contacts/search"
	body := map[string]any{"limit": 200, "after": "9800", "sorts": []any{map[string]any{"propertyName": "hs_object_id", "direction": "ASCENDING"}}}

	r := call(t, http.MethodPost, url, body)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.EqualValues(t, 10_050, r.body["total"])
	assert.Len(t, results(t, r), 200)
	next := r.body["paging"].(map[string]any)["next"].(map[string]any)["after"]
	assert.Equal(t, "10000", next, "HubSpot hands out a cursor it will then refuse")

	body["after"], body["limit"] = "9950", 100
	last := call(t, http.MethodPost, url, body)
	require.Equal(t, http.StatusOK, last.status, "%s", last.raw)
	assert.Len(t, results(t, last), 50, "nothing past the 10,000th result is served")

	body["after"] = next
	refused := call(t, http.MethodPost, url, body)
	requireHubSpotError(t, refused, http.StatusBadRequest, "VALIDATION_ERROR")
	assert.Contains(t, refused.body["message"], "10000")
}

func TestSearchRejectsPagesOver200AndSortsOverOne(t *testing.T) {
	_, base := portal(t, hubspot.Options{})
	url := base + "/crm/v3/objects/contacts/search"
	requireHubSpotError(t, call(t, http.MethodPost, url, map[string]any{"limit": 201}), http.StatusBadRequest, "VALIDATION_ERROR")
	requireHubSpotError(t, call(t, http.MethodPost, url, map[string]any{"sorts": []string{"email", "-createdate"}}), http.StatusBadRequest, "VALIDATION_ERROR")
	requireHubSpotError(t, call(t, http.MethodPost, url, filterBody("nope", "EQ", "x", nil)), http.StatusBadRequest, "VALIDATION_ERROR")
}

func TestSearchFiltersAndSortsByLastModifiedDate(t *testing.T) {
	_, base := portal(t, hubspot.Options{})
	// The seed's median modification time splits the deals.
	cut := smallCatalog.Deals[len(smallCatalog.Deals)/2].UpdatedAt
	want := 0
	for _, d := range smallCatalog.Deals {
		if !d.UpdatedAt.Before(cut) {
			want++
		}
	}
	r := call(t, http.MethodPost, base+"/crm/v3/objects/deals/search", filterBody("hs_lastmodifieddate", "GTE",
		strconv.FormatInt(cut.UnixMilli(), 10), map[string]any{
			"sorts": []any{map[string]any{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}}, "limit": 200,
		}))
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	got := results(t, r)
	require.Len(t, got, want)
	prev := ""
	for _, item := range got {
		mod := props(item)["hs_lastmodifieddate"].(string)
		assert.GreaterOrEqual(t, mod, cut.UTC().Format("2006-01-02T15:04:05.000Z"))
		assert.GreaterOrEqual(t, mod, prev)
		prev = mod
	}
}

func TestChangesBecomeSearchableOnlyAfterTheIndexLag(t *testing.T) {
	clock := newFakeClock()
	_, base := portal(t, hubspot.Options{SearchLag: 30 * time.Second, Clock: clock.Now})
	findByTitle := func(title string) float64 {
		r := call(t, http.MethodPost, base+"/crm/v3/objects/contacts/search", filterBody("jobtitle", "EQ", title, nil))
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		return r.body["total"].(float64)
	}

	r := call(t, http.MethodPatch, base+"/crm/v3/objects/contacts/1000002", map[string]any{"properties": map[string]any{"jobtitle": "Chief Lag Officer"}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	created := call(t, http.MethodPost, base+"/crm/v3/objects/contacts", map[string]any{"properties": map[string]any{"email": "late@example.com", "jobtitle": "Chief Lag Officer"}})
	require.Equal(t, http.StatusCreated, created.status, "%s", created.raw)

	get := call(t, http.MethodGet, base+"/crm/v3/objects/contacts/1000002?properties=jobtitle", nil)
	assert.Equal(t, "Chief Lag Officer", props(get.body)["jobtitle"], "reads by id see the change at once")
	assert.Zero(t, findByTitle("Chief Lag Officer"), "search does not see it yet")

	clock.Advance(29 * time.Second)
	assert.Zero(t, findByTitle("Chief Lag Officer"))
	clock.Advance(time.Second)
	assert.EqualValues(t, 2, findByTitle("Chief Lag Officer"))
}

func TestMutateIsVisibleToAnIncrementalSearch(t *testing.T) {
	clock := newFakeClock()
	v := hubspot.New(hubspot.Options{Catalog: smallCatalog, Clock: clock.Now, RateLimit: -1, SearchRateLimit: -1})
	_, base := sandboxtest.Start(t, v, sandbox.Options{})
	cursor := clock.Now()
	clock.Advance(1500 * time.Millisecond)

	res := sandboxtest.Mutate(t, base, sandbox.MutateRequest{Entity: "companies", Count: 3, SameSecond: true})
	require.Len(t, res.Changed, 3)
	assert.Equal(t, cursor.Add(time.Second), res.ModifiedAt, "same_second truncates to the second")

	r := call(t, http.MethodPost, base+"/crm/v3/objects/companies/search", filterBody("hs_lastmodifieddate", "GT",
		cursor.Format(time.RFC3339), map[string]any{"sorts": []any{"hs_object_id"}}))
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	var ids []string
	for _, item := range results(t, r) {
		ids = append(ids, item["id"].(string))
		assert.Equal(t, "2026-11-20T09:30:01.000Z", props(item)["hs_lastmodifieddate"])
	}
	assert.Equal(t, res.Changed, ids)

	bad, err := v.Mutate(sandbox.MutateRequest{Entity: "companies", IDs: []string{"2000001"}, Set: map[string]any{"nope": 1}})
	require.Error(t, err, "%v", bad)
	var br *sandbox.BadRequestError
	assert.ErrorAs(t, err, &br)
}
