package magento

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// allProducts lists every product without filters, the reference the
// filtered searches are checked against.
func allProducts(t *testing.T, s *sim) []map[string]any {
	t.Helper()
	var out []map[string]any
	for page := 1; ; page++ {
		res := s.list("/rest/V1/products", criteria{pageSize: 100, page: page})
		out = append(out, res.Items...)
		if page*100 >= res.TotalCount {
			require.Len(t, out, res.TotalCount)
			return out
		}
	}
}

func skus(items []map[string]any) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it["sku"].(string)
	}
	sort.Strings(out)
	return out
}

func TestSearchCriteria_ConditionTypesFilterLikeMagento(t *testing.T) {
	s := startSim(t, func(o *Options) { o.InputLimits.Disabled = true })
	all := allProducts(t, s)
	require.Greater(t, len(all), 50)
	pivot := all[len(all)/2]
	price := pivot["price"].(float64)
	pivotSKU := pivot["sku"].(string)
	prefix := pivotSKU[:4] // category prefix, e.g. "APP-"
	second := all[len(all)/3]["sku"].(string)

	want := func(keep func(map[string]any) bool) []string {
		var out []map[string]any
		for _, it := range all {
			if keep(it) {
				out = append(out, it)
			}
		}
		return skus(out)
	}
	p := func(it map[string]any) float64 { return it["price"].(float64) }
	ps := fmt.Sprint(price)
	cases := []struct {
		name   string
		groups [][][3]string
		keep   func(map[string]any) bool
	}{
		{"eq", [][][3]string{{{"sku", pivotSKU, "eq"}}}, func(it map[string]any) bool { return it["sku"] == pivotSKU }},
		{"eq is the default", [][][3]string{{{"sku", pivotSKU, ""}}}, func(it map[string]any) bool { return it["sku"] == pivotSKU }},
		{"eq ignores case like MySQL", [][][3]string{{{"sku", strings.ToLower(pivotSKU), "eq"}}}, func(it map[string]any) bool { return it["sku"] == pivotSKU }},
		{"neq", [][][3]string{{{"sku", pivotSKU, "neq"}}}, func(it map[string]any) bool { return it["sku"] != pivotSKU }},
		{"gt", [][][3]string{{{"price", ps, "gt"}}}, func(it map[string]any) bool { return p(it) > price }},
		{"gteq", [][][3]string{{{"price", ps, "gteq"}}}, func(it map[string]any) bool { return p(it) >= price }},
		{"lt", [][][3]string{{{"price", ps, "lt"}}}, func(it map[string]any) bool { return p(it) < price }},
		{"lteq", [][][3]string{{{"price", ps, "lteq"}}}, func(it map[string]any) bool { return p(it) <= price }},
		{"in", [][][3]string{{{"sku", pivotSKU + "," + second, "in"}}}, func(it map[string]any) bool { return it["sku"] == pivotSKU || it["sku"] == second }},
		{"like", [][][3]string{{{"sku", prefix + "%", "like"}}}, func(it map[string]any) bool { return strings.HasPrefix(it["sku"].(string), prefix) }},
		{"OR inside a group", [][][3]string{{{"sku", pivotSKU, "eq"}, {"sku", second, "eq"}}}, func(it map[string]any) bool { return it["sku"] == pivotSKU || it["sku"] == second }},
		{"AND across groups", [][][3]string{{{"sku", prefix + "%", "like"}}, {{"price", ps, "lt"}}}, func(it map[string]any) bool {
			return strings.HasPrefix(it["sku"].(string), prefix) && p(it) < price
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := s.list("/rest/V1/products", criteria{groups: tc.groups, pageSize: 300})
			expected := want(tc.keep)
			require.NotEmpty(t, expected, "the case must select something")
			assert.Equal(t, expected, skus(res.Items))
			assert.Equal(t, len(expected), res.TotalCount)
		})
	}
}

func TestSearchCriteria_FiltersOnCustomAttributes(t *testing.T) {
	s := startSim(t, nil)
	res := s.list("/rest/V1/products", criteria{groups: [][][3]string{{{"tax_class_id", "0", "eq"}}}, pageSize: 300})
	require.NotEmpty(t, res.Items)
	for _, it := range res.Items {
		found := false
		for _, a := range it["custom_attributes"].([]any) {
			attr := a.(map[string]any)
			if attr["attribute_code"] == "tax_class_id" {
				assert.Equal(t, "0", attr["value"])
				found = true
			}
		}
		assert.True(t, found)
	}
}

func TestSearchCriteria_SortOrdersApplyInSequence(t *testing.T) {
	s := startSim(t, nil)
	res := s.list("/rest/V1/orders", criteria{sorts: [][2]string{{"status", "DESC"}, {"entity_id", "ASC"}}, pageSize: 300})
	require.Len(t, res.Items, 300)
	for i := 1; i < len(res.Items); i++ {
		a, b := res.Items[i-1], res.Items[i]
		sa, sb := a["status"].(string), b["status"].(string)
		require.GreaterOrEqual(t, sa, sb, "status descending")
		if sa == sb {
			require.Less(t, a["entity_id"].(float64), b["entity_id"].(float64), "entity_id ascending within a status")
		}
	}
}

func TestSearch_PagePastTheEndReturnsTheLastPageAgain(t *testing.T) {
	s := startSim(t, nil)
	f := [][][3]string{{{"status", "complete", "eq"}}}
	first := s.list("/rest/V1/orders", criteria{groups: f, pageSize: 7, page: 1})
	require.Greater(t, first.TotalCount, 14)
	lastPage := (first.TotalCount + 6) / 7
	last := s.list("/rest/V1/orders", criteria{groups: f, pageSize: 7, page: lastPage})
	past := s.list("/rest/V1/orders", criteria{groups: f, pageSize: 7, page: lastPage + 5})
	require.NotEmpty(t, past.Items, "Magento never answers an empty page past the end")
	assert.Equal(t, last.Items, past.Items)
	assert.Equal(t, first.TotalCount, past.TotalCount)
	assert.EqualValues(t, lastPage+5, past.SearchCriteria["current_page"], "the request's page is echoed, not the clamped one")
}

func TestSearch_TotalCountCountsEveryMatchNotThePage(t *testing.T) {
	s := startSim(t, nil)
	res := s.list("/rest/V1/customers/search", criteria{pageSize: 5})
	assert.Len(t, res.Items, 5)
	assert.Equal(t, len(testCatalog().Customers), res.TotalCount)
	none := s.list("/rest/V1/customers/search", criteria{groups: [][][3]string{{{"email", "nobody@nowhere.invalid", "eq"}}}, pageSize: 5, page: 3})
	assert.Empty(t, none.Items)
	assert.Equal(t, 0, none.TotalCount)
}

func TestSearch_WithoutSearchCriteriaIs400(t *testing.T) {
	s := startSim(t, nil)
	status, body := s.admin("GET", "/rest/V1/orders", nil)
	require.Equal(t, http.StatusBadRequest, status)
	e := decodeErr(t, body)
	assert.Equal(t, `"%fieldName" is required. Enter and try again.`, e.Message)
	assert.JSONEq(t, `{"fieldName":"searchCriteria"}`, string(e.Parameters))
}

func TestSearch_PageSizeAboveTheInputLimitIs400(t *testing.T) {
	s := startSim(t, nil)
	status, body := s.admin("GET", "/rest/V1/orders?searchCriteria[pageSize]=301", nil)
	require.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "Maximum SearchCriteria pageSize is %max", decodeErr(t, body).Message)
}

func TestSearch_DefaultPageSizeAppliesWhenInputLimitingIsOn(t *testing.T) {
	on := startSim(t, nil)
	assert.Len(t, on.list("/rest/V1/orders", criteria{}).Items, 20)
	off := startSim(t, func(o *Options) { o.InputLimits.Disabled = true })
	assert.Len(t, off.list("/rest/V1/orders", criteria{}).Items, len(testCatalog().Orders))
}

func TestSearch_UnknownProductAttributeIs400(t *testing.T) {
	s := startSim(t, nil)
	q := criteria{groups: [][][3]string{{{"colour_code", "x", "eq"}}}}.query()
	status, body := s.admin("GET", "/rest/V1/products?"+q, nil)
	require.Equal(t, http.StatusBadRequest, status)
	e := decodeErr(t, body)
	assert.Equal(t, "Invalid attribute name: %1", e.Message)
	assert.JSONEq(t, `["colour_code"]`, string(e.Parameters))
}

func TestRouting_UnknownStoreAndRouteAnswerMagentosNoRoute(t *testing.T) {
	s := startSim(t, nil)
	for _, p := range []string{"/rest/nostore/V1/orders?searchCriteria=", "/rest/V1/nothing-here"} {
		status, body := s.admin("GET", p, nil)
		require.Equal(t, http.StatusNotFound, status, p)
		assert.Equal(t, "Request does not match any route.", decodeErr(t, body).Message)
	}
	// Both store codes and the store-less prefix serve the same data.
	a := s.list("/rest/all/V1/orders", criteria{pageSize: 3})
	b := s.list("/rest/default/V1/orders", criteria{pageSize: 3})
	c := s.list("/rest/V1/orders", criteria{pageSize: 3})
	assert.Equal(t, a.Items, b.Items)
	assert.Equal(t, b.Items, c.Items)
}

func TestSearch_DateTimeFiltersAcceptTheFormsMySQLReads(t *testing.T) {
	s := startSim(t, nil)
	at := formatTime(testCatalog().Orders[10].UpdatedAt)
	iso := strings.Replace(at, " ", "T", 1)
	want := s.list("/rest/V1/orders", criteria{groups: [][][3]string{{{"updated_at", at, "gteq"}}}, pageSize: 1})
	got := s.list("/rest/V1/orders", criteria{groups: [][][3]string{{{"updated_at", iso, "gteq"}}}, pageSize: 1})
	assert.Equal(t, want.TotalCount, got.TotalCount)
	day := s.list("/rest/V1/orders", criteria{groups: [][][3]string{{{"created_at", at[:10], "gteq"}}}, pageSize: 1})
	midnight := s.list("/rest/V1/orders", criteria{groups: [][][3]string{{{"created_at", at[:10] + " 00:00:00", "gteq"}}}, pageSize: 1})
	assert.Equal(t, midnight.TotalCount, day.TotalCount)
}

func TestSearch_CustomerBillingColumnsAreFilterable(t *testing.T) {
	s := startSim(t, nil)
	c := testCatalog().Customers[0]
	country := c.Addresses[c.DefaultBilling].CountryCode
	res := s.list("/rest/V1/customers/search", criteria{groups: [][][3]string{{{"billing_country_id", country, "eq"}}}, pageSize: 300})
	require.NotZero(t, res.TotalCount)
	n := 0
	for _, cu := range testCatalog().Customers {
		if cu.Addresses[cu.DefaultBilling].CountryCode == country {
			n++
		}
	}
	assert.Equal(t, n, res.TotalCount)
}

func TestSearch_EAVEntitiesFilterOnEntityIDNotID(t *testing.T) {
	s := startSim(t, nil)
	for _, path := range []string{"/rest/V1/customers/search", "/rest/V1/products"} {
		q := criteria{groups: [][][3]string{{{"id", "1,2", "in"}}}}.query()
		status, body := s.admin("GET", path+"?"+q, nil)
		require.Equal(t, http.StatusBadRequest, status, path)
		e := decodeErr(t, body)
		assert.Equal(t, "Invalid attribute name: %1", e.Message)
		assert.JSONEq(t, `["id"]`, string(e.Parameters))

		res := s.list(path, criteria{groups: [][][3]string{{{"entity_id", "1,2", "in"}}}, sorts: [][2]string{{"entity_id", "DESC"}}})
		require.Len(t, res.Items, 2, path)
		assert.EqualValues(t, 2, res.Items[0]["id"], "items still carry id")
	}
}
