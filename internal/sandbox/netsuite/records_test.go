package netsuite

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// itemLines returns the expanded item sublist of a sales order.
func itemLines(t *testing.T, c *client, id string) []map[string]any {
	t.Helper()
	r := c.do(http.MethodGet, "/record/v1/salesOrder/"+id+"?expandSubResources=true", nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	sub := r.json(t)["item"].(map[string]any)
	var out []map[string]any
	for _, it := range sub["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

func lineItemIDs(lines []map[string]any) []string {
	var ids []string
	for _, l := range lines {
		ids = append(ids, l["item"].(map[string]any)["id"].(string))
	}
	return ids
}

func TestGetRecordRendersReferencesAndCollapsesSublistsUnlessExpanded(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	r := c.do(http.MethodGet, "/record/v1/salesorder/30", nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	body := r.json(t)
	assert.Equal(t, "30", body["id"])
	assert.Equal(t, "SO-1001", body["externalId"])
	assert.Equal(t, "2026-11-02T09:35:00Z", body["lastModifiedDate"])
	entity := body["entity"].(map[string]any)
	assert.Equal(t, "10", entity["id"])
	assert.Equal(t, "Müller GmbH", entity["refName"])
	item := body["item"].(map[string]any)
	assert.NotContains(t, item, "items", "sublists are links unless expandSubResources=true")
	assert.NotContains(t, body["billingAddress"], "city")

	lines := itemLines(t, c, "eid:SO-1001")
	require.Len(t, lines, 2)
	assert.Equal(t, "SKU-RED-M", lines[0]["item"].(map[string]any)["refName"])
	assert.EqualValues(t, 39.8, lines[0]["amount"].(float64))
}

func TestGetUnknownRecordIsNotFound(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	r := c.do(http.MethodGet, "/record/v1/salesOrder/999", nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "NONEXISTENT_ID", r.errorCode(t))
	r = c.do(http.MethodGet, "/record/v1/salesOrder/eid:NOPE", nil)
	assert.Equal(t, http.StatusNotFound, r.status)
}

func TestCreateAnswers204WithLocationOfTheNewRecord(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	r := c.do(http.MethodPost, "/record/v1/salesOrder", map[string]any{
		"externalId": "MAG-000042",
		"entity":     map[string]any{"externalId": "C-12"},
		"item":       map[string]any{"items": []any{map[string]any{"item": map[string]any{"id": "21"}, "quantity": 2, "rate": 21.5}}},
		"taxTotal":   4.3,
	})
	require.Equal(t, http.StatusNoContent, r.status, "body: %s", r.body)
	assert.Empty(t, r.body)
	loc := r.header.Get("Location")
	require.True(t, strings.HasPrefix(loc, c.base+"/services/rest/record/v1/salesOrder/"), loc)

	got := c.do(http.MethodGet, strings.TrimPrefix(loc, c.base+"/services/rest")+"?expandSubResources=true", nil)
	require.Equal(t, http.StatusOK, got.status)
	body := got.json(t)
	assert.Equal(t, "MAG-000042", body["externalId"])
	assert.Equal(t, "12", body["entity"].(map[string]any)["id"])
	assert.EqualValues(t, 47.3, body["total"])
	assert.NotEmpty(t, body["tranId"])
}

func TestCreateWithUnknownItemIsAPermanentInvalidContentError(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	r := c.do(http.MethodPost, "/record/v1/salesOrder", map[string]any{
		"entity": map[string]any{"id": "10"},
		"item": map[string]any{"items": []any{
			map[string]any{"item": map[string]any{"id": "20"}, "quantity": 1},
			map[string]any{"item": map[string]any{"id": "9999"}, "quantity": 1},
		}},
	})
	requireErrorCode(t, r, http.StatusBadRequest, "INVALID_CONTENT")
	detail := r.json(t)["o:errorDetails"].([]any)[0].(map[string]any)
	assert.Equal(t, "item.items[1].item", detail["o:errorPath"])
	assert.Contains(t, detail["detail"], "Invalid Field Value 9999 for the following field: item")
	// Nothing was created.
	list := c.do(http.MethodGet, "/record/v1/salesOrder", nil)
	assert.EqualValues(t, 2, list.json(t)["totalResults"])
}

func TestCreateWithoutRequiredFieldIsRefused(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	r := c.do(http.MethodPost, "/record/v1/salesOrder", map[string]any{"memo": "no customer"})
	requireErrorCode(t, r, http.StatusBadRequest, "USER_ERROR")
}

func TestPatchAppendsLinesToTheItemSublist(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	// A client re-sending the order's lines without line keys, as a naive
	// sync does, duplicates them: NetSuite appends.
	r := c.do(http.MethodPatch, "/record/v1/salesOrder/30", map[string]any{
		"memo": "resent",
		"item": map[string]any{"items": []any{
			map[string]any{"item": map[string]any{"id": "20"}, "quantity": 2, "rate": 19.9},
			map[string]any{"item": map[string]any{"id": "22"}, "quantity": 1, "rate": 9.0},
		}},
	})
	require.Equal(t, http.StatusNoContent, r.status, "body: %s", r.body)
	lines := itemLines(t, c, "30")
	assert.Equal(t, []string{"20", "22", "20", "22"}, lineItemIDs(lines))
	assert.EqualValues(t, []any{1.0, 2.0, 3.0, 4.0}, []any{lines[0]["line"], lines[1]["line"], lines[2]["line"], lines[3]["line"]})
}

func TestPatchWithLineKeyUpdatesThatLine(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	r := c.do(http.MethodPatch, "/record/v1/salesOrder/30", map[string]any{
		"item": map[string]any{"items": []any{map[string]any{"line": 2, "quantity": 5}}},
	})
	require.Equal(t, http.StatusNoContent, r.status, "body: %s", r.body)
	lines := itemLines(t, c, "30")
	require.Len(t, lines, 2)
	assert.EqualValues(t, 5, lines[1]["quantity"])
}

func TestPatchWithReplaceParameterReplacesTheSublist(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	r := c.do(http.MethodPatch, "/record/v1/salesOrder/30?replace=item", map[string]any{
		"item": map[string]any{"items": []any{
			map[string]any{"item": map[string]any{"id": "21"}, "quantity": 1, "rate": 21.5},
		}},
	})
	require.Equal(t, http.StatusNoContent, r.status, "body: %s", r.body)
	lines := itemLines(t, c, "30")
	assert.Equal(t, []string{"21"}, lineItemIDs(lines))
	got := c.do(http.MethodGet, "/record/v1/salesOrder/30", nil).json(t)
	assert.EqualValues(t, 21.5, got["total"])
}

func TestPatchReplaceOfUnknownSublistIsRefused(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	r := c.do(http.MethodPatch, "/record/v1/salesOrder/30?replace=lines", map[string]any{"memo": "x"})
	requireErrorCode(t, r, http.StatusBadRequest, "INVALID_PARAMETER")
}

func TestUpsertByExternalIDCreatesThenUpdatesAndAppendsLikePatch(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	order := map[string]any{
		"entity": map[string]any{"id": "11"},
		"item":   map[string]any{"items": []any{map[string]any{"item": map[string]any{"id": "22"}, "quantity": 1, "rate": 9}}},
	}
	r := c.do(http.MethodPut, "/record/v1/salesOrder/eid:MAG-7", order)
	require.Equal(t, http.StatusNoContent, r.status, "body: %s", r.body)
	loc := r.header.Get("Location")
	require.NotEmpty(t, loc)

	r = c.do(http.MethodPut, "/record/v1/salesOrder/eid:MAG-7", order)
	require.Equal(t, http.StatusNoContent, r.status, "body: %s", r.body)
	assert.Equal(t, loc, r.header.Get("Location"), "the second PUT updates the same record")
	assert.Len(t, itemLines(t, c, "eid:MAG-7"), 2, "upsert of an existing record appends unkeyed lines")

	r = c.do(http.MethodPut, "/record/v1/salesOrder/eid:MAG-7?replace=item", order)
	require.Equal(t, http.StatusNoContent, r.status, "body: %s", r.body)
	assert.Len(t, itemLines(t, c, "eid:MAG-7"), 1, "replace=item makes the upsert idempotent")
}

func TestPutWithInternalIDIsRefused(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	r := c.do(http.MethodPut, "/record/v1/salesOrder/30", map[string]any{"memo": "x"})
	requireErrorCode(t, r, http.StatusBadRequest, "INVALID_ID")
}

func TestDeleteRemovesTheRecord(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	require.Equal(t, http.StatusNoContent, c.do(http.MethodDelete, "/record/v1/salesOrder/31", nil).status)
	assert.Equal(t, http.StatusNotFound, c.do(http.MethodGet, "/record/v1/salesOrder/31", nil).status)
	assert.Equal(t, http.StatusNotFound, c.do(http.MethodDelete, "/record/v1/salesOrder/31", nil).status)
}

func TestRecordCollectionPagesIDsAndFiltersOnLastModifiedDate(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	r := c.do(http.MethodGet, "/record/v1/customer?limit=2&offset=0", nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	body := r.json(t)
	assert.EqualValues(t, 3, body["totalResults"])
	assert.Equal(t, true, body["hasMore"])
	assert.Len(t, body["items"], 2)

	r = c.do(http.MethodGet, `/record/v1/customer?q=lastModifiedDate%20ON_OR_AFTER%20%2211/2/2026%209:32%20am%22`, nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.EqualValues(t, 2, r.json(t)["totalResults"])

	r = c.do(http.MethodGet, `/record/v1/customer?q=lastModifiedDate%20AFTER%20%222026-11-02%22`, nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, string(r.body), "Unparseable date")

	r = c.do(http.MethodGet, `/record/v1/customer?q=nosuchfield%20IS%20x`, nil)
	requireErrorCode(t, r, http.StatusBadRequest, "NONEXISTENT_FIELD")
}

func TestSublistLinksResolveToTheSublist(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	r := c.do(http.MethodGet, "/record/v1/salesOrder/30/item", nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.EqualValues(t, 2, r.json(t)["totalResults"])
	r = c.do(http.MethodGet, "/record/v1/salesOrder/30/billingAddress", nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(t, "Berlin", r.json(t)["city"])
	r = c.do(http.MethodGet, "/record/v1/salesOrder/30/nosuch", nil)
	assert.Equal(t, http.StatusNotFound, r.status)
}

func TestUnknownRoutesAnswerNetSuiteErrors(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	r := c.do(http.MethodPost, "/system/v1/serverTime", map[string]any{})
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)
	assert.Equal(t, "METHOD_NOT_ALLOWED", r.errorCode(t))
	r = c.do(http.MethodGet, "/nosuch/v1/thing", nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "NONEXISTENT_ID", r.errorCode(t))
}

func TestRecordTypeNamesAreCaseInsensitiveButUnknownTypesAreRefused(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	assert.Equal(t, http.StatusOK, c.do(http.MethodGet, "/record/v1/SALESORDER/30", nil).status)
	r := c.do(http.MethodGet, "/record/v1/purchaseOrder/30", nil)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "INVALID_RCRD_TYPE", r.errorCode(t))
}

func TestGetReflectsWritesImmediately(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	require.Equal(t, "first", c.do(http.MethodGet, "/record/v1/salesOrder/30", nil).json(t)["memo"])
	require.Equal(t, http.StatusNoContent, c.do(http.MethodPatch, "/record/v1/salesOrder/30", map[string]any{"memo": "second"}).status)
	assert.Equal(t, "second", c.do(http.MethodGet, "/record/v1/salesOrder/30", nil).json(t)["memo"])
}

func TestPatchAppendsToAnUnkeyedSublistEvenWithIdenticalLines(t *testing.T) {
	cat := smallCatalog()
	_, c, _, _ := startSandbox(t, func(o *Options) { o.Data = FromCatalog(cat) })
	s := cat.Shipments[0]
	path := "/record/v1/itemFulfillment/eid:" + s.Number
	pkg := map[string]any{"package": map[string]any{"items": []any{map[string]any{"packageTrackingNumber": s.TrackingNumber}}}}
	require.Equal(t, http.StatusNoContent, c.do(http.MethodPatch, path, pkg).status)
	got := c.do(http.MethodGet, path+"/package", nil)
	require.Equal(t, http.StatusOK, got.status, "body: %s", got.body)
	assert.EqualValues(t, 2, got.json(t)["totalResults"], "re-sending the tracking number adds a second package")

	require.Equal(t, http.StatusNoContent, c.do(http.MethodPatch, path+"?replace=package", pkg).status)
	assert.EqualValues(t, 1, c.do(http.MethodGet, path+"/package", nil).json(t)["totalResults"])
}
