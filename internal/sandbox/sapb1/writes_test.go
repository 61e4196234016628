package sapb1_test

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox/sapb1"
)

func newOrder(card string, skus ...string) map[string]any {
	lines := []any{}
	for i, sku := range skus {
		lines = append(lines, map[string]any{"ItemCode": sku, "Quantity": float64(i + 1), "UnitPrice": 10.0, "TaxPercentagePerRow": 19.0})
	}
	return map[string]any{"CardCode": card, "DocDueDate": "2026-12-01", "NumAtCard": "WEB-1", "DocumentLines": lines}
}

func TestPostingAnOrderComputesItsTotals(t *testing.T) {
	_, base := company(t, sapb1.Options{})
	c := loggedIn(t, base)
	card := smallCatalog.BusinessPartners[1].CardCode
	r := c.do(http.MethodPost, "Orders", newOrder(card, smallCatalog.Products[0].SKU, smallCatalog.Products[1].SKU), nil)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	assert.EqualValues(t, len(smallCatalog.Orders)+1, r.body["DocEntry"])
	assert.Equal(t, smallCatalog.BusinessPartners[1].CardName, r.body["CardName"])
	assert.InDelta(t, 35.7, r.body["DocTotal"], 0.001, "(10 + 20) * 1.19")
	assert.InDelta(t, 5.7, r.body["VatSum"], 0.001)
	assert.Equal(t, "bost_Open", r.body["DocumentStatus"])
	assert.NotEmpty(t, r.body["UpdateTime"])

	noContent := c.do(http.MethodPost, "Orders", newOrder(card, smallCatalog.Products[0].SKU), map[string]string{"Prefer": "return-no-content"})
	assert.Equal(t, http.StatusNoContent, noContent.status)

	requireSAPError(t, c.do(http.MethodPost, "Orders", newOrder("C99999", smallCatalog.Products[0].SKU), nil), http.StatusBadRequest, -10)
	requireSAPError(t, c.do(http.MethodPost, "Orders", newOrder(card, "NO-SUCH-SKU"), nil), http.StatusBadRequest, -10)
	bad := newOrder(card, smallCatalog.Products[0].SKU)
	bad["Nope"] = 1
	requireSAPError(t, c.do(http.MethodPost, "Orders", bad, nil), http.StatusBadRequest, -1000)
	dup := c.do(http.MethodPost, "BusinessPartners", map[string]any{"CardCode": card, "CardName": "Twice"}, nil)
	requireSAPError(t, dup, http.StatusBadRequest, -2035)
}

func TestADeliveryBasedOnAnOrderCopiesItsLines(t *testing.T) {
	_, base := company(t, sapb1.Options{})
	c := loggedIn(t, base)
	card := smallCatalog.BusinessPartners[2].CardCode
	order := c.do(http.MethodPost, "Orders", newOrder(card, smallCatalog.Products[3].SKU, smallCatalog.Products[4].SKU), nil)
	require.Equal(t, http.StatusCreated, order.status, "%s", order.raw)
	entry := order.body["DocEntry"]
	dn := c.do(http.MethodPost, "DeliveryNotes", map[string]any{"CardCode": card, "DocumentLines": []any{
		map[string]any{"BaseType": 17, "BaseEntry": entry, "BaseLine": 1},
	}}, nil)
	require.Equal(t, http.StatusCreated, dn.status, "%s", dn.raw)
	line := dn.body["DocumentLines"].([]any)[0].(map[string]any)
	assert.Equal(t, smallCatalog.Products[4].SKU, line["ItemCode"])
	assert.EqualValues(t, 2, line["Quantity"])

	other := smallCatalog.BusinessPartners[3].CardCode
	requireSAPError(t, c.do(http.MethodPost, "DeliveryNotes", map[string]any{"CardCode": other, "DocumentLines": []any{
		map[string]any{"BaseType": 17, "BaseEntry": entry, "BaseLine": 0},
	}}, nil), http.StatusBadRequest, -10)
}

func lineCodes(t *testing.T, c *client, entry string) []string {
	t.Helper()
	r := c.get("Orders(" + entry + ")?$select=DocumentLines")
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	var out []string
	for _, l := range r.body["DocumentLines"].([]any) {
		out = append(out, l.(map[string]any)["ItemCode"].(string))
	}
	return out
}

// The trap: PATCH with DocumentLines appends them unless
// B1S-ReplaceCollectionsOnPatch: true is sent.
func TestPatchAppendsDocumentLinesUnlessReplaceCollectionsIsSent(t *testing.T) {
	_, base := company(t, sapb1.Options{})
	c := loggedIn(t, base)
	p := smallCatalog.Products
	card := smallCatalog.BusinessPartners[0].CardCode
	order := c.do(http.MethodPost, "Orders", newOrder(card, p[0].SKU, p[1].SKU), nil)
	require.Equal(t, http.StatusCreated, order.status, "%s", order.raw)
	entry := fmt.Sprint(order.body["DocEntry"])

	body := map[string]any{"DocumentLines": []any{map[string]any{"ItemCode": p[2].SKU, "Quantity": 1.0, "UnitPrice": 10.0}}}
	require.Equal(t, http.StatusNoContent, c.do(http.MethodPatch, "Orders("+entry+")", body, nil).status)
	assert.Equal(t, []string{p[0].SKU, p[1].SKU, p[2].SKU}, lineCodes(t, c, entry), "the line was appended, none removed")

	// A line named by LineNum is updated in place.
	update := map[string]any{"DocumentLines": []any{map[string]any{"LineNum": 0, "Quantity": 9.0}}}
	require.Equal(t, http.StatusNoContent, c.do(http.MethodPatch, "Orders("+entry+")", update, nil).status)
	first := c.get("Orders(" + entry + ")").body["DocumentLines"].([]any)[0].(map[string]any)
	assert.EqualValues(t, 9, first["Quantity"])
	assert.Len(t, lineCodes(t, c, entry), 3)

	require.Equal(t, http.StatusNoContent, c.do(http.MethodPatch, "Orders("+entry+")", body, map[string]string{"B1S-ReplaceCollectionsOnPatch": "true"}).status)
	assert.Equal(t, []string{p[2].SKU}, lineCodes(t, c, entry), "the lines were replaced")
	after := c.get("Orders(" + entry + ")")
	assert.InDelta(t, 10.0, after.body["DocTotal"], 0.001, "totals follow the lines")

	requireSAPError(t, c.do(http.MethodPatch, "Orders("+entry+")", map[string]any{"DocEntry": 1}, nil), http.StatusBadRequest, -1000)
	requireSAPError(t, c.do(http.MethodPatch, "Orders(99999)", map[string]any{"Comments": "x"}, nil), http.StatusNotFound, -2028)
}

// batchRequest builds a $batch body: parts are either a request string or
// a []string changeset.
func batchRequest(parts ...any) (string, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	writeOp := func(w *multipart.Writer, op string, id int) {
		h := map[string][]string{"Content-Type": {"application/http"}, "Content-Transfer-Encoding": {"binary"}}
		if id > 0 {
			h["Content-Id"] = []string{fmt.Sprint(id)}
		}
		pw, _ := w.CreatePart(h)
		_, _ = io.WriteString(pw, op)
	}
	for _, p := range parts {
		switch x := p.(type) {
		case string:
			writeOp(mw, x, 0)
		case []string:
			var cs bytes.Buffer
			cw := multipart.NewWriter(&cs)
			for i, op := range x {
				writeOp(cw, op, i+1)
			}
			_ = cw.Close()
			pw, _ := mw.CreatePart(map[string][]string{"Content-Type": {"multipart/mixed;boundary=" + cw.Boundary()}})
			_, _ = pw.Write(cs.Bytes())
		}
	}
	_ = mw.Close()
	return "multipart/mixed;boundary=" + mw.Boundary(), buf.Bytes()
}

// batchStatuses posts a $batch and returns the status lines of the answer,
// one slice per top-level part.
func batchStatuses(t *testing.T, c *client, contentType string, body []byte) [][]int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, c.base+"$batch", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	resp, err := c.http.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	require.NoError(t, err)
	mr := multipart.NewReader(resp.Body, params["boundary"])
	var out [][]int
	statusOf := func(r io.Reader) int {
		b, _ := io.ReadAll(r)
		var code int
		_, err := fmt.Sscanf(string(b), "HTTP/1.1 %d", &code)
		require.NoError(t, err, "%s", b)
		return code
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		mt, pp, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if mt == "multipart/mixed" {
			inner := multipart.NewReader(part, pp["boundary"])
			var codes []int
			for {
				ip, err := inner.NextPart()
				if err == io.EOF {
					break
				}
				require.NoError(t, err)
				codes = append(codes, statusOf(ip))
			}
			out = append(out, codes)
			continue
		}
		out = append(out, []int{statusOf(part)})
	}
	return out
}

func TestBatchChangesetsAreAllOrNothing(t *testing.T) {
	_, base := company(t, sapb1.Options{})
	c := loggedIn(t, base)
	card := smallCatalog.BusinessPartners[0].CardCode
	sku := smallCatalog.Products[0].SKU
	post := func(numAtCard string) string {
		return "POST /b1s/v1/Orders HTTP/1.1\r\nContent-Type: application/json\r\n\r\n" +
			fmt.Sprintf(`{"CardCode":%q,"DocDueDate":"2026-12-01","NumAtCard":%q,"DocumentLines":[{"ItemCode":%q,"Quantity":1}]}`, card, numAtCard, sku)
	}
	patchMissing := "PATCH /b1s/v1/Orders(99999) HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{\"Comments\":\"x\"}"
	get := "GET /b1s/v1/BusinessPartners('" + card + "')?$select=CardCode HTTP/1.1\r\n\r\n"

	ct, body := batchRequest(get, []string{post("ATOMIC-1"), patchMissing}, []string{post("ATOMIC-2"), post("ATOMIC-3")})
	statuses := batchStatuses(t, c, ct, body)
	assert.Equal(t, [][]int{{200}, {404}, {201, 201}}, statuses, "a failed changeset answers with its failure only")

	find := func(numAtCard string) int {
		return len(values(t, c.get("Orders?$filter="+q("NumAtCard eq '"+numAtCard+"'"))))
	}
	assert.Zero(t, find("ATOMIC-1"), "the failed changeset was rolled back")
	assert.Equal(t, 1, find("ATOMIC-2"))
	assert.Equal(t, 1, find("ATOMIC-3"))
	next := c.do(http.MethodPost, "Orders", newOrder(card, sku), nil)
	assert.EqualValues(t, len(smallCatalog.Orders)+3, next.body["DocEntry"], "the rolled back DocEntry was reused")

	ctGet, bodyGet := batchRequest([]string{strings.TrimSpace(get)})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, c.base+"$batch", bytes.NewReader(bodyGet))
	require.NoError(t, err)
	req.Header.Set("Content-Type", ctGet)
	resp, err := c.http.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "no GET inside a changeset")
}

func TestPatchMergesPartnerAddressesAndItemPricesByKey(t *testing.T) {
	_, base := company(t, sapb1.Options{})
	c := loggedIn(t, base)
	card := smallCatalog.BusinessPartners[5].CardCode
	add := map[string]any{"BPAddresses": []any{map[string]any{"AddressName": "Warehouse", "AddressType": "bo_ShipTo", "City": "Köln", "Country": "DE"}}}
	require.Equal(t, http.StatusNoContent, c.do(http.MethodPatch, "BusinessPartners('"+card+"')", add, nil).status)
	addrs := c.get("BusinessPartners('" + card + "')").body["BPAddresses"].([]any)
	require.Len(t, addrs, 3)
	assert.EqualValues(t, 2, addrs[2].(map[string]any)["RowNum"])

	sku := smallCatalog.Products[6].SKU
	price := map[string]any{"ItemPrices": []any{map[string]any{"PriceList": 1, "Price": 12.5}}}
	require.Equal(t, http.StatusNoContent, c.do(http.MethodPatch, "Items('"+sku+"')", price, nil).status)
	prices := c.get("Items('" + sku + "')").body["ItemPrices"].([]any)
	require.Len(t, prices, 2, "the price list entry was updated, not appended")
	assert.EqualValues(t, 12.5, prices[0].(map[string]any)["Price"])
}

func TestAChangesetCanAddressTheEntityItCreatedByContentID(t *testing.T) {
	_, base := company(t, sapb1.Options{})
	c := loggedIn(t, base)
	createBP := "POST /b1s/v1/BusinessPartners HTTP/1.1\r\nContent-Type: application/json\r\n\r\n" +
		`{"CardCode":"C77777","CardName":"Ref Test"}`
	patchRef := "PATCH $1 HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{\"Phone1\":\"+4930123\"}"
	ct, body := batchRequest([]string{createBP, patchRef})
	assert.Equal(t, [][]int{{201, 204}}, batchStatuses(t, c, ct, body))
	bp := c.get("BusinessPartners('C77777')")
	require.Equal(t, http.StatusOK, bp.status, "%s", bp.raw)
	assert.Equal(t, "+4930123", bp.body["Phone1"])

	ct, body = batchRequest("PATCH $1 HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{}")
	assert.Equal(t, [][]int{{400}}, batchStatuses(t, c, ct, body), "references need a changeset")
}

func TestDocumentsAreClosedOrCancelledNeverDeleted(t *testing.T) {
	_, base := company(t, sapb1.Options{})
	c := loggedIn(t, base)
	card := smallCatalog.BusinessPartners[0].CardCode
	order := c.do(http.MethodPost, "Orders", newOrder(card, smallCatalog.Products[0].SKU), nil)
	require.Equal(t, http.StatusCreated, order.status, "%s", order.raw)
	entry := fmt.Sprint(order.body["DocEntry"])

	requireSAPError(t, c.do(http.MethodDelete, "Orders("+entry+")", nil, nil), http.StatusBadRequest, -10)
	require.Equal(t, http.StatusNoContent, c.do(http.MethodPost, "Orders("+entry+")/Cancel", nil, nil).status)
	got := c.get("Orders(" + entry + ")?$select=DocumentStatus,Cancelled")
	assert.Equal(t, "bost_Close", got.body["DocumentStatus"])
	assert.Equal(t, "tYES", got.body["Cancelled"])
	requireSAPError(t, c.do(http.MethodPatch, "Orders("+entry+")", map[string]any{"Comments": "late"}, nil), http.StatusBadRequest, -10)

	requireSAPError(t, c.do(http.MethodDelete, "BusinessPartners('"+card+"')", nil, nil), http.StatusBadRequest, -10)
	require.Equal(t, http.StatusCreated, c.do(http.MethodPost, "BusinessPartners", map[string]any{"CardCode": "C80000", "CardName": "Temp"}, nil).status)
	assert.Equal(t, http.StatusNoContent, c.do(http.MethodDelete, "BusinessPartners('C80000')", nil, nil).status)
	requireSAPError(t, c.get("BusinessPartners('C80000')"), http.StatusNotFound, -2028)
}
