package outputs

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/checkpoint"
	"github.com/datawald/datawald/internal/netsuite"
	"github.com/datawald/datawald/internal/sandbox"
	sbnetsuite "github.com/datawald/datawald/internal/sandbox/netsuite"
	"github.com/datawald/datawald/internal/sandbox/seed"
)

// BenchmarkNetSuite measures, against the sandbox account:
//
//   - suiteql_paging: sales order rows read per second through keyset
//     SuiteQL paging (1000 rows a page, no added latency);
//   - upserts_limit5_20ms: upserts per second through the netsuite output
//     at a concurrency limit of 5 with 20 ms added to every request, beside
//     the ceiling limit/latency, both as theory (250/s) and as measured in
//     the same run by 5 workers sending the cheapest request (serverTime)
//     through the same limiter.
//
// Run: go test ./outputs/ -run '^$' -bench BenchmarkNetSuite -benchtime 2000x
func BenchmarkNetSuite(b *testing.B) {
	b.Run("suiteql_paging", func(b *testing.B) {
		h := startNetSuiteOutput(b, seed.Counts{Orders: 5000}, sbnetsuite.Options{ConcurrencyLimit: -1}, sandbox.Options{})
		c, err := netsuite.New(h.clientConfig())
		require.NoError(b, err)
		e, _ := netsuite.LookupEntity("salesOrder")
		q := netsuite.GeneratedQuery(e, false, time.UTC)
		rows := 0
		b.ResetTimer()
		start := time.Now()
		for scan := 0; rows < b.N; scan++ {
			// A new window end per scan: the sandbox caches results by query
			// text, and a real account would run each query anew.
			until := time.Now().Add(time.Hour + time.Duration(scan)*time.Second)
			s := c.NewScan(q, checkpoint.Cursor{}, until, netsuite.MaxPageSize)
			for !s.Done() {
				page, err := s.Next(context.Background())
				require.NoError(b, err)
				rows += len(page)
			}
		}
		b.ReportMetric(float64(rows)/time.Since(start).Seconds(), "records/s")
	})

	b.Run("upserts_limit5_20ms", func(b *testing.B) {
		const limit, latency = 5, 20 * time.Millisecond
		h := startNetSuiteOutput(b, seed.Counts{Orders: 50}, sbnetsuite.Options{ConcurrencyLimit: limit},
			sandbox.Options{Faults: sandbox.Faults{Latency: sandbox.Duration(latency)}})
		out := h.output(func(c *netsuiteOutputConfig) { c.client.ConcurrencyLimit = limit })

		// Measured ceiling: the limiter's slots kept busy with serverTime.
		n := max(b.N/2, 100)
		ceiling := netsuiteRate(b, n, 16, func(context.Context) error {
			_, err := out.client.ServerTime(context.Background())
			return err
		})

		ids, bodies, _ := h.orders(fmt.Sprintf("bench-%d", b.N), b.N)
		msgs := make([]*service.Message, b.N)
		for i := range msgs {
			msgs[i] = service.NewMessage(bodies[i]) // no envelope: nothing to record, only the writes are timed
			msgs[i].MetaSetMut("netsuite_record_type", "salesOrder")
			msgs[i].MetaSetMut("netsuite_external_id", ids[i])
		}
		b.ResetTimer()
		var next int64
		var mu sync.Mutex
		upserts := netsuiteRate(b, b.N, 16, func(ctx context.Context) error {
			mu.Lock()
			m := msgs[next]
			next++
			mu.Unlock()
			return out.Write(ctx, m)
		})
		b.StopTimer()
		theory := float64(limit) / latency.Seconds()
		b.ReportMetric(upserts, "upserts/s")
		b.ReportMetric(ceiling, "ceiling_measured/s")
		b.ReportMetric(theory, "ceiling_theory/s")
		b.ReportMetric(100*upserts/ceiling, "%_of_measured")
		b.ReportMetric(100*upserts/theory, "%_of_theory")
		maxInFlight, throttled := out.client.Limiter().Stats()
		b.ReportMetric(float64(maxInFlight), "max_in_flight")
		b.ReportMetric(float64(throttled), "429s")
	})
}

// netsuiteRate runs fn n times on workers goroutines and returns calls per
// second; any error fails the benchmark.
func netsuiteRate(b *testing.B, n, workers int, fn func(context.Context) error) float64 {
	var (
		wg    sync.WaitGroup
		errMu sync.Mutex
		first error
	)
	jobs := make(chan struct{})
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				if err := fn(context.Background()); err != nil {
					errMu.Lock()
					first = err
					errMu.Unlock()
				}
			}
		}()
	}
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	require.NoError(b, first)
	return float64(n) / elapsed.Seconds()
}
