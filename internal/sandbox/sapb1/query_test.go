package sapb1_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
	"github.com/datawald/datawald/internal/sandbox/sapb1"
)

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}

func q(s string) string { return url.PathEscape(s) }

func TestEntitiesAreAddressedByKey(t *testing.T) {
	_, base := company(t, sapb1.Options{})
	c := loggedIn(t, base)
	sku := smallCatalog.Products[4].SKU
	item := c.get("Items('" + sku + "')")
	require.Equal(t, http.StatusOK, item.status, "%s", item.raw)
	assert.Equal(t, sku, item.body["ItemCode"])
	assert.Contains(t, item.body["odata.metadata"], "$metadata#Items/@Element")
	prices := item.body["ItemPrices"].([]any)
	assert.InDelta(t, smallCatalog.Products[4].Price.Float64(), prices[0].(map[string]any)["Price"], 0.001)

	order := c.get("Orders(3)")
	require.Equal(t, http.StatusOK, order.status)
	assert.Equal(t, smallCatalog.Orders[2].Number, order.body["NumAtCard"])
	assert.Len(t, order.body["DocumentLines"], len(smallCatalog.Orders[2].Lines))
	assert.InDelta(t, smallCatalog.Orders[2].GrandTotal.Float64(), order.body["DocTotal"], 0.001)

	requireSAPError(t, c.get("Orders(99999)"), http.StatusNotFound, -2028)
	requireSAPError(t, c.get("BusinessPartners('NOPE')"), http.StatusNotFound, -2028)
}

func TestSelectOrderByTopAndSkip(t *testing.T) {
	_, base := company(t, sapb1.Options{})
	c := loggedIn(t, base)
	rows := values(t, c.get("Orders?$select=DocEntry,DocTotal&$orderby="+q("DocTotal desc")+"&$top=5&$skip=1"))
	require.Len(t, rows, 5)
	for _, r := range rows {
		assert.Len(t, r, 2, "only the selected properties: %v", r)
	}
	for i := 1; i < len(rows); i++ {
		assert.GreaterOrEqual(t, rows[i-1]["DocTotal"], rows[i]["DocTotal"])
	}
	msg := requireSAPError(t, c.get("Orders?$select=DocEntry,Nope"), http.StatusBadRequest, -1000)
	assert.Contains(t, msg, "Nope")
	requireSAPError(t, c.get("Orders?$filter="+q("Nope eq 1")), http.StatusBadRequest, -1000)
	requireSAPError(t, c.get("Orders?$filter="+q("DocEntry eq 'x' and")), http.StatusBadRequest, -1000)
}

func TestFilterOnStringsEnumsNumbersAndParentheses(t *testing.T) {
	_, base := company(t, sapb1.Options{})
	c := loggedIn(t, base)
	card := smallCatalog.BusinessPartners[0].CardCode
	want := 0
	for _, o := range smallCatalog.Orders {
		if o.CustomerID == smallCatalog.BusinessPartners[0].CustomerID && o.GrandTotal.Float64() > 10 {
			want++
		}
	}
	rows := values(t, c.do(http.MethodGet, "Orders?$filter="+q("(CardCode eq '"+card+"') and (DocTotal gt 10 or DocTotal le 10 and DocEntry lt 0)"), nil,
		map[string]string{"Prefer": "odata.maxpagesize=0"}))
	assert.Len(t, rows, want)
	for _, r := range rows {
		assert.Equal(t, card, r["CardCode"])
	}
	open := values(t, c.do(http.MethodGet, "Orders?$filter="+q("DocumentStatus eq 'bost_Open' and Cancelled ne 'tYES'"), nil,
		map[string]string{"Prefer": "odata.maxpagesize=0"}))
	for _, r := range open {
		assert.Equal(t, "bost_Open", r["DocumentStatus"])
	}
	requireSAPError(t, c.get("Orders?$filter="+q("DocumentStatus eq 'open'")), http.StatusBadRequest, -1000)
	starts := values(t, c.get("Items?$filter="+q("startswith(ItemCode,'"+smallCatalog.Products[0].SKU[:4]+"')")))
	assert.NotEmpty(t, starts)
}

func TestNextLinkPagesThroughTheWholeSet(t *testing.T) {
	_, base := company(t, sapb1.Options{})
	c := loggedIn(t, base)

	first := c.get("Orders?$select=DocEntry")
	assert.Len(t, values(t, first), sapb1.DefaultPageSize, "server-driven default page size")

	seen := map[float64]bool{}
	path := "Orders?$select=DocEntry&$orderby=DocEntry"
	pages := 0
	for path != "" {
		require.Less(t, pages, 20)
		r := c.do(http.MethodGet, path, nil, map[string]string{"Prefer": "odata.maxpagesize=7"})
		rows := values(t, r)
		assert.LessOrEqual(t, len(rows), 7)
		assert.Equal(t, "odata.maxpagesize=7", r.header.Get("Preference-Applied"))
		for _, row := range rows {
			id := row["DocEntry"].(float64)
			assert.False(t, seen[id], "DocEntry %v twice", id)
			seen[id] = true
		}
		path, _ = r.body["odata.nextLink"].(string)
		pages++
	}
	assert.Len(t, seen, len(smallCatalog.Orders))
	assert.Equal(t, (len(smallCatalog.Orders)+6)/7, pages)

	top := c.do(http.MethodGet, "Orders?$top=10&$select=DocEntry", nil, map[string]string{"Prefer": "odata.maxpagesize=7"})
	require.Len(t, values(t, top), 7)
	next := top.body["odata.nextLink"].(string)
	assert.Contains(t, next, "$top=3")
	assert.Len(t, values(t, c.do(http.MethodGet, next, nil, map[string]string{"Prefer": "odata.maxpagesize=7"})), 3)
}

// The trap: UpdateDate keeps only the date and UpdateTime only the time.
// A filter that ANDs "UpdateDate ge D" with "UpdateTime ge T" loses changes
// made on a later day at an earlier time; the correct filter is
// UpdateDate gt D or (UpdateDate eq D and UpdateTime ge T).
func TestUpdateDateAndUpdateTimeAreFilteredOnTheirOwnPartOnly(t *testing.T) {
	clock := newFakeClock() // 2026-11-20 21:00:00
	v, base := company(t, sapb1.Options{Clock: clock.Now, SessionTimeout: 24 * time.Hour})
	c := loggedIn(t, base)
	a, b := smallCatalog.Products[1].SKU, smallCatalog.Products[2].SKU

	clock.Advance(2 * time.Hour) // 23:00 on the 20th
	_, err := v.Mutate(sandbox.MutateRequest{Entity: "Items", IDs: []string{a}})
	require.NoError(t, err)
	clock.Advance(3 * time.Hour) // 02:00 on the 21st
	_, err = v.Mutate(sandbox.MutateRequest{Entity: "Items", IDs: []string{b}})
	require.NoError(t, err)

	codes := func(filter string) []string {
		rows := values(t, c.do(http.MethodGet, "Items?$select=ItemCode,UpdateDate,UpdateTime&$filter="+q(filter), nil,
			map[string]string{"Prefer": "odata.maxpagesize=0"}))
		var out []string
		for _, r := range rows {
			out = append(out, r["ItemCode"].(string))
		}
		return out
	}
	item := c.get("Items('" + b + "')?$select=UpdateDate,UpdateTime")
	assert.Equal(t, "2026-11-21", item.body["UpdateDate"])
	assert.Equal(t, "02:00:00", item.body["UpdateTime"])

	naive := codes("UpdateDate ge '2026-11-20' and UpdateTime ge '22:00:00'")
	assert.Equal(t, []string{a}, naive, "the naive filter misses the change after midnight")

	correct := codes("UpdateDate gt '2026-11-20' or (UpdateDate eq '2026-11-20' and UpdateTime ge '22:00:00')")
	assert.ElementsMatch(t, []string{a, b}, correct)

	// The time part of a date literal is ignored, and the date part of a
	// time literal too.
	assert.ElementsMatch(t, []string{a, b}, codes("UpdateDate ge datetime'2026-11-20T23:59:59'"))
	assert.Equal(t, []string{b}, codes("UpdateDate eq '2026-11-21T00:00:00' and UpdateTime le '2026-11-20T02:00:00'"))
}

func TestMutateIsVisibleToAnIncrementalQuery(t *testing.T) {
	clock := newFakeClock()
	v := sapb1.New(sapb1.Options{Catalog: smallCatalog, Clock: clock.Now})
	_, base := sandboxtest.Start(t, v, sandbox.Options{})
	c := loggedIn(t, base)
	clock.Advance(90 * time.Second)

	res := sandboxtest.Mutate(t, base, sandbox.MutateRequest{Entity: "Orders", Count: 4, SameSecond: true})
	require.Len(t, res.Changed, 4)
	rows := values(t, c.get("Orders?$select=DocEntry,UpdateTime&$orderby=DocEntry&$filter="+
		q("UpdateDate gt '2026-11-20' or (UpdateDate eq '2026-11-20' and UpdateTime ge '21:01:00')")))
	var got []string
	for _, r := range rows {
		got = append(got, strconv.Itoa(int(r["DocEntry"].(float64))))
		assert.Equal(t, "21:01:30", r["UpdateTime"])
	}
	assert.Equal(t, res.Changed, got)

	_, err := v.Mutate(sandbox.MutateRequest{Entity: "Orders", IDs: []string{"1"}, Set: map[string]any{"Nope": 1}})
	var br *sandbox.BadRequestError
	assert.ErrorAs(t, err, &br)
}
