package magento_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/checkpoint"
	"github.com/datawald/datawald/internal/httpx"
	"github.com/datawald/datawald/internal/magento"
	"github.com/datawald/datawald/internal/magento/magentotest"
	"github.com/datawald/datawald/internal/sandbox"
	sbmagento "github.com/datawald/datawald/internal/sandbox/magento"
)

func TestCriteriaValuesUseTheSchemaSpellingWithGroupsSortsAndPaging(t *testing.T) {
	v := magento.Criteria{}.
		Where("updated_at", magento.Gteq, "2026-03-01 09:30:00").
		WhereAny(magento.Filter{Field: "status", Value: "pending"}, magento.Filter{Field: "status", Condition: magento.Eq, Value: "processing"}).
		SortBy("updated_at", magento.Asc).SortBy("entity_id", magento.Asc).
		Page(300, 1).Values()

	assert.Equal(t, "updated_at", v.Get("searchCriteria[filterGroups][0][filters][0][field]"))
	assert.Equal(t, "gteq", v.Get("searchCriteria[filterGroups][0][filters][0][conditionType]"))
	assert.Equal(t, "2026-03-01 09:30:00", v.Get("searchCriteria[filterGroups][0][filters][0][value]"))
	assert.Equal(t, "eq", v.Get("searchCriteria[filterGroups][1][filters][0][conditionType]"), "an empty condition is eq")
	assert.Equal(t, "processing", v.Get("searchCriteria[filterGroups][1][filters][1][value]"))
	assert.Equal(t, "entity_id", v.Get("searchCriteria[sortOrders][1][field]"))
	assert.Equal(t, "ASC", v.Get("searchCriteria[sortOrders][1][direction]"))
	assert.Equal(t, "300", v.Get("searchCriteria[pageSize]"))
	assert.Equal(t, "1", v.Get("searchCriteria[currentPage]"))

	empty := magento.Criteria{}.Values()
	assert.Equal(t, map[string][]string{"searchCriteria": {""}}, map[string][]string(empty), "Magento requires a searchCriteria parameter")
}

func TestDecodeErrorFillsPositionalAndNamedPlaceholders(t *testing.T) {
	e := &httpx.HTTPError{Status: 400}
	magento.DecodeError(e, nil, []byte(`{"message":"Invalid product data: %1 (%2)","parameters":["price is negative","sku X"]}`))
	assert.Equal(t, "Invalid product data: price is negative (sku X)", e.Message)

	e = &httpx.HTTPError{Status: 404}
	magento.DecodeError(e, nil, []byte(`{"message":"No such entity with %fieldName = %fieldValue","parameters":{"fieldName":"email","fieldValue":"a@b.c"}}`))
	assert.Equal(t, "No such entity with email = a@b.c", e.Message)

	e = &httpx.HTTPError{Status: 400}
	magento.DecodeError(e, nil, []byte(`{"message":"One or more input exceptions have occurred.","errors":[{"message":"\"%fieldName\" is required. Enter and try again.","parameters":{"fieldName":"sku"}}]}`))
	assert.Equal(t, `One or more input exceptions have occurred. ("sku" is required. Enter and try again.)`, e.Message)

	e = &httpx.HTTPError{Status: 503}
	magento.DecodeError(e, nil, []byte(`<html>maintenance</html>`))
	assert.Empty(t, e.Message, "a non-Magento body is left for httpx's excerpt")
}

func TestErrorsFromTheStoreAreTypedAndRendered(t *testing.T) {
	sb := magentotest.Start(t, sbmagento.Options{}, sandbox.Options{})
	c := sb.Client(t, sb.OAuth1())

	_, err := c.GetProduct(t.Context(), "NO-SUCH-SKU")
	require.Error(t, err)
	assert.True(t, magento.IsNotFound(err))
	assert.False(t, magento.IsRetryable(err))
	assert.Contains(t, magento.Message(err), "doesn't exist")
	assert.NotContains(t, magento.Message(err), "%", "placeholders are filled")
	sb.Contract.AssertClean(t)
}

func TestScanReadsEveryOrderExactlyOnceInUpdatedAtEntityIDOrderAcrossSameSecondBursts(t *testing.T) {
	sb := magentotest.Start(t, sbmagento.Options{}, sandbox.Options{})
	c := sb.Client(t, sb.OAuth1())
	res, _ := magento.LookupResource("orders")
	ctx := t.Context()

	all, err := c.Search(ctx, "/V1/orders", magento.Criteria{}.Page(1, 1))
	require.NoError(t, err)
	require.Greater(t, all.TotalCount, 100)

	// A page of 10 is smaller than the seed's same-second bursts (25 orders
	// share one second), so the scan must page inside those seconds.
	scan := c.NewScan(res, checkpoint.Cursor{}, time.Time{}, 10)
	var got []magento.Item
	for {
		items, err := scan.Next(ctx)
		require.NoError(t, err)
		got = append(got, items...)
		if scan.Done() && len(items) == 0 {
			break
		}
	}
	assert.Len(t, got, all.TotalCount)
	seen := map[string]bool{}
	for i, it := range got {
		assert.False(t, seen[it.EntityID], "order %s read twice", it.EntityID)
		seen[it.EntityID] = true
		if i > 0 {
			assert.Equal(t, 1, it.Pos.Compare(got[i-1].Pos), "item %d is not after item %d", i, i-1)
		}
	}
	assert.True(t, sort.SliceIsSorted(got, func(i, j int) bool { return got[i].Pos.Compare(got[j].Pos) < 0 }))
	sb.Contract.AssertClean(t)
}

func TestScanResumesAfterAPositionInsideASecondWithoutSkippingOrRepeating(t *testing.T) {
	sb := magentotest.Start(t, sbmagento.Options{}, sandbox.Options{})
	c := sb.Client(t, sb.OAuth1())
	res, _ := magento.LookupResource("orders")
	ctx := t.Context()
	read := func(from checkpoint.Cursor, pageSize int) []magento.Item {
		scan := c.NewScan(res, from, time.Time{}, pageSize)
		var out []magento.Item
		for !scan.Done() {
			items, err := scan.Next(ctx)
			require.NoError(t, err)
			out = append(out, items...)
		}
		return out
	}
	full := read(checkpoint.Cursor{}, 300)
	// Find a position in the middle of a burst second.
	cut := -1
	for i := 1; i < len(full)-1; i++ {
		if full[i].UpdatedAt.Equal(full[i-1].UpdatedAt) && full[i].UpdatedAt.Equal(full[i+1].UpdatedAt) {
			cut = i
			break
		}
	}
	require.NotEqual(t, -1, cut, "the seed has same-second bursts")
	rest := read(full[cut].Pos, 7)
	require.Len(t, rest, len(full)-cut-1)
	for k, it := range rest {
		assert.Equal(t, full[cut+1+k].EntityID, it.EntityID)
	}
}

func TestAdminTokenIsReusedRenewedBeforeExpiryAndAfterA401(t *testing.T) {
	var (
		mu  sync.Mutex
		now = time.Now().UTC()
	)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	sb := magentotest.Start(t, sbmagento.Options{Clock: clock, AdminTokenLifetime: time.Hour}, sandbox.Options{})
	auth := sb.Admin()
	auth.TokenLifetime, auth.RenewBefore, auth.Now = time.Hour, 5*time.Minute, clock
	c := sb.Client(t, auth)
	ctx := t.Context()
	tokenCalls := func() int64 {
		return sandboxStats(t, sb).Count("POST /rest/{store}/V1/integration/admin/token", http.StatusOK)
	}

	for range 3 {
		_, err := c.Search(ctx, "/V1/orders", magento.Criteria{}.Page(1, 1))
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, tokenCalls(), "one token serves every request")

	advance(56 * time.Minute) // inside renew_before of the 1h lifetime
	_, err := c.Search(ctx, "/V1/orders", magento.Criteria{}.Page(1, 1))
	require.NoError(t, err)
	assert.EqualValues(t, 2, tokenCalls(), "renewed before it expired")

	// The store's tokens now expire sooner than the client believes: the
	// 401 makes the client fetch a new one and repeat the request.
	auth.TokenLifetime = 10 * time.Hour
	c2 := sb.Client(t, auth)
	_, err = c2.Search(ctx, "/V1/orders", magento.Criteria{}.Page(1, 1))
	require.NoError(t, err)
	advance(2 * time.Hour)
	_, err = c2.Search(ctx, "/V1/orders", magento.Criteria{}.Page(1, 1))
	require.NoError(t, err)
	assert.EqualValues(t, 4, tokenCalls())
	assert.EqualValues(t, 1, sandboxStats(t, sb).Count("GET /rest/{store}/V1/orders", http.StatusUnauthorized))
	sb.Contract.AssertClean(t)
}

func TestBearerIntegrationTokenIsRefusedUnlessTheStoreAllowsIt(t *testing.T) {
	for _, allow := range []bool{false, true} {
		sb := magentotest.Start(t, sbmagento.Options{AllowBearerIntegrationToken: allow}, sandbox.Options{})
		c := sb.Client(t, magento.Auth{Mode: magento.AuthBearer, Token: sb.Vendor.Credentials()["access_token"]})
		_, err := c.Search(t.Context(), "/V1/orders", magento.Criteria{}.Page(1, 1))
		if allow {
			require.NoError(t, err)
			continue
		}
		require.Error(t, err)
		assert.Equal(t, http.StatusUnauthorized, magento.Status(err))
		assert.Contains(t, magento.Message(err), "isn't authorized")
		assert.NotContains(t, err.Error(), sb.Vendor.Credentials()["access_token"], "the token never appears in errors")
	}
}

func TestContainsComparesWhatMagentoEchoes(t *testing.T) {
	var existing any
	require.NoError(t, json.Unmarshal([]byte(`{"sku":"A","price":10,"status":1,
		"custom_attributes":[{"attribute_code":"color","value":"49"},{"attribute_code":"url_key","value":"a"}],
		"extension_attributes":{"website_ids":[2,1]}}`), &existing))
	same := map[string]any{"sku": "A", "price": "10.00", "custom_attributes": []any{map[string]any{"attribute_code": "color", "value": 49.0}},
		"extension_attributes": map[string]any{"website_ids": []any{1.0, 2.0}}}
	assert.True(t, magento.Contains(existing, same))
	changed := map[string]any{"sku": "A", "price": 11.0}
	assert.False(t, magento.Contains(existing, changed))
	newAttr := map[string]any{"custom_attributes": []any{map[string]any{"attribute_code": "size", "value": "L"}}}
	assert.False(t, magento.Contains(existing, newAttr))
}

func sandboxStats(t testing.TB, sb *magentotest.Sandbox) sandbox.Stats {
	t.Helper()
	return sb.Server.Stats()
}
