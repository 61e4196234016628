package netsuite

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox/seed"
)

func smallCatalog() *seed.Catalog {
	return seed.Generate(seed.Config{
		Seed:   7,
		Counts: seed.Counts{Products: 30, Customers: 20, Orders: 60, Companies: 5, Contacts: 25, Deals: 5},
		End:    time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
	})
}

func TestFromCatalogRendersEveryEntityOnce(t *testing.T) {
	cat := smallCatalog()
	ds := FromCatalog(cat)
	count := map[string]int{}
	for _, r := range ds.Records {
		count[r.Type]++
	}
	assert.Equal(t, map[string]int{
		"location": len(cat.Locations), "inventoryItem": len(cat.Products), "customer": len(cat.Customers),
		"salesOrder": len(cat.Orders), "itemFulfillment": len(cat.Shipments), "invoice": len(cat.Invoices),
	}, count)
	_, err := New(Options{Data: ds})
	require.NoError(t, err, "the rendered data set is valid")
}

func TestSeededOrdersKeepTheCatalogTotalsAndLines(t *testing.T) {
	cat := smallCatalog()
	_, c, _, _ := startSandbox(t, func(o *Options) { o.Data = FromCatalog(cat) })
	for _, o := range cat.Orders[:10] {
		r := c.do(http.MethodGet, "/record/v1/salesOrder/eid:"+o.Number+"?expandSubResources=true", nil)
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		body := r.json(t)
		assert.InDelta(t, o.GrandTotal.Float64(), body["total"], 0.001, "order %s", o.Number)
		assert.Equal(t, strconv.Itoa(o.CustomerID), body["entity"].(map[string]any)["id"])
		lines := body["item"].(map[string]any)["items"].([]any)
		require.Len(t, lines, len(o.Lines))
		first := lines[0].(map[string]any)
		assert.Equal(t, o.Lines[0].SKU, first["item"].(map[string]any)["refName"])
		assert.Equal(t, o.UpdatedAt.UTC().Format(time.RFC3339), body["lastModifiedDate"])
	}
}

func TestSeededFulfillmentsCarryTrackingNumbers(t *testing.T) {
	cat := smallCatalog()
	require.NotEmpty(t, cat.Shipments)
	_, c, _, _ := startSandbox(t, func(o *Options) { o.Data = FromCatalog(cat) })
	s := cat.Shipments[0]
	r := c.do(http.MethodGet, "/record/v1/itemFulfillment/eid:"+s.Number+"?expandSubResources=true", nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	body := r.json(t)
	pkg := body["package"].(map[string]any)["items"].([]any)[0].(map[string]any)
	assert.Equal(t, s.TrackingNumber, pkg["packageTrackingNumber"])
	assert.Equal(t, strconv.Itoa(s.OrderID), body["createdFrom"].(map[string]any)["id"])
}

func TestSeededBurstsShareOneLastModifiedSecondInSuiteQL(t *testing.T) {
	cat := smallCatalog()
	bursts := cat.Bursts["orders"]
	require.NotEmpty(t, bursts)
	_, c, _, _ := startSandbox(t, func(o *Options) { o.Data = FromCatalog(cat) })
	at := bursts[0].UTC().Format("2006-01-02 15:04:05")
	q := `SELECT id FROM transaction WHERE type = 'SalesOrd' AND lastmodifieddate = TO_TIMESTAMP('` + at + `', 'YYYY-MM-DD HH24:MI:SS')`
	got := items(t, c.suiteql(q, 1000, 0))
	want := 0
	for _, o := range cat.Orders {
		if o.UpdatedAt.Equal(bursts[0]) {
			want++
		}
	}
	assert.Greater(t, want, 1)
	assert.Len(t, got, want)
}
