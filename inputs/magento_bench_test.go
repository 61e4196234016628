package inputs

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/magento"
)

// BenchmarkMagentoInputOrders reads 5,000 orders from the simulator per
// iteration (a first sync with an empty checkpoint), acking each, and
// reports orders read per second and API calls per order.
//
//	go test ./inputs -run '^$' -bench BenchmarkMagentoInputOrders -benchtime 5x
func BenchmarkMagentoInputOrders(b *testing.B) {
	const orders = 5000
	h := startMagentoOrdersB(b, orders)
	res, _ := magento.LookupResource("orders")
	before := h.sb.Server.Stats().Total
	start := time.Now()
	for i := 0; i < b.N; i++ {
		auth := h.sb.OAuth1()
		auth.Now = h.clock.Now
		cfg := magentoInputConfig{pollingConfig: pollingConfig{pageSize: magento.MaxPageSize, pollInterval: time.Minute, lag: 5 * time.Second}, client: h.sb.Config(auth), resource: res, source: "magento"}
		in := h.connect(b, cfg, fmt.Sprintf("bench_%d", i))
		n := 0
		for {
			_, ack, err := in.Read(b.Context())
			require.NoError(b, err)
			require.NoError(b, ack(b.Context(), nil))
			n++
			if in.scan == nil {
				break
			}
		}
		require.Equal(b, orders, n)
	}
	elapsed := time.Since(start)
	calls := h.sb.Server.Stats().Total - before
	b.ReportMetric(float64(orders*b.N)/elapsed.Seconds(), "orders/s")
	b.ReportMetric(float64(calls)/float64(orders*b.N), "calls/order")
}
