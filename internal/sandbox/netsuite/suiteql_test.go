package netsuite

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func items(t *testing.T, r response) []map[string]any {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	var out []map[string]any
	for _, it := range r.json(t)["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

func TestSuiteQLWithoutPreferTransientIsRefused(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	r := c.do(http.MethodPost, "/query/v1/suiteql", map[string]string{"q": "SELECT id FROM customer"})
	requireErrorCode(t, r, http.StatusBadRequest, "INVALID_HEADER")
}

func TestSuiteQLLimitOver1000IsRefused(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	r := c.suiteql("SELECT id FROM customer", 1001, 0)
	requireErrorCode(t, r, http.StatusBadRequest, "INVALID_PARAMETER")
	assert.Equal(t, "limit", r.json(t)["o:errorDetails"].([]any)[0].(map[string]any)["o:errorQueryParam"])
}

func TestSuiteQLAnswersTheCollectionEnvelope(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	r := c.suiteql("SELECT id, companyname, isperson, lastmodifieddate FROM customer ORDER BY id", 2, 0)
	got := items(t, r)
	body := r.json(t)
	assert.EqualValues(t, 2, body["count"])
	assert.Equal(t, true, body["hasMore"])
	assert.EqualValues(t, 0, body["offset"])
	assert.EqualValues(t, 3, body["totalResults"])
	rels := map[string]string{}
	for _, l := range body["links"].([]any) {
		m := l.(map[string]any)
		rels[m["rel"].(string)] = m["href"].(string)
	}
	assert.Equal(t, c.base+"/services/rest/query/v1/suiteql?limit=2&offset=2", rels["next"])
	assert.Contains(t, rels, "self")
	assert.Contains(t, rels, "last")

	// Values are strings, booleans T/F, null columns left out, and a
	// datetime column without TO_CHAR shows the date only.
	assert.Equal(t, map[string]any{"links": []any{}, "id": "10", "companyname": "Müller GmbH", "isperson": "F", "lastmodifieddate": "11/2/2026"}, got[0])
	assert.NotContains(t, got[1], "companyname")
	assert.Equal(t, "T", got[1]["isperson"])
}

func TestSuiteQLFiltersTransactionsByTypeAndTimestamp(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	q := `SELECT t.id, t.tranid, TO_CHAR(t.lastmodifieddate, 'YYYY-MM-DD"T"HH24:MI:SS') AS modified
	      FROM transaction t
	      WHERE t.type = 'SalesOrd' AND (t.lastmodifieddate > TO_TIMESTAMP('2026-11-02 09:34:59', 'YYYY-MM-DD HH24:MI:SS') OR t.id = 1)
	      ORDER BY t.lastmodifieddate, t.id`
	got := items(t, c.suiteql(q, 1000, 0))
	require.Len(t, got, 2)
	assert.Equal(t, "SO1001", got[0]["tranid"])
	assert.Equal(t, "2026-11-02T09:35:00", got[0]["modified"])

	q = `SELECT id FROM transaction WHERE type IN ('CustInvc', 'ItemShip')`
	assert.Empty(t, items(t, c.suiteql(q, 10, 0)))

	q = `SELECT id FROM customer WHERE lastmodifieddate >= TO_DATE('2026-11-02 09:32', 'YYYY-MM-DD HH24:MI') AND NOT isperson = 'T'`
	got = items(t, c.suiteql(q, 10, 0))
	require.Len(t, got, 1)
	assert.Equal(t, "12", got[0]["id"])
}

func TestSuiteQLReadsDatesInTheUserTimeZone(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	require.NoError(t, err)
	_, c, _, _ := startSandbox(t, func(o *Options) { o.TimeZone = la })
	q := `SELECT id, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS m FROM customer
	      WHERE lastmodifieddate > TO_TIMESTAMP('2026-11-02 01:31:30', 'YYYY-MM-DD HH24:MI:SS') ORDER BY id`
	got := items(t, c.suiteql(q, 10, 0))
	require.Len(t, got, 2, "09:32 UTC is 01:32 in Los Angeles")
	assert.Equal(t, "2026-11-02 01:32:00", got[0]["m"])
}

func TestSuiteQLUnknownColumnOrTableIsAnInvalidParameter(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	for _, q := range []string{
		"SELECT nosuchcolumn FROM customer",
		"SELECT id FROM nosuchtable",
		"SELECT id FROM customer WHERE lastmodifieddate > '2026-11-02'",
		"SELEKT id FROM customer",
	} {
		r := c.suiteql(q, 10, 0)
		assert.Equal(t, http.StatusBadRequest, r.status, q)
		assert.Equal(t, "INVALID_PARAMETER", r.errorCode(t), q)
	}
}

// bulkData is an account with n customers, many sharing one modification
// second.
func bulkData(n int) *DataSet {
	ds := &DataSet{}
	for i := 0; i < n; i++ {
		m := testEpoch
		if i%10 != 0 {
			m = testEpoch.Add(time.Minute) // 90% of the rows share one second
		}
		ds.Records = append(ds.Records, Record{
			Type: "customer", ID: int64(1000 + i), Fields: map[string]any{"companyName": "Company " + strconv.Itoa(i)},
			Sublists: map[string][]map[string]any{}, Created: m, Modified: m,
		})
	}
	return ds
}

func TestSuiteQLPagingOverRowsSharingOneSecondReturnsEveryRowOnce(t *testing.T) {
	_, c, _, _ := startSandbox(t, func(o *Options) { o.Data = bulkData(2500) })
	q := `SELECT id, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS m FROM customer
	      WHERE lastmodifieddate >= TO_TIMESTAMP('2026-11-02 09:30:00', 'YYYY-MM-DD HH24:MI:SS')
	      ORDER BY lastmodifieddate, id`
	seen := map[string]bool{}
	var last string
	pages := 0
	for offset := 0; ; offset += 1000 {
		r := c.suiteql(q, 1000, offset)
		got := items(t, r)
		pages++
		for _, it := range got {
			id := it["id"].(string)
			require.False(t, seen[id], "row %s returned twice", id)
			seen[id] = true
			key := fmt.Sprintf("%s|%08s", it["m"], id)
			require.Greater(t, key, last, "rows out of (lastmodifieddate, id) order")
			last = key
		}
		if !r.json(t)["hasMore"].(bool) {
			break
		}
	}
	assert.Len(t, seen, 2500)
	assert.Equal(t, 3, pages)
}

func TestSuiteQLStopsAtTheQueryResultCap(t *testing.T) {
	_, c, _, _ := startSandbox(t, func(o *Options) { o.Data = bulkData(250); o.MaxQueryResults = 200 })
	r := c.suiteql("SELECT id FROM customer ORDER BY id", 100, 100)
	body := r.json(t)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(t, false, body["hasMore"], "the cap ends the query even though rows remain")
	assert.EqualValues(t, 250, body["totalResults"])

	r = c.suiteql("SELECT id FROM customer ORDER BY id", 100, 200)
	requireErrorCode(t, r, http.StatusBadRequest, "INVALID_PARAMETER")
}

func TestSuiteQLDefaultCapIs100000Rows(t *testing.T) {
	v, err := New(Options{})
	require.NoError(t, err)
	assert.Equal(t, 100_000, v.opts.MaxQueryResults)
	_, c, _, _ := startSandbox(t, nil)
	r := c.suiteql("SELECT id FROM customer", 1000, 100_000)
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "offset", r.json(t)["o:errorDetails"].([]any)[0].(map[string]any)["o:errorQueryParam"])
}

func TestSuiteQLOffsetMustBeAMultipleOfTheLimit(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	r := c.suiteql("SELECT id FROM customer", 2, 1)
	requireErrorCode(t, r, http.StatusBadRequest, "INVALID_PARAMETER")
}

func TestSuiteQLAggregatesAndInventoryLocations(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	got := items(t, c.suiteql("SELECT COUNT(*) AS n, MAX(id) AS top FROM transaction WHERE type = 'SalesOrd'", 10, 0))
	require.Len(t, got, 1)
	assert.Equal(t, "2", got[0]["n"])
	assert.Equal(t, "31", got[0]["top"])

	got = items(t, c.suiteql("SELECT item, location, quantityonhand FROM inventoryitemlocations WHERE item = 20 ORDER BY location DESC", 10, 0))
	require.Len(t, got, 2)
	assert.Equal(t, map[string]any{"links": []any{}, "item": "20", "location": "2", "quantityonhand": "7"}, got[0])
}

func TestSuiteQLAcceptsANSIDateAndTimestampLiterals(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	got := items(t, c.suiteql(`SELECT id FROM customer WHERE lastmodifieddate > TIMESTAMP '2026-11-02 09:31:30' ORDER BY id DESC`, 10, 0))
	require.Len(t, got, 2)
	assert.Equal(t, "12", got[0]["id"])
	got = items(t, c.suiteql(`SELECT id FROM customer WHERE lastmodifieddate >= DATE '2026-11-03'`, 10, 0))
	assert.Empty(t, got)
}

func TestSuiteQLShowsDatesInTheUserDateFormat(t *testing.T) {
	_, c, _, _ := startSandbox(t, func(o *Options) { o.DateFormat = "2.1.2006" })
	got := items(t, c.suiteql("SELECT lastmodifieddate FROM customer WHERE id = 10", 10, 0))
	require.Len(t, got, 1)
	assert.Equal(t, "2.11.2026", got[0]["lastmodifieddate"])
	got = items(t, c.suiteql("SELECT id FROM customer WHERE lastmodifieddate >= '2.11.2026' ORDER BY id", 10, 0))
	assert.Len(t, got, 3)
	r := c.suiteql("SELECT id FROM customer WHERE lastmodifieddate >= '11/2/2026'", 10, 0)
	assert.Equal(t, http.StatusBadRequest, r.status, "a US date does not parse for a European user")
}

func TestSuiteQLTransactionLinesHaveAMainLineAndNegativeSalesQuantities(t *testing.T) {
	_, c, _, _ := startSandbox(t, nil)
	q := `SELECT transaction, linesequencenumber, mainline, item, quantity, ABS(quantity) AS qty, netamount
	      FROM transactionline WHERE transaction = 30 ORDER BY linesequencenumber`
	got := items(t, c.suiteql(q, 10, 0))
	require.Len(t, got, 3)
	assert.Equal(t, "T", got[0]["mainline"])
	assert.NotContains(t, got[0], "item")
	assert.Equal(t, map[string]any{"links": []any{}, "transaction": "30", "linesequencenumber": "1", "mainline": "F",
		"item": "20", "quantity": "-2", "qty": "2", "netamount": "-39.8"}, got[1])
	got = items(t, c.suiteql(`SELECT COUNT(*) AS n FROM transactionline WHERE mainline = 'F'`, 10, 0))
	assert.Equal(t, "3", got[0]["n"])
}

func TestSuiteQLPagingWithoutAUniqueOrderLosesAndRepeatsTiedRows(t *testing.T) {
	_, c, _, _ := startSandbox(t, func(o *Options) { o.Data = bulkData(2500) })
	for _, q := range []string{
		"SELECT id FROM customer ORDER BY lastmodifieddate", // 2250 rows share one second
		"SELECT id FROM customer",                           // no order at all
	} {
		seen := map[string]int{}
		for offset := 0; offset < 2500; offset += 1000 {
			for _, it := range items(t, c.suiteql(q, 1000, offset)) {
				seen[it["id"].(string)]++
			}
		}
		assert.Less(t, len(seen), 2500, "%s: tied rows are missed", q)
		dup := 0
		for _, n := range seen {
			if n > 1 {
				dup++
			}
		}
		assert.Positive(t, dup, "%s: tied rows are repeated", q)
	}
	// The same page asked twice is the same page.
	a := c.suiteql("SELECT id FROM customer ORDER BY lastmodifieddate", 1000, 1000)
	b := c.suiteql("SELECT id FROM customer ORDER BY lastmodifieddate", 1000, 1000)
	assert.Equal(t, items(t, a), items(t, b))
}

func TestSuiteQLQueryEndsAt100000RowsWithTheDefaultCap(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an account with 100,500 customers")
	}
	_, c, _, _ := startSandbox(t, func(o *Options) { o.Data = bulkData(100_500) })
	q := "SELECT id FROM customer ORDER BY id"
	r := c.suiteql(q, 1000, 99_000)
	got := items(t, r)
	body := r.json(t)
	assert.Len(t, got, 1000)
	assert.Equal(t, false, body["hasMore"], "the last reachable page")
	assert.EqualValues(t, 100_500, body["totalResults"])
	assert.Equal(t, strconv.Itoa(1000+99_999), got[999]["id"])

	r = c.suiteql(q, 1000, 100_000)
	requireErrorCode(t, r, http.StatusBadRequest, "INVALID_PARAMETER")
}
