package hubspot_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/httpx"
	"github.com/datawald/datawald/internal/hubspot"
	"github.com/datawald/datawald/internal/hubspot/hubspottest"
	"github.com/datawald/datawald/internal/sandbox"
	sbhubspot "github.com/datawald/datawald/internal/sandbox/hubspot"
	"github.com/datawald/datawald/internal/sandbox/sandboxtest"
)

const search = "POST /crm/v3/objects/{objectType}/search"

func TestScanWaitsOutTheSearchRateLimitAsHubSpotAsksAndReadsEverything(t *testing.T) {
	// Two searches per second, Retry-After on every 429.
	sb := hubspottest.Start(t, sbhubspot.Options{Catalog: catalog(100), SearchRateLimit: 2, RetryAfterEvery: 1}, sandbox.Options{})
	c := sb.Client(t)
	typ, _ := hubspot.LookupObjectType("contacts")

	items := scanAll(t, c.NewScan(typ, hubspot.ScanOptions{Upper: catalogEnd.Add(time.Hour), Limit: 20}))
	require.Len(t, items, 100)
	requireTotalOrder(t, items)
	st := sb.Server.Stats()
	assert.Positive(t, st.Count(search, http.StatusTooManyRequests), "the portal refused some searches")
	assert.GreaterOrEqual(t, st.Count(search, http.StatusOK), int64(5))
}

func TestTheDailyLimitIsNotRetried(t *testing.T) {
	sb := hubspottest.Start(t, sbhubspot.Options{Catalog: catalog(10), DailyLimit: 1}, sandbox.Options{})
	c := sb.Client(t)
	_, err := c.BatchRead(t.Context(), "contacts", "", []string{"1000001"}, nil)
	require.NoError(t, err)

	_, err = c.BatchRead(t.Context(), "contacts", "", []string{"1000002"}, nil)
	require.Error(t, err)
	assert.False(t, hubspot.IsRetryable(err), "the daily budget returns at midnight, not after a backoff")
	var he *httpx.HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, "DAILY", he.Code)
	assert.Equal(t, 1, he.Attempts)
	assert.True(t, hubspot.IsDailyLimit(err), "the answer is recognised as the daily limit")
	assert.EqualValues(t, 1, sb.Server.Stats().Count(batchRead, http.StatusTooManyRequests))
}

func TestATenSecondlyRateLimitIsNotTheDailyLimit(t *testing.T) {
	sb := hubspottest.Start(t, sbhubspot.Options{Catalog: catalog(10)}, sandbox.Options{})
	sandboxtest.SetFaults(t, sb.URL, sandbox.Faults{RateLimitRate: 1})
	_, err := sb.Client(t).BatchRead(t.Context(), "contacts", "", []string{"1000001"}, nil)
	require.Error(t, err)
	assert.Equal(t, http.StatusTooManyRequests, hubspot.Status(err))
	assert.False(t, hubspot.IsDailyLimit(err))
	assert.False(t, hubspot.IsDailyLimit(nil))
}
