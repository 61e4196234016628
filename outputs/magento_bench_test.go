package outputs

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/magento"
	"github.com/datawald/datawald/internal/sandbox"
	sbmagento "github.com/datawald/datawald/internal/sandbox/magento"
	"github.com/datawald/datawald/internal/sandbox/seed"
)

// BenchmarkMagentoOutputSourceItems writes 10,000 MSI source items (2,000
// messages of 5 sources) per iteration, every quantity changed, in batches
// of 100 messages with 4 batches in flight (the output's default
// max_in_flight), and reports source items written per second and API
// calls per item.
//
//	go test ./outputs -run '^$' -bench BenchmarkMagentoOutputSourceItems -benchtime 3x
func BenchmarkMagentoOutputSourceItems(b *testing.B) {
	h := startMagentoOutput(b, seed.Counts{Locations: 5}, sandbox.Options{}, sbmagento.Options{})
	ids, _ := productBodies(2000, func(int) int { return 1 })
	out := h.output(moSourceItems, nil)
	before := h.sb.Server.Stats().Total
	const items = 10000
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		bodies := make([][]byte, len(ids))
		for k, sku := range ids {
			var si []magento.SourceItem
			for l, loc := range h.cat.Locations {
				si = append(si, magento.SourceItem{SKU: sku, SourceCode: loc.Code, Quantity: float64(i*100 + (k+l)%50 + 1), Status: 1})
			}
			bodies[k], _ = json.Marshal(map[string]any{"sourceItems": si})
		}
		batches := inBatches(h.stage("inventory", ids, bodies, nil), 100)
		start := time.Now()
		work := make(chan service.MessageBatch, len(batches))
		for _, batch := range batches {
			work <- batch
		}
		close(work)
		errs := make(chan error, len(batches))
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for batch := range work {
					if err := out.WriteBatch(b.Context(), batch); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatalf("writing source items: %v", err)
		}
		elapsed += time.Since(start)
	}
	calls := h.sb.Server.Stats().Total - before
	b.ReportMetric(float64(items*b.N)/elapsed.Seconds(), "items/s")
	b.ReportMetric(float64(calls)/float64(items*b.N), "calls/item")
	b.ReportMetric(0, "ns/op")
}
