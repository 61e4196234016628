package inputs_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
)

const benchPayload = 256

// BenchmarkKafkaThroughput moves b.N messages of 256 bytes (plus a key and
// one header) end to end through kfake: "datawald" feeds batches of 1000 to
// the kafka output and reads them with the kafka input, as two streams; "franz-go" is a plain
// kgo producer and group consumer doing the same in the same process. Each
// op is one message; compare msg/s and MB/s. Run with:
//
//	go test ./inputs/ -run XXX -bench KafkaThroughput -benchtime 200000x
func BenchmarkKafkaThroughput(b *testing.B) {
	b.Run("datawald", func(b *testing.B) {
		broker := startKafka(b, "bench", 4)
		var got atomic.Int64
		done := make(chan struct{})

		cons := service.NewStreamBuilder()
		require.NoError(b, cons.SetLoggerYAML("level: none"))
		require.NoError(b, cons.AddInputYAML(kafkaInputYAML(broker, "bench", "bench-group", "")))
		require.NoError(b, cons.AddBatchConsumerFunc(func(_ context.Context, batch service.MessageBatch) error {
			if got.Add(int64(len(batch))) == int64(b.N) {
				close(done)
			}
			return nil
		}))
		cs, err := cons.Build()
		require.NoError(b, err)

		prod := service.NewStreamBuilder()
		require.NoError(b, prod.SetLoggerYAML("level: none"))
		require.NoError(b, prod.AddOutputYAML(fmt.Sprintf(`
kafka:
  seed_brokers: [ %q ]
  topic: bench
  key: ${! meta("dw_tx_type") }:${! meta("dw_src_id") }
  metadata:
    include_prefixes: [ "dw_tx" ]
  max_in_flight: 4
`, broker)))
		sendBatch, err := prod.AddBatchProducerFunc()
		require.NoError(b, err)
		ps, err := prod.Build()
		require.NoError(b, err)
		go func() { _ = ps.Run(context.Background()) }()
		defer func() { _ = ps.Stop(context.Background()) }()
		// Batches of 1000 are built up front, as the pipeline in front of
		// the output would hand them over.
		value := []byte(strings.Repeat("x", benchPayload))
		var batches []service.MessageBatch
		for i := 0; i < b.N; i += 1000 {
			var batch service.MessageBatch
			for j := i; j < min(i+1000, b.N); j++ {
				m := service.NewMessage(value)
				m.MetaSetMut("dw_tx_type", "order")
				m.MetaSetMut("dw_src_id", strconv.Itoa(j%1000))
				batch = append(batch, m)
			}
			batches = append(batches, batch)
		}

		b.ResetTimer()
		start := time.Now()
		stopCons := runStream(b, cs)
		go func() {
			sem := make(chan struct{}, 4)
			for _, batch := range batches {
				sem <- struct{}{}
				go func() {
					defer func() { <-sem }()
					if err := sendBatch(context.Background(), batch); err != nil {
						b.Error(err)
					}
				}()
			}
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Minute):
			b.Fatalf("only %d of %d messages arrived", got.Load(), b.N)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		stopCons()
		reportThroughput(b, elapsed)
	})

	b.Run("franz-go", func(b *testing.B) {
		broker := startKafka(b, "bench", 4)
		producer, err := kgo.NewClient(kgo.SeedBrokers(broker), kgo.DefaultProduceTopic("bench"))
		require.NoError(b, err)
		defer producer.Close()
		consumer, err := kgo.NewClient(kgo.SeedBrokers(broker), kgo.ConsumerGroup("plain-group"),
			kgo.ConsumeTopics("bench"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		require.NoError(b, err)
		defer consumer.Close()
		value := []byte(strings.Repeat("x", benchPayload))

		b.ResetTimer()
		start := time.Now()
		go func() {
			for i := 0; i < b.N; i++ {
				producer.Produce(context.Background(), &kgo.Record{
					Key:     []byte("order:" + strconv.Itoa(i%1000)),
					Value:   value,
					Headers: []kgo.RecordHeader{{Key: "dw_tx_type", Value: []byte("order")}},
				}, nil)
			}
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		for n := 0; n < b.N; {
			f := consumer.PollFetches(ctx)
			require.NoError(b, ctx.Err())
			n += f.NumRecords()
			if err := consumer.CommitUncommittedOffsets(ctx); err != nil {
				b.Fatal(err)
			}
		}
		elapsed := time.Since(start)
		b.StopTimer()
		reportThroughput(b, elapsed)
	})
}

func reportThroughput(b *testing.B, elapsed time.Duration) {
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msg/s")
	b.ReportMetric(float64(b.N*benchPayload)/elapsed.Seconds()/1e6, "MB/s")
}
