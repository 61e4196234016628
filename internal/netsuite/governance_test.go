package netsuite

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox"
	sbnetsuite "github.com/datawald/datawald/internal/sandbox/netsuite"
)

func TestLimiterShrinksOnceBelowInFlightAfterA429AndRecovers(t *testing.T) {
	clock := &manualClock{t: time.Unix(1_800_000_000, 0)}
	l := NewLimiter(6)
	l.now = clock.Now
	l.SetRecovery(time.Minute)
	ctx := context.Background()
	var rels []func(int)
	for range 6 {
		r, err := l.Acquire(ctx)
		require.NoError(t, err)
		rels = append(rels, r)
	}
	// All six were sent together and all are refused: one shrink.
	for _, r := range rels {
		r(http.StatusTooManyRequests)
	}
	assert.Equal(t, 5, l.Effective(), "one below the six in flight, once")
	clock.Add(59 * time.Second)
	assert.Equal(t, 5, l.Effective())
	clock.Add(time.Second)
	assert.Equal(t, 6, l.Effective(), "grows back by one per recovery period")
	_, throttled := l.Stats()
	assert.EqualValues(t, 6, throttled)
}

func TestLimiterBlocksBeyondItsLimitUntilASlotIsReleased(t *testing.T) {
	l := NewLimiter(2)
	ctx := context.Background()
	r1, _ := l.Acquire(ctx)
	_, _ = l.Acquire(ctx)
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_, err := l.Acquire(short)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	got := make(chan struct{})
	go func() {
		r, err := l.Acquire(ctx)
		if err == nil {
			r(200)
		}
		close(got)
	}()
	r1(200)
	select {
	case <-got:
	case <-time.After(2 * time.Second):
		t.Fatal("a released slot did not wake the waiter")
	}
}

func TestClientsOfOneAccountShareOneLimiterSizedFromGovernanceLimits(t *testing.T) {
	acct := startAccount(t, sbnetsuite.Options{ConcurrencyLimit: 7, IntegrationConcurrencyLimit: 3}, sandbox.Options{})
	a := acct.client(t, AuthTBA)
	b := acct.client(t, AuthOAuth2)
	require.Same(t, a.Limiter(), b.Limiter())
	require.NoError(t, a.Init(t.Context()))
	require.NoError(t, b.Init(t.Context()))
	assert.Equal(t, 3, a.Limiter().Limit(), "the integration's own allocation")
	assert.EqualValues(t, 1, acct.server.Stats().Count("GET /services/rest/system/v1/governanceLimits", http.StatusOK), "read once per account")

	var wg sync.WaitGroup
	for i := range 40 {
		c := a
		if i%2 == 1 {
			c = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.ServerTime(t.Context())
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	st := acct.server.Stats()
	assert.LessOrEqual(t, st.MaxConcurrency, int64(3))
	assert.EqualValues(t, 0, st.Count("GET /services/rest/system/v1/serverTime", http.StatusTooManyRequests))
}

func TestGovernanceLimitsWithoutAPositiveLimitFallBackToTheDefault(t *testing.T) {
	assert.Equal(t, DefaultConcurrencyLimit, GovernanceLimits{}.Available())
	assert.Equal(t, 3, GovernanceLimits{AccountConcurrencyLimit: 3}.Available())
	assert.Equal(t, 2, GovernanceLimits{AccountConcurrencyLimit: 15, AccountUnallocatedConcurrencyLimit: 2}.Available())
	seven := 7
	assert.Equal(t, 7, GovernanceLimits{AccountConcurrencyLimit: 15, IntegrationConcurrencyLimit: &seven}.Available())
}
