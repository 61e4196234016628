package inputs_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
)

// BenchmarkKafkaSides times each half of BenchmarkKafkaThroughput alone,
// datawald next to plain franz-go in the same run, with the same messages,
// options and helpers:
//
//   - consume: b.N messages are produced (plain franz-go, untimed) before
//     the clock starts; the clock covers the consumer joining its group and
//     receiving all of them: datawald's kafka input handing batches to a
//     counting consumer function, or the plain poll loop.
//   - produce: the clock covers writing b.N messages until the broker
//     acknowledged the last one: datawald's kafka output fed by benchInFlight
//     concurrent senders, or the plain asynchronous produce loop.
//
// Run with:
//
//	go test ./inputs/ -run XXX -bench KafkaSides -benchtime 300000x -count 3
func BenchmarkKafkaSides(b *testing.B) {
	b.Run("consume/datawald", benchConsumeDatawald)
	b.Run("consume/franz-go", benchConsumeFranzGo)
	b.Run("produce/datawald", benchProduceDatawald)
	b.Run("produce/franz-go", benchProduceFranzGo)
}

// timeSide times run, which moves b.N messages of the given record bytes,
// and reports its rates and CPU per message.
func timeSide(b *testing.B, bytes int, run func()) {
	b.ResetTimer()
	cpuStart := processCPU(b)
	start := time.Now()
	run()
	elapsed := time.Since(start)
	b.StopTimer()
	reportThroughput(b, elapsed, 0, cpuStart, bytes)
}

// preload starts a cluster holding n envelopes and returns its address and
// the envelopes' record bytes.
func preload(b *testing.B, n int) (string, int) {
	broker := startKafka(b, benchTopic, benchPartitions)
	cl, err := kgo.NewClient(benchProducerOpts(broker)...)
	require.NoError(b, err)
	defer cl.Close()
	envs, bytes := benchEnvelopes(n)
	ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
	defer cancel()
	produceAll(b, ctx, cl, envs, benchValue())
	return broker, bytes
}

func benchConsumeDatawald(b *testing.B) {
	broker, bytes := preload(b, b.N)
	var got atomic.Int64
	done := make(chan struct{})
	cons := service.NewStreamBuilder()
	require.NoError(b, cons.SetLoggerYAML("level: none"))
	require.NoError(b, cons.AddInputYAML(kafkaInputYAML(broker, benchTopic, "bench-group", "")))
	require.NoError(b, cons.AddBatchConsumerFunc(func(_ context.Context, batch service.MessageBatch) error {
		if got.Add(int64(len(batch))) == int64(b.N) {
			close(done)
		}
		return nil
	}))
	cs, err := cons.Build()
	require.NoError(b, err)

	timeSide(b, bytes, func() {
		stop := runStream(b, cs)
		defer stop()
		select {
		case <-done:
		case <-time.After(benchTimeout):
			b.Fatalf("only %d of %d messages arrived", got.Load(), b.N)
		}
	})
}

func benchConsumeFranzGo(b *testing.B) {
	broker, bytes := preload(b, b.N)
	ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
	defer cancel()

	timeSide(b, bytes, func() {
		consumer, err := kgo.NewClient(benchConsumerOpts(broker)...)
		require.NoError(b, err)
		defer consumer.Close()
		consumeAll(b, ctx, consumer, b.N)
	})
}

func benchProduceDatawald(b *testing.B) {
	broker := startKafka(b, benchTopic, benchPartitions)
	sendBatch := startDatawaldProducer(b, broker)
	envs, bytes := benchEnvelopes(b.N)
	value := benchValue()
	ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
	defer cancel()
	require.NoError(b, sendBatch(ctx, service.MessageBatch{benchMessage(&envs[0], value)}))

	timeSide(b, bytes, func() { sendAll(b, ctx, sendBatch, envs, value) })
}

func benchProduceFranzGo(b *testing.B) {
	broker := startKafka(b, benchTopic, benchPartitions)
	producer, err := kgo.NewClient(benchProducerOpts(broker)...)
	require.NoError(b, err)
	defer producer.Close()
	envs, bytes := benchEnvelopes(b.N)
	value := benchValue()
	ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
	defer cancel()
	produceAll(b, ctx, producer, envs[:1], value)

	timeSide(b, bytes, func() { produceAll(b, ctx, producer, envs, value) })
}
