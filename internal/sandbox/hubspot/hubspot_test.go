package hubspot_test

import (
	"fmt"
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

func TestRequestsWithoutTheRightBearerTokenAnswer401(t *testing.T) {
	_, base := portal(t, hubspot.Options{})
	r := callWithToken(t, "pat-wrong", http.MethodGet, base+"/crm/v3/objects/contacts", nil)
	requireHubSpotError(t, r, http.StatusUnauthorized, "INVALID_AUTHENTICATION")
}

func TestListPagesThroughEveryObjectWithAfter(t *testing.T) {
	_, base := portal(t, hubspot.Options{})
	seen := map[string]bool{}
	url := base + "/crm/v3/objects/contacts?limit=7&properties=email"
	for pages := 0; ; pages++ {
		require.Less(t, pages, 20)
		r := call(t, http.MethodGet, url, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		for _, item := range results(t, r) {
			require.NotEmpty(t, props(item)["email"])
			seen[item["id"].(string)] = true
		}
		paging, ok := r.body["paging"].(map[string]any)
		if !ok {
			break
		}
		next := paging["next"].(map[string]any)
		url = next["link"].(string)
		assert.Contains(t, url, "after="+next["after"].(string))
	}
	assert.Len(t, seen, len(smallCatalog.Contacts))
}

func TestUnknownPropertiesAreRejectedWithPropertyDoesntExist(t *testing.T) {
	_, base := portal(t, hubspot.Options{})
	r := call(t, http.MethodPost, base+"/crm/v3/objects/contacts", map[string]any{
		"properties": map[string]any{"email": "new@example.com", "emial": "typo"},
	})
	requireHubSpotError(t, r, http.StatusBadRequest, "VALIDATION_ERROR")
	assert.Contains(t, r.body["message"], `Property \"emial\" does not exist`)
	errs := r.body["errors"].([]any)
	assert.Equal(t, "PROPERTY_DOESNT_EXIST", errs[0].(map[string]any)["code"])
}

func TestCreatingADuplicateContactAnswers409WithTheExistingID(t *testing.T) {
	_, base := portal(t, hubspot.Options{})
	email := smallCatalog.Contacts[0].Email
	r := call(t, http.MethodPost, base+"/crm/v3/objects/contacts", map[string]any{"properties": map[string]any{"email": email}})
	requireHubSpotError(t, r, http.StatusConflict, "CONFLICT")
	assert.Equal(t, "Contact already exists. Existing ID: 1000001", r.body["message"])
}

func TestBatchCallsWithMoreThan100InputsAnswer400AndWriteNothing(t *testing.T) {
	_, base := portal(t, hubspot.Options{})
	inputs := make([]map[string]any, 101)
	for i := range inputs {
		inputs[i] = map[string]any{"properties": map[string]any{"email": fmt.Sprintf("batch%d@example.com", i)}}
	}
	for _, action := range []string{"create", "update", "upsert", "read", "archive"} {
		r := call(t, http.MethodPost, base+"/crm/v3/objects/contacts/batch/"+action, map[string]any{"inputs": inputs})
		requireHubSpotError(t, r, http.StatusBadRequest, "VALIDATION_ERROR")
		assert.Contains(t, r.body["message"], "100", action)
	}
	search := call(t, http.MethodPost, base+"/crm/v3/objects/contacts/search", map[string]any{
		"filterGroups": []any{map[string]any{"filters": []any{map[string]any{"propertyName": "email", "operator": "EQ", "value": "batch0@example.com"}}}},
	})
	assert.EqualValues(t, 0, search.body["total"])

	r := call(t, http.MethodPost, base+"/crm/v3/objects/contacts/batch/create", map[string]any{"inputs": inputs[:100]})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	assert.Len(t, results(t, r), 100)
}

func TestBatchUpsertMatchesOnAUniquePropertyAndCreatesTheRest(t *testing.T) {
	_, base := portal(t, hubspot.Options{})
	existing := smallCatalog.Contacts[3].Email
	r := call(t, http.MethodPost, base+"/crm/v3/objects/contacts/batch/upsert", map[string]any{"inputs": []any{
		map[string]any{"id": existing, "idProperty": "email", "properties": map[string]any{"jobtitle": "CFO"}},
		map[string]any{"id": "brand-new@example.com", "idProperty": "email", "properties": map[string]any{"firstname": "Zoë"}},
	}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	got := results(t, r)
	require.Len(t, got, 2)
	assert.Equal(t, "1000004", got[0]["id"])
	assert.Equal(t, false, got[0]["new"])
	assert.Equal(t, true, got[1]["new"])

	created := call(t, http.MethodGet, base+"/crm/v3/objects/contacts/brand-new@example.com?idProperty=email&properties=firstname", nil)
	require.Equal(t, http.StatusOK, created.status, "%s", created.raw)
	assert.Equal(t, "Zoë", props(created.body)["firstname"])

	bad := call(t, http.MethodPost, base+"/crm/v3/objects/contacts/batch/upsert", map[string]any{"inputs": []any{
		map[string]any{"id": "x", "idProperty": "firstname", "properties": map[string]any{}},
	}})
	requireHubSpotError(t, bad, http.StatusBadRequest, "VALIDATION_ERROR")
}

func TestBatchReadReportsUnknownIDsAsMultiStatus(t *testing.T) {
	_, base := portal(t, hubspot.Options{})
	r := call(t, http.MethodPost, base+"/crm/v3/objects/products/batch/read", map[string]any{
		"properties": []string{"hs_sku"},
		"inputs":     []any{map[string]any{"id": "4000001"}, map[string]any{"id": "4999999"}},
	})
	require.Equal(t, http.StatusMultiStatus, r.status, "%s", r.raw)
	require.Len(t, results(t, r), 1)
	assert.Equal(t, smallCatalog.Products[0].SKU, props(results(t, r)[0])["hs_sku"])
	assert.EqualValues(t, 1, r.body["numErrors"])
}

func TestArchivedObjectsLeaveTheListAndAppearWithArchivedTrue(t *testing.T) {
	_, base := portal(t, hubspot.Options{})
	r := call(t, http.MethodDelete, base+"/crm/v3/objects/deals/3000002", nil)
	require.Equal(t, http.StatusNoContent, r.status)
	assert.Equal(t, http.StatusNotFound, call(t, http.MethodGet, base+"/crm/v3/objects/deals/3000002", nil).status)
	archived := call(t, http.MethodGet, base+"/crm/v3/objects/deals?archived=true", nil)
	got := results(t, archived)
	require.Len(t, got, 1)
	assert.Equal(t, "3000002", got[0]["id"])
	assert.NotEmpty(t, got[0]["archivedAt"])
}

func TestContactsComeWithTheirCompanyAssociations(t *testing.T) {
	_, base := portal(t, hubspot.Options{})
	var ct seed.Contact
	for _, c := range smallCatalog.Contacts {
		if c.CompanyID != 0 {
			ct = c
			break
		}
	}
	require.NotZero(t, ct.ID)
	contactID := strconv.Itoa(1_000_000 + ct.ID)
	companyID := 2_000_000 + ct.CompanyID

	r := call(t, http.MethodGet, base+"/crm/v4/objects/contacts/"+contactID+"/associations/companies", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	got := results(t, r)
	require.Len(t, got, 1)
	assert.EqualValues(t, companyID, got[0]["toObjectId"])
	assert.Len(t, got[0]["associationTypes"], 2, "unlabeled and primary")

	batch := call(t, http.MethodPost, base+"/crm/v4/associations/companies/contacts/batch/read", map[string]any{
		"inputs": []any{map[string]any{"id": strconv.Itoa(companyID)}},
	})
	require.Equal(t, http.StatusOK, batch.status, "%s", batch.raw)
	to := results(t, batch)[0]["to"].([]any)
	ids := []float64{}
	for _, x := range to {
		ids = append(ids, x.(map[string]any)["toObjectId"].(float64))
	}
	assert.Contains(t, ids, float64(1_000_000+ct.ID))
}

func TestAssociatingDefaultAndArchivingAnEdge(t *testing.T) {
	_, base := portal(t, hubspot.Options{})
	r := call(t, http.MethodPut, base+"/crm/v4/objects/deals/3000001/associations/default/line_items/5000003", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	list := call(t, http.MethodGet, base+"/crm/v4/objects/line_items/5000003/associations/deals", nil)
	var targets []float64
	for _, x := range results(t, list) {
		targets = append(targets, x["toObjectId"].(float64))
	}
	assert.Contains(t, targets, float64(3000001))

	archive := call(t, http.MethodPost, base+"/crm/v4/associations/deals/line_items/batch/archive", map[string]any{
		"inputs": []any{map[string]any{"from": map[string]any{"id": "3000001"}, "to": []any{map[string]any{"id": "5000003"}}}},
	})
	require.Equal(t, http.StatusNoContent, archive.status, "%s", archive.raw)
	list = call(t, http.MethodGet, base+"/crm/v4/objects/line_items/5000003/associations/deals", nil)
	for _, x := range results(t, list) {
		assert.NotEqual(t, float64(3000001), x["toObjectId"])
	}
}

func TestTenSecondlyRollingLimitAnswers429WithPolicyNameAndSometimesRetryAfter(t *testing.T) {
	clock := newFakeClock()
	_, base := portal(t, hubspot.Options{RateLimit: 3, Clock: clock.Now})
	for i := range 3 {
		r := call(t, http.MethodGet, base+"/crm/v3/objects/companies", nil)
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, "3", r.header.Get("X-HubSpot-RateLimit-Max"))
		assert.Equal(t, strconv.Itoa(2-i), r.header.Get("X-HubSpot-RateLimit-Remaining"))
	}
	first := call(t, http.MethodGet, base+"/crm/v3/objects/companies", nil)
	requireHubSpotError(t, first, http.StatusTooManyRequests, "RATE_LIMITS")
	assert.Equal(t, "TEN_SECONDLY_ROLLING", first.body["policyName"])
	assert.Equal(t, "You have reached your ten_secondly_rolling limit.", first.body["message"])
	assert.Equal(t, "10", first.header.Get("Retry-After"))
	second := call(t, http.MethodGet, base+"/crm/v3/objects/companies", nil)
	require.Equal(t, http.StatusTooManyRequests, second.status)
	assert.Empty(t, second.header.Get("Retry-After"), "HubSpot does not always send Retry-After")

	clock.Advance(10 * time.Second)
	assert.Equal(t, http.StatusOK, call(t, http.MethodGet, base+"/crm/v3/objects/companies", nil).status)
}

func TestSearchHasItsOwnPerSecondLimit(t *testing.T) {
	clock := newFakeClock()
	_, base := portal(t, hubspot.Options{SearchRateLimit: 2, Clock: clock.Now})
	search := func() response {
		return call(t, http.MethodPost, base+"/crm/v3/objects/deals/search", map[string]any{"limit": 1})
	}
	require.Equal(t, http.StatusOK, search().status)
	ok := search()
	require.Equal(t, http.StatusOK, ok.status)
	assert.Empty(t, ok.header.Get("X-HubSpot-RateLimit-Remaining"), "no rate-limit headers on search")
	limited := search()
	requireHubSpotError(t, limited, http.StatusTooManyRequests, "RATE_LIMITS")
	assert.Equal(t, "SECONDLY", limited.body["policyName"])
	assert.Equal(t, "You have reached your secondly limit.", limited.body["message"])
	assert.Equal(t, http.StatusOK, call(t, http.MethodGet, base+"/crm/v3/objects/deals", nil).status, "other endpoints are not limited")

	clock.Advance(time.Second)
	assert.Equal(t, http.StatusOK, search().status)
}

func TestInjectedFaultsCarryHubSpotBodies(t *testing.T) {
	v := hubspot.New(hubspot.Options{Catalog: smallCatalog})
	_, base := sandboxtest.Start(t, v, sandbox.Options{Faults: sandbox.Faults{RateLimitRate: 1}})
	r := call(t, http.MethodGet, base+"/crm/v3/objects/contacts", nil)
	requireHubSpotError(t, r, http.StatusTooManyRequests, "RATE_LIMITS")
	assert.Equal(t, "TEN_SECONDLY_ROLLING", r.body["policyName"])
}

func TestResetRestoresTheSeededPortal(t *testing.T) {
	v, base := portal(t, hubspot.Options{})
	require.Equal(t, http.StatusNoContent, call(t, http.MethodDelete, base+"/crm/v3/objects/products/4000001", nil).status)
	v.Reset()
	assert.Equal(t, http.StatusOK, call(t, http.MethodGet, base+"/crm/v3/objects/products/4000001", nil).status)
}

func TestCreateWithInlineAssociationsAndBatchCreateIsAllOrNothing(t *testing.T) {
	_, base := portal(t, hubspot.Options{})
	toCompany := func(id string) []any {
		return []any{map[string]any{"to": map[string]any{"id": id}, "types": []any{
			map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279},
		}}}
	}
	r := call(t, http.MethodPost, base+"/crm/v3/objects/contacts", map[string]any{
		"properties": map[string]any{"email": "assoc@example.com"}, "associations": toCompany("2000002"),
	})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	list := call(t, http.MethodGet, base+"/crm/v3/objects/contacts/"+r.body["id"].(string)+"?associations=companies", nil)
	assocs := list.body["associations"].(map[string]any)["companies"].(map[string]any)["results"].([]any)
	require.Len(t, assocs, 1)
	assert.Equal(t, "2000002", assocs[0].(map[string]any)["id"])
	assert.Equal(t, "contact_to_company", assocs[0].(map[string]any)["type"])

	batch := call(t, http.MethodPost, base+"/crm/v3/objects/contacts/batch/create", map[string]any{"inputs": []any{
		map[string]any{"properties": map[string]any{"email": "first@example.com"}},
		map[string]any{"properties": map[string]any{"email": "second@example.com"}, "associations": toCompany("2999999")},
	}})
	requireHubSpotError(t, batch, http.StatusBadRequest, "VALIDATION_ERROR")
	assert.Equal(t, http.StatusNotFound, call(t, http.MethodGet, base+"/crm/v3/objects/contacts/first@example.com?idProperty=email", nil).status)
}

func TestTheDailyBudgetAnswers429WithPolicyDaily(t *testing.T) {
	clock := newFakeClock()
	_, base := portal(t, hubspot.Options{DailyLimit: 2, Clock: clock.Now})
	for range 2 {
		r := call(t, http.MethodGet, base+"/crm/v3/objects/products", nil)
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, "2", r.header.Get("X-HubSpot-RateLimit-Daily"))
	}
	limited := call(t, http.MethodGet, base+"/crm/v3/objects/products", nil)
	requireHubSpotError(t, limited, http.StatusTooManyRequests, "RATE_LIMITS")
	assert.Equal(t, "DAILY", limited.body["policyName"])
	clock.Advance(24 * time.Hour)
	assert.Equal(t, http.StatusOK, call(t, http.MethodGet, base+"/crm/v3/objects/products", nil).status)
}
