package sapb1_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
	sbsapb1 "github.com/datawald/datawald/internal/sandbox/sapb1"
	"github.com/datawald/datawald/internal/sandbox/seed"
	"github.com/datawald/datawald/internal/sapb1"
	"github.com/datawald/datawald/internal/sapb1/sapb1test"
)

var smallCatalog = seed.Generate(seed.Config{Seed: 7, End: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
	Counts: seed.Counts{Products: 20, Customers: 15, Orders: 45, Companies: 2, Contacts: 15, Deals: 2}})

func start(t *testing.T, clock *sandboxtest.Clock) *sapb1test.Sandbox {
	t.Helper()
	o := sbsapb1.Options{Catalog: smallCatalog}
	if clock != nil {
		o.Clock = clock.Now
	}
	return sapb1test.Start(t, o, sandbox.Options{})
}

func TestClientLogsInOnceAndSendsBothSessionCookiesToTheSessionsNode(t *testing.T) {
	sb := start(t, nil)
	c := sb.Client(t)
	for range 3 {
		_, err := c.List(t.Context(), "Orders", sapb1.Query{Select: []string{"DocEntry"}}, 5)
		require.NoError(t, err, "a two-node installation refuses requests without ROUTEID")
	}
	assert.Equal(t, 1, c.Logins())
	assert.EqualValues(t, 1, sb.Server.Stats().Count("POST /b1s/v1/Login", http.StatusOK))
	require.NoError(t, c.Close(t.Context()))
	assert.EqualValues(t, 1, sb.Server.Stats().Count("POST /b1s/v1/Logout", http.StatusNoContent))
}

func TestClientLogsInAgainOnceWhenTheSessionExpiresUnderConcurrentRequests(t *testing.T) {
	clock := sandboxtest.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	sb := start(t, clock)
	c := sb.Client(t)
	require.NoError(t, c.Login(t.Context()))
	clock.Advance(31 * time.Minute) // past the 30-minute session timeout

	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.Get(t.Context(), sapb1.Orders, "1")
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, 2, c.Logins(), "one re-login shared by every request that met the expired session")
	assert.Positive(t, sb.Server.Stats().Count("GET /b1s/v1/{resource}", http.StatusUnauthorized))
}

func TestClientLoginFailureCarriesSAPsCodeAndNeverThePassword(t *testing.T) {
	sb := start(t, nil)
	cfg := sb.Config()
	cfg.Password = "Wr0ng-Passw0rd"
	c, err := sapb1.New(cfg)
	require.NoError(t, err)
	err = c.Login(t.Context())
	require.Error(t, err)
	var se *sapb1.Error
	require.True(t, errors.As(err, &se), "%v", err)
	assert.Equal(t, sapb1.CodeLoginFailed, se.Code)
	assert.Equal(t, "Login failed", se.Message)
	assert.Contains(t, err.Error(), "company "+sbsapb1.DefaultCompanyDB)
	assert.NotContains(t, err.Error(), cfg.Password)
	assert.False(t, sapb1.IsRetryable(err))

	_, err = c.Get(t.Context(), sapb1.Orders, "1")
	require.ErrorContains(t, err, "Login failed", "a request that needs a session reports the failed login")
	assert.NotContains(t, err.Error(), cfg.Password)
	assert.EqualValues(t, 2, sb.Server.Stats().Count("POST /b1s/v1/Login", http.StatusUnauthorized), "one login per call: a refused login is not retried as an expired session")
}

func TestClientErrorsNameTheRecordAndCarrySAPsCodeAndMessage(t *testing.T) {
	sb := start(t, nil)
	c := sb.Client(t)
	_, err := c.Get(t.Context(), sapb1.Orders, "999999")
	require.Error(t, err)
	assert.True(t, sapb1.IsNotFound(err))
	var se *sapb1.Error
	require.True(t, errors.As(err, &se))
	assert.Equal(t, sapb1.CodeNoMatch, se.Code)
	assert.Equal(t, "Orders", se.Entity)
	assert.Equal(t, "999999", se.Key)
	assert.Contains(t, err.Error(), "Orders(999999)")
	assert.Contains(t, err.Error(), "No matching records found")

	_, err = c.Get(t.Context(), sapb1.Orders, "twelve")
	require.ErrorContains(t, err, `"twelve" is not a DocEntry`)
}

func TestClientListFollowsNextLinkInPagesOfMaxPageSize(t *testing.T) {
	sb := start(t, nil)
	c := sb.Client(t)
	before := sb.Server.Stats().Count("GET /b1s/v1/Orders", http.StatusOK)
	all, err := c.All(t.Context(), "Orders", sapb1.Query{Select: []string{"DocEntry", "NumAtCard"}, OrderBy: []string{"DocEntry"}}, 7)
	require.NoError(t, err)
	require.Len(t, all, len(smallCatalog.Orders))
	seen := map[int]bool{}
	for _, raw := range all {
		var o struct{ DocEntry int }
		require.NoError(t, json.Unmarshal(raw, &o))
		require.False(t, seen[o.DocEntry], "DocEntry %d read twice", o.DocEntry)
		seen[o.DocEntry] = true
	}
	pages := (len(smallCatalog.Orders) + 6) / 7
	assert.EqualValues(t, pages, sb.Server.Stats().Count("GET /b1s/v1/Orders", http.StatusOK)-before, "one request per page of 7")
}

func TestClientPatchAppendsLinesUnlessCollectionsAreReplaced(t *testing.T) {
	sb := start(t, nil)
	c := sb.Client(t)
	card, a, b := smallCatalog.BusinessPartners[0].CardCode, smallCatalog.Products[0].SKU, smallCatalog.Products[1].SKU
	lines := `"DocumentLines":[{"ItemCode":"` + a + `","Quantity":1},{"ItemCode":"` + b + `","Quantity":2}]`
	created, err := c.Create(t.Context(), sapb1.Orders, "", []byte(`{"CardCode":"`+card+`","DocDueDate":"2026-12-01","NumAtCard":"WEB-PATCH-1",`+lines+`}`))
	require.NoError(t, err)
	var doc struct{ DocEntry int }
	require.NoError(t, json.Unmarshal(created, &doc))
	key := strconv.Itoa(doc.DocEntry)

	linesOf := func() int {
		raw, err := c.Get(t.Context(), sapb1.Orders, key)
		require.NoError(t, err)
		var o struct{ DocumentLines []json.RawMessage }
		require.NoError(t, json.Unmarshal(raw, &o))
		return len(o.DocumentLines)
	}
	require.Equal(t, 2, linesOf())

	require.NoError(t, c.Update(t.Context(), sapb1.Orders, key, []byte(`{`+lines+`}`), sapb1.MergeCollections))
	assert.Equal(t, 4, linesOf(), "the Service Layer's PATCH appends lines it cannot match by LineNum")

	require.NoError(t, c.Update(t.Context(), sapb1.Orders, key, []byte(`{`+lines+`}`), sapb1.ReplaceCollections))
	assert.Equal(t, 2, linesOf(), "B1S-ReplaceCollectionsOnPatch makes the order hold exactly the lines sent")
	require.NoError(t, c.Update(t.Context(), sapb1.Orders, key, []byte(`{`+lines+`}`), sapb1.ReplaceCollections))
	assert.Equal(t, 2, linesOf(), "a replacing PATCH can be repeated")

	found, err := c.FindByNumAtCard(t.Context(), sapb1.Orders, "WEB-PATCH-1")
	require.NoError(t, err)
	assert.Len(t, found, 1)
	sb.Contract.AssertClean(t)
}
