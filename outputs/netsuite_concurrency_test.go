package outputs

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox"
	sbnetsuite "github.com/datawald/datawald/internal/sandbox/netsuite"
	"github.com/datawald/datawald/internal/sandbox/seed"
)

// writeStreams writes n orders per stream through each output at once,
// eight Write calls in flight per stream.
func writeStreams(t *testing.T, h *netsuiteOutputHarness, outs []*netsuiteOutput, prefix string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for s, out := range outs {
		ids, bodies, _ := h.orders(fmt.Sprintf("%s-s%d", prefix, s), n)
		msgs := h.stage("salesOrder", ids, bodies)
		wg.Add(1)
		go func() {
			defer wg.Done()
			writeNetSuite(t, out, msgs, 8)
		}()
	}
	wg.Wait()
}

func upsert429s(h *netsuiteOutputHarness) int64 {
	return h.server.Stats().Count("PUT /services/rest/record/v1/{type}/{id}", http.StatusTooManyRequests)
}

func TestThreeStreamsShareTheAccountLimitOfFiveWithoutA429(t *testing.T) {
	h := startNetSuiteOutput(t, seed.Counts{Orders: 50}, sbnetsuite.Options{ConcurrencyLimit: 5}, sandbox.Options{})
	outs := []*netsuiteOutput{h.output(nil), h.output(nil), h.output(nil)} // concurrency_limit 0: read from governanceLimits
	require.Same(t, outs[0].client.Limiter(), outs[2].client.Limiter(), "one limiter per account in the process")
	assert.Equal(t, 5, outs[0].client.Limiter().Limit())

	writeStreams(t, h, outs, "gov", 200)
	st := h.server.Stats()
	ourMax, _ := outs[0].client.Limiter().Stats()
	t.Logf("3 streams × 200 upserts, 24 writers: sandbox high-water mark %d, limiter high-water mark %d, 429s %d, PUT 204s %d",
		st.MaxConcurrency, ourMax, upsert429s(h), st.Count("PUT /services/rest/record/v1/{type}/{id}", http.StatusNoContent))
	assert.LessOrEqual(t, st.MaxConcurrency, int64(5))
	assert.EqualValues(t, 0, upsert429s(h))
	assert.EqualValues(t, 600, st.Count("PUT /services/rest/record/v1/{type}/{id}", http.StatusNoContent))
}

func TestALimitSetTooHighShrinksAfter429sAndThenStaysUnderTheAccountLimit(t *testing.T) {
	h := startNetSuiteOutput(t, seed.Counts{Orders: 50}, sbnetsuite.Options{ConcurrencyLimit: 5, ProcessingTime: 2 * time.Millisecond}, sandbox.Options{})
	tooHigh := func(c *netsuiteOutputConfig) { c.client.ConcurrencyLimit, c.client.Recovery = 8, time.Hour }
	outs := []*netsuiteOutput{h.output(tooHigh), h.output(tooHigh), h.output(tooHigh)}

	writeStreams(t, h, outs, "adapt", 150)
	throttled := upsert429s(h)
	limit := outs[0].client.Limiter().Effective()
	t.Logf("phase 1 (limit configured 8, account 5): %d upserts answered 429 and retried; effective limit now %d", throttled, limit)
	require.Positive(t, throttled, "the account refused requests over its limit")
	require.LessOrEqual(t, limit, 5)

	before := h.server.Stats()
	writeStreams(t, h, outs, "adapted", 150)
	after := h.server.Stats()
	t.Logf("phase 2 (adapted): 429s %d, PUT 204s %d", upsert429s(h)-throttled, after.Count("PUT /services/rest/record/v1/{type}/{id}", http.StatusNoContent)-before.Count("PUT /services/rest/record/v1/{type}/{id}", http.StatusNoContent))
	assert.EqualValues(t, 0, upsert429s(h)-throttled, "no 429 once the limiter has adapted")
}
