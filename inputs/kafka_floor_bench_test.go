package inputs_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/require"
)

// benchBenthosFloor is the least work any Benthos kafka input and output
// must do for b.N messages of BenchmarkKafkaThroughput's shape, with no
// Kafka at all: one goroutine creates each message with the 12 metadata
// entries the input sets (kafka_key, kafka_topic, kafka_partition,
// kafka_offset, kafka_timestamp and the 7 dw_* headers, from prebuilt
// strings) and hands batches of 1000 to a stream, whose consumer walks
// every message's metadata as the output must to build headers. Its CPU
// time per message is the part of datawald's cost that no change to the
// kafka components can remove.
func benchBenthosFloor(b *testing.B) {
	var got atomic.Int64
	done := make(chan struct{})
	sb := service.NewStreamBuilder()
	require.NoError(b, sb.SetLoggerYAML("level: none"))
	sendBatch, err := sb.AddBatchProducerFunc()
	require.NoError(b, err)
	var headers atomic.Int64
	require.NoError(b, sb.AddBatchConsumerFunc(func(_ context.Context, batch service.MessageBatch) error {
		n := 0
		for _, m := range batch {
			_ = m.MetaWalkMut(func(k string, _ any) error {
				if strings.HasPrefix(k, "dw_") {
					n++
				}
				return nil
			})
		}
		headers.Add(int64(n))
		if got.Add(int64(len(batch))) == int64(b.N) {
			close(done)
		}
		return nil
	}))
	s, err := sb.Build()
	require.NoError(b, err)
	stop := runStream(b, s)
	defer stop()

	envs, _ := benchEnvelopes(b.N)
	keys := make([]string, len(envs))
	for i := range envs {
		keys[i] = envs[i].key()
	}
	value := benchValue()
	stamp := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
	defer cancel()

	b.ResetTimer()
	cpuStart := processCPU(b)
	start := time.Now()
	go func() {
		for i := 0; i < b.N; i += benchBatch {
			batch := make(service.MessageBatch, 0, benchBatch)
			for j := i; j < min(i+benchBatch, b.N); j++ {
				m := service.NewMessage(value)
				m.MetaSetMut("kafka_key", keys[j])
				m.MetaSetMut("kafka_topic", benchTopic)
				m.MetaSetMut("kafka_partition", int64(j%benchPartitions))
				m.MetaSetMut("kafka_offset", int64(j))
				m.MetaSetMut("kafka_timestamp", stamp)
				for h, k := range benchHeaderKeys {
					m.MetaSetMut(k, envs[j][h])
				}
				batch = append(batch, m)
			}
			if err := sendBatch(ctx, batch); err != nil {
				b.Error(err)
				return
			}
		}
	}()
	select {
	case <-done:
	case <-ctx.Done():
		b.Fatalf("only %d of %d messages arrived", got.Load(), b.N)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	require.Equal(b, int64(7*b.N), headers.Load())
	b.ReportMetric(float64((processCPU(b)-cpuStart).Nanoseconds())/float64(b.N), "cpu-ns/msg")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msg/s")
}

// benchGenerateDrop runs b.N messages with the 7 dw_* metadata entries
// (constant values) through a generate input, in batches of 1000, to a drop
// output: the Benthos pipeline alone, with a Bloblang mapping per message.
func benchGenerateDrop(b *testing.B) {
	sb := service.NewStreamBuilder()
	require.NoError(b, sb.SetYAML(fmt.Sprintf(`
logger:
  level: none
input:
  generate:
    count: %d
    interval: ""
    batch_size: %d
    mapping: |
      root = %q
      meta dw_source = "netsuite"
      meta dw_target = "magento"
      meta dw_tx_type = "order"
      meta dw_src_id = "100123"
      meta dw_updated_at = "2026-11-01T00:00:00Z"
      meta dw_task_id = "00000001-0000-4000-8000-000000000001"
      meta dw_hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
output:
  drop: {}
`, b.N, benchBatch, string(benchValue()))))
	s, err := sb.Build()
	require.NoError(b, err)
	ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
	defer cancel()

	b.ResetTimer()
	cpuStart := processCPU(b)
	start := time.Now()
	require.NoError(b, s.Run(ctx))
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64((processCPU(b)-cpuStart).Nanoseconds())/float64(b.N), "cpu-ns/msg")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msg/s")
}
