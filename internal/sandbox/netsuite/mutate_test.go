package netsuite

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox"
)

func TestMutatedRecordsShowUpInTheNextIncrementalQuery(t *testing.T) {
	v, c, clock, _ := startSandbox(t, nil)
	incremental := func(since string) []map[string]any {
		q := `SELECT id, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS m FROM transaction
		      WHERE type = 'SalesOrd' AND lastmodifieddate > TO_TIMESTAMP('` + since + `', 'YYYY-MM-DD HH24:MI:SS')
		      ORDER BY lastmodifieddate, id`
		return items(t, c.suiteql(q, 1000, 0))
	}
	watermark := clock.Now().UTC().Format("2006-01-02 15:04:05")
	require.Empty(t, incremental(watermark))

	clock.Advance(10 * time.Second)
	res, err := v.Mutate(sandbox.MutateRequest{Entity: "salesOrder", Count: 2, SameSecond: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"30", "31"}, res.Changed)
	got := incremental(watermark)
	require.Len(t, got, 2)
	assert.Equal(t, got[0]["m"], got[1]["m"], "same_second gives both the same lastmodifieddate")
	assert.Equal(t, res.ModifiedAt.Format("2006-01-02 15:04:05"), got[0]["m"])

	order := c.do(http.MethodGet, "/record/v1/salesOrder/30", nil).json(t)
	assert.Contains(t, order["memo"], "Updated by a user")
	assert.Equal(t, res.ModifiedAt.Format(time.RFC3339), order["lastModifiedDate"])
}

func TestMutateSetsFieldsAndRefusesUnknownEntitiesAndIDs(t *testing.T) {
	v, c, _, _ := startSandbox(t, nil)
	_, err := v.Mutate(sandbox.MutateRequest{Entity: "customer", IDs: []string{"eid:C-11"}, Set: map[string]any{"email": "zoe@example.com"}})
	require.NoError(t, err)
	assert.Equal(t, "zoe@example.com", c.do(http.MethodGet, "/record/v1/customer/11", nil).json(t)["email"])

	var bad *sandbox.BadRequestError
	_, err = v.Mutate(sandbox.MutateRequest{Entity: "orders"})
	assert.ErrorAs(t, err, &bad)
	_, err = v.Mutate(sandbox.MutateRequest{Entity: "customer", IDs: []string{"404"}})
	assert.ErrorAs(t, err, &bad)
	_, err = v.Mutate(sandbox.MutateRequest{Entity: "salesOrder", IDs: []string{"30"}, Set: map[string]any{"entity": map[string]any{"id": "404"}}})
	assert.ErrorAs(t, err, &bad)
}

func TestMutateOfAnItemChangesItsInventory(t *testing.T) {
	v, c, _, _ := startSandbox(t, nil)
	_, err := v.Mutate(sandbox.MutateRequest{Entity: "inventoryItem", IDs: []string{"20"}})
	require.NoError(t, err)
	got := items(t, c.suiteql("SELECT quantityonhand FROM inventoryitemlocations WHERE item = 20 AND location = 1", 10, 0))
	require.Len(t, got, 1)
	assert.Equal(t, "45", got[0]["quantityonhand"])
}

func TestResetRestoresTheDataSet(t *testing.T) {
	v, c, _, _ := startSandbox(t, nil)
	require.Equal(t, http.StatusNoContent, c.do(http.MethodDelete, "/record/v1/customer/12", nil).status)
	v.Reset()
	assert.Equal(t, http.StatusOK, c.do(http.MethodGet, "/record/v1/customer/12", nil).status)
}
