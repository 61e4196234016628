package magento

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/seed"
)

func TestMutate_ChangedOrdersShowUpInAnUpdatedAtFilter(t *testing.T) {
	s := startSim(t, nil)
	s.clock.Advance(time.Hour)
	since := formatTime(s.clock.Now().Add(-time.Second))
	before := s.list("/rest/V1/orders", criteria{groups: [][][3]string{{{"updated_at", since, "gt"}}}})
	require.Zero(t, before.TotalCount, "nothing was modified after the seed's end")

	res, err := s.v.Mutate(sandbox.MutateRequest{Entity: "orders", Count: 4})
	require.NoError(t, err)
	require.Len(t, res.Changed, 4)
	got := s.list("/rest/V1/orders", criteria{
		groups:   [][][3]string{{{"updated_at", formatTime(s.clock.Now().Add(-10 * time.Second)), "gt"}}},
		sorts:    [][2]string{{"updated_at", "ASC"}, {"entity_id", "ASC"}},
		pageSize: 50,
	})
	require.Equal(t, 4, got.TotalCount)
	seen := map[string]bool{}
	for _, it := range got.Items {
		seen[it["updated_at"].(string)] = true
	}
	assert.Len(t, seen, 4, "without same_second the changes get distinct seconds")
	assert.Equal(t, formatTime(res.ModifiedAt), got.Items[3]["updated_at"])
}

func TestMutate_SameSecondBurstSharesOneUpdatedAt(t *testing.T) {
	s := startSim(t, nil)
	s.clock.Advance(2 * time.Hour)
	res, err := s.v.Mutate(sandbox.MutateRequest{Entity: "products", Count: 30, SameSecond: true})
	require.NoError(t, err)
	at := formatTime(res.ModifiedAt)

	eq := s.list("/rest/V1/products", criteria{groups: [][][3]string{{{"updated_at", at, "eq"}}}, pageSize: 100})
	assert.Equal(t, 30, eq.TotalCount)
	gt := s.list("/rest/V1/products", criteria{groups: [][][3]string{{{"updated_at", at, "gt"}}}})
	assert.Zero(t, gt.TotalCount, "a strict gt cursor on the burst second skips the whole burst")

	// Paging the burst with a total sort order sees each product once.
	var pages []string
	for page := 1; page <= 5; page++ {
		p := s.list("/rest/V1/products", criteria{
			groups: [][][3]string{{{"updated_at", at, "gteq"}}}, sorts: [][2]string{{"updated_at", "ASC"}, {"entity_id", "ASC"}},
			pageSize: 8, page: page,
		})
		for _, it := range p.Items {
			pages = append(pages, it["sku"].(string))
		}
	}
	assert.Len(t, pages, 8+8+8+6+6, "page 5 is past the end and repeats page 4")
	assert.ElementsMatch(t, res.Changed, uniq(pages))
}

func uniq(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func TestMutate_SetsFieldsByTheirAPINames(t *testing.T) {
	s := startSim(t, nil)
	p := testCatalog().Products[5]
	_, err := s.v.Mutate(sandbox.MutateRequest{Entity: "products", IDs: []string{p.SKU}, Set: map[string]any{"price": 1.23, "name": "Renamed"}})
	require.NoError(t, err)
	var got product
	s.mustAdmin(http.StatusOK, "GET", "/rest/V1/products/"+p.SKU, nil, &got)
	assert.Equal(t, 1.23, got.Price)
	assert.Equal(t, "Renamed", got.Name)
}

func TestMutate_RefusesUnknownEntitiesIDsAndFields(t *testing.T) {
	s := startSim(t, nil)
	var bad *sandbox.BadRequestError
	for _, req := range []sandbox.MutateRequest{
		{Entity: "salesOrder"},
		{Entity: "orders", IDs: []string{"999999"}},
		{Entity: "orders", Count: 1, Set: map[string]any{"no_such_field": 1}},
		{Entity: "orders", Count: 1, Set: map[string]any{"entity_id": 5}},
		{Entity: "orders", Count: 1, Set: map[string]any{"grand_total": "not a number"}},
	} {
		_, err := s.v.Mutate(req)
		assert.ErrorAs(t, err, &bad, "%+v", req)
	}
}

func TestMutate_IsDeterministicAndResetRestoresTheSeed(t *testing.T) {
	a := startSim(t, nil)
	b := startSim(t, nil)
	ra, err := a.v.Mutate(sandbox.MutateRequest{Entity: "customers", Count: 3})
	require.NoError(t, err)
	rb, err := b.v.Mutate(sandbox.MutateRequest{Entity: "customers", Count: 3})
	require.NoError(t, err)
	assert.Equal(t, ra.Changed, rb.Changed)

	a.v.Reset()
	res := a.list("/rest/V1/customers/search", criteria{groups: [][][3]string{{{"updated_at", formatTime(ra.ModifiedAt), "gteq"}}}})
	assert.Zero(t, res.TotalCount)
}

func TestWriteFault_Is500WithMagentosMaskedMessage(t *testing.T) {
	s := startSim(t, nil)
	s.srv.SetFaults(sandbox.Faults{ErrorRate: 1})
	status, body := s.call("GET", ordersPage, "", nil)
	require.Contains(t, []int{500, 502, 503}, status)
	if status == 500 {
		assert.Contains(t, decodeErr(t, body).Message, "Internal Error. Details are available in Magento log file.")
	} else {
		assert.Contains(t, string(body), "<html")
	}
	if s.checks != nil {
		s.checks.TakeViolations() // injected HTML pages are not the API's contract
	}
}

func TestSeedBursts_ShareOneUpdatedAtSecondInMagento(t *testing.T) {
	s := startSim(t, nil)
	bursts := testCatalog().Bursts["orders"]
	require.NotEmpty(t, bursts)
	res := s.list("/rest/V1/orders", criteria{groups: [][][3]string{{{"updated_at", formatTime(bursts[0]), "eq"}}}, pageSize: 100})
	assert.GreaterOrEqual(t, res.TotalCount, 2, "a burst is several orders modified in the same second")
}

func TestNew_ServesATinyCatalog(t *testing.T) {
	cat := seed.Generate(seed.Config{Seed: 1, End: catalogEnd, Counts: seed.Counts{Products: 1, Locations: 1, Customers: 1, Orders: 2}})
	v := New(Options{Catalog: cat})
	res, err := v.Mutate(sandbox.MutateRequest{Entity: "orders", Count: 2, SameSecond: true})
	require.NoError(t, err)
	assert.Len(t, res.Changed, 2)
	_, err = v.Mutate(sandbox.MutateRequest{Entity: "orders", Count: 3})
	assert.Error(t, err)
}

func TestSearch_ASortThatIsNotTotalRepeatsAndSkipsRowsAcrossPages(t *testing.T) {
	s := startSim(t, nil)
	s.clock.Advance(time.Hour)
	res, err := s.v.Mutate(sandbox.MutateRequest{Entity: "products", Count: 40, SameSecond: true})
	require.NoError(t, err)
	at := formatTime(res.ModifiedAt)
	read := func(sorts [][2]string) []string {
		var out []string
		for page := 1; page <= 5; page++ {
			p := s.list("/rest/V1/products", criteria{groups: [][][3]string{{{"updated_at", at, "gteq"}}}, sorts: sorts, pageSize: 8, page: page})
			for _, it := range p.Items {
				out = append(out, it["sku"].(string))
			}
		}
		return out
	}
	loose := read([][2]string{{"updated_at", "ASC"}})
	assert.Len(t, loose, 40)
	assert.Less(t, len(uniq(loose)), 40, "ties on updated_at come back in a different order on each page")

	total := read([][2]string{{"updated_at", "ASC"}, {"entity_id", "ASC"}})
	assert.ElementsMatch(t, res.Changed, total, "a total sort reads each row exactly once")
}
