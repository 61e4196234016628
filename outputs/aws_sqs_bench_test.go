package outputs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sqsemu"
)

// BenchmarkSQSOutputSends compares SendMessageBatch calls per message with
// batches of ten against single-message batches, through a counting proxy
// in front of the emulator. Run with:
//
//	go test ./outputs/ -run XXX -bench SQSOutputSends -benchtime 500x
func BenchmarkSQSOutputSends(b *testing.B) {
	emu := sqsemu.Start(b)
	for _, count := range []int{1, 10} {
		b.Run(fmt.Sprintf("batch_count=%d", count), func(b *testing.B) {
			url := emu.CreateQueue(b, fmt.Sprintf("bench-%d-%d", count, b.N), nil)
			viaProxy, calls := emu.CountingProxy(b)

			sb := service.NewStreamBuilder()
			require.NoError(b, sb.SetLoggerYAML("level: none"))
			require.NoError(b, sb.AddOutputYAML(fmt.Sprintf(`
aws_sqs:
  url: %s
%s  metadata:
    include_prefixes: [ "dw_" ]
  batching:
    count: %d
    period: 20ms
`, url, viaProxy.YAML("  "), count)))
			send, err := sb.AddProducerFunc()
			require.NoError(b, err)
			s, err := sb.Build()
			require.NoError(b, err)
			go func() { _ = s.Run(context.Background()) }()
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_ = s.Stop(ctx)
			}()

			body := []byte(`{"entity":"order","id":"SO-1001","status":"shipped"}`)
			ctx := context.Background()
			b.ResetTimer()
			start := time.Now()
			results := make(chan error, b.N)
			// Senders run concurrently so batches can fill.
			for i := 0; i < b.N; i++ {
				go func(i int) {
					m := service.NewMessage(body)
					m.MetaSetMut("dw_src_id", fmt.Sprint(i))
					results <- send(ctx, m)
				}(i)
			}
			for i := 0; i < b.N; i++ {
				require.NoError(b, <-results)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(calls.Count("SendMessageBatch"))/float64(b.N), "requests/msg")
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msg/s")
		})
	}
}
