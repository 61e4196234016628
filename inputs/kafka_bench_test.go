package inputs_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
)

const (
	benchTopic      = "bench"
	benchPartitions = 4
	benchPayload    = 256  // value bytes per message
	benchEntities   = 1000 // distinct keys
	benchBatch      = 1000 // messages per batch handed to the output
	benchInFlight   = 4    // the output's max_in_flight
	benchCommit     = 200 * time.Millisecond
	benchTimeout    = 5 * time.Minute
)

// BenchmarkKafkaThroughput moves b.N messages end to end through an
// in-process kfake cluster (one broker, 4 partitions, a fresh cluster per
// sub-benchmark) in the same run: once through datawald's kafka output and
// kafka input, once through a plain franz-go producer and group consumer
// written the way a careful application would. Each op is one message;
// compare msg/s (end to end), prod-msg/s (until the last produce was
// acknowledged), MB/s (key + value + header bytes, end to end) and
// cpu-ns/msg (CPU time of the whole process, kfake and garbage collection
// included, per message: far less disturbed by other load on the machine
// than the rates).
//
// Both sides move the same messages: a 256-byte value, the key
// "{tx_type}:{src_id}" over 1000 entities and the 7 dw_* envelope headers
// (dw_source, dw_target, dw_tx_type, dw_src_id, dw_updated_at, dw_task_id,
// dw_hash), about 480 bytes a record. Both start from the same envelopes,
// held as plain strings built before the timer starts, and build what their
// producer takes from them while timed: datawald service.Messages with the
// envelope as metadata, in batches of 1000; franz-go kgo.Records.
//
// Both sides use the same client options: the output's producer options
// (idempotent, acks=all, no compression, linger 0, the murmur2 sticky-key
// partitioner, 10s delivery timeout, 1000512-byte record batches) and the
// input's consumer options (group, reset to the start, 50 MiB fetches, 45s
// session, AutoCommitMarks committed every 200ms and on revocation). Each
// side first moves one warm-up message (a copy of the first) so that
// connections and the group join are not timed; then producer and consumer
// run concurrently and the clock stops when the consumer has received all
// b.N messages.
//
//   - datawald: a stream whose kafka output (key interpolated from metadata,
//     headers from metadata with include_prefixes [dw_], max_in_flight 4) is
//     fed the batches by 4 concurrent senders, each waiting until its
//     batch is acknowledged; and a stream whose kafka input
//     (commit_period 200ms) hands batches to a consumer function that counts
//     them and acks, which marks their offsets for commit.
//   - franz-go: one goroutine builds each record (key concatenated, the 7
//     headers converted to bytes) and produces it asynchronously with one
//     shared promise that counts failures and acknowledgements; one
//     goroutine polls fetches, touches every record's key, value and headers
//     (length and first byte) and marks each partition's records for the
//     autocommit.
//   - benthos-floor and benthos-generate-drop move the same number of
//     messages through Benthos alone, with no Kafka (kafka_floor_bench_test.go):
//     the part of datawald's cost that no change to the kafka components
//     can remove.
//
// Run with:
//
//	go test ./inputs/ -run XXX -bench KafkaThroughput -benchtime 300000x -count 3
func BenchmarkKafkaThroughput(b *testing.B) {
	b.Run("datawald", benchDatawald)
	b.Run("franz-go", benchFranzGo)
	b.Run("benthos-floor", benchBenthosFloor)
	b.Run("benthos-generate-drop", benchGenerateDrop)
}

// benchHeaderKeys are the envelope headers, in the order they are produced.
var benchHeaderKeys = [7]string{"dw_source", "dw_target", "dw_tx_type", "dw_src_id", "dw_updated_at", "dw_task_id", "dw_hash"}

// benchEnvelope is the data of one message: the values of benchHeaderKeys.
type benchEnvelope [7]string

func (e *benchEnvelope) key() string { return e[2] + ":" + e[3] }

// benchEnvelopes builds n envelopes and returns them with the total record
// bytes (key, value, header keys and values) they make.
func benchEnvelopes(n int) ([]benchEnvelope, int) {
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	envs := make([]benchEnvelope, n)
	size := 0
	for i := range envs {
		sum := sha256.Sum256([]byte(strconv.Itoa(i)))
		envs[i] = benchEnvelope{
			"netsuite", "magento", "order",
			strconv.Itoa(100000 + i%benchEntities),
			base.Add(time.Duration(i) * time.Second).Format(time.RFC3339),
			fmt.Sprintf("%08x-0000-4000-8000-%012x", i/benchBatch, i/benchBatch),
			hex.EncodeToString(sum[:]),
		}
		size += len(envs[i].key()) + benchPayload
		for j, k := range benchHeaderKeys {
			size += len(k) + len(envs[i][j])
		}
	}
	return envs, size
}

func benchValue() []byte {
	return []byte(`{"entity":"order","payload":"` + strings.Repeat("x", benchPayload-31) + `"}`)
}

// processCPU returns the CPU time (user and system) the process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	require.NoError(b, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportThroughput reports the run's rates and the CPU time the whole
// process (clients, kfake and garbage collection) spent per message since
// cpuStart, which other load on the machine disturbs far less than rates.
// A zero produced (a run that only produces or only consumes) reports no
// separate produce rate.
func reportThroughput(b *testing.B, elapsed, produced, cpuStart time.Duration, bytes int) {
	b.ReportMetric(float64((processCPU(b)-cpuStart).Nanoseconds())/float64(b.N), "cpu-ns/msg")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msg/s")
	if produced > 0 {
		b.ReportMetric(float64(b.N)/produced.Seconds(), "prod-msg/s")
	}
	b.ReportMetric(float64(bytes)/elapsed.Seconds()/1e6, "MB/s")
}

func benchDatawald(b *testing.B) {
	broker := startKafka(b, benchTopic, benchPartitions)
	var got, batches atomic.Int64
	arrived := make(chan struct{}, 1)
	cons := service.NewStreamBuilder()
	require.NoError(b, cons.SetLoggerYAML("level: none"))
	require.NoError(b, cons.AddInputYAML(kafkaInputYAML(broker, benchTopic, "bench-group", "")))
	var want atomic.Int64 // the warm-up message first, then 1+b.N
	want.Store(1)
	require.NoError(b, cons.AddBatchConsumerFunc(func(_ context.Context, batch service.MessageBatch) error {
		batches.Add(1)
		n := got.Add(int64(len(batch)))
		if w := want.Load(); n >= w && n-int64(len(batch)) < w {
			arrived <- struct{}{}
		}
		return nil
	}))
	cs, err := cons.Build()
	require.NoError(b, err)
	sendBatch := startDatawaldProducer(b, broker)
	stopCons := runStream(b, cs)
	defer stopCons()

	envs, bytes := benchEnvelopes(b.N)
	value := benchValue()
	ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
	defer cancel()
	require.NoError(b, sendBatch(ctx, service.MessageBatch{benchMessage(&envs[0], value)}))
	waitArrived(b, ctx, arrived, &got, 1)

	want.Store(int64(1 + b.N))

	b.ResetTimer()
	cpuStart := processCPU(b)
	start := time.Now()
	produced := make(chan time.Duration, 1)
	go func() {
		sendAll(b, ctx, sendBatch, envs, value)
		produced <- time.Since(start)
	}()
	waitArrived(b, ctx, arrived, &got, int64(1+b.N))
	elapsed := time.Since(start)
	prodTime := <-produced
	b.StopTimer()
	reportThroughput(b, elapsed, prodTime, cpuStart, bytes)
	b.ReportMetric(float64(got.Load())/float64(batches.Load()), "msg/batch")
}

// startDatawaldProducer runs a stream whose kafka output (key interpolated
// from metadata, headers from metadata with include_prefixes [dw_],
// max_in_flight benchInFlight) writes the batches handed to the returned
// function, which returns once its batch is acknowledged.
func startDatawaldProducer(b *testing.B, broker string) func(context.Context, service.MessageBatch) error {
	prod := service.NewStreamBuilder()
	require.NoError(b, prod.SetLoggerYAML("level: none"))
	require.NoError(b, prod.AddOutputYAML(fmt.Sprintf(`
kafka:
  seed_brokers: [ %q ]
  topic: %s
  key: ${! meta("dw_tx_type") }:${! meta("dw_src_id") }
  metadata:
    include_prefixes: [ "dw_" ]
  max_in_flight: %d
`, broker, benchTopic, benchInFlight)))
	sendBatch, err := prod.AddBatchProducerFunc()
	require.NoError(b, err)
	ps, err := prod.Build()
	require.NoError(b, err)
	go func() { _ = ps.Run(context.Background()) }()
	b.Cleanup(func() { _ = ps.Stop(context.Background()) })
	return sendBatch
}

// benchMessage is the message a pipeline hands the output for e: the value
// with the envelope as metadata.
func benchMessage(e *benchEnvelope, value []byte) *service.Message {
	m := service.NewMessage(value)
	for j, k := range benchHeaderKeys {
		m.MetaSetMut(k, e[j])
	}
	return m
}

// sendAll hands envs to sendBatch in batches of benchBatch from
// benchInFlight concurrent senders and returns when every batch was
// acknowledged. Each batch is built when it is handed over, as a pipeline
// builds messages; building them all up front would leave every message
// live for the garbage collector to mark.
func sendAll(b *testing.B, ctx context.Context, sendBatch func(context.Context, service.MessageBatch) error, envs []benchEnvelope, value []byte) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, benchInFlight)
	for i := 0; i < len(envs); i += benchBatch {
		batch := make(service.MessageBatch, 0, benchBatch)
		for j := i; j < min(i+benchBatch, len(envs)); j++ {
			batch = append(batch, benchMessage(&envs[j], value))
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := sendBatch(ctx, batch); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
}

func waitArrived(b *testing.B, ctx context.Context, arrived <-chan struct{}, got *atomic.Int64, want int64) {
	b.Helper()
	select {
	case <-arrived:
	case <-ctx.Done():
		b.Fatalf("only %d of %d messages arrived", got.Load(), want)
	}
}

// benchProducerOpts are the options outputs/kafka.go gives its producer with
// the default config.
func benchProducerOpts(broker string) []kgo.Opt {
	return []kgo.Opt{
		kgo.SeedBrokers(broker), kgo.ClientID("datawald"), kgo.DialTimeout(10 * time.Second),
		kgo.DefaultProduceTopic(benchTopic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerBatchMaxBytes(1000000 + 512),
		kgo.RecordDeliveryTimeout(10 * time.Second),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
		kgo.ProducerLinger(0),
	}
}

// benchConsumerOpts are the options inputs/kafka_reader.go gives its
// consumer with the config of kafkaInputYAML.
func benchConsumerOpts(broker string) []kgo.Opt {
	return []kgo.Opt{
		kgo.SeedBrokers(broker), kgo.ClientID("datawald"), kgo.DialTimeout(10 * time.Second),
		kgo.ConsumerGroup("plain-group"),
		kgo.ConsumeTopics(benchTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxBytes(50 << 20),
		kgo.SessionTimeout(45 * time.Second),
		kgo.AutoCommitMarks(),
		kgo.AutoCommitInterval(benchCommit),
		kgo.OnPartitionsRevoked(func(ctx context.Context, cl *kgo.Client, _ map[string][]int32) {
			_ = cl.CommitMarkedOffsets(ctx)
		}),
	}
}

// touch reads what a consumer handing a record on must read: its length and
// first byte.
func touch(b []byte) int {
	if len(b) == 0 {
		return 0
	}
	return len(b) + int(b[0])
}

func benchFranzGo(b *testing.B) {
	broker := startKafka(b, benchTopic, benchPartitions)
	producer, err := kgo.NewClient(benchProducerOpts(broker)...)
	require.NoError(b, err)
	defer producer.Close()
	consumer, err := kgo.NewClient(benchConsumerOpts(broker)...)
	require.NoError(b, err)
	defer consumer.Close()

	envs, bytes := benchEnvelopes(b.N)
	value := benchValue()
	ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
	defer cancel()
	produceAll(b, ctx, producer, envs[:1], value)
	consumeAll(b, ctx, consumer, 1)

	b.ResetTimer()
	cpuStart := processCPU(b)
	start := time.Now()
	produced := make(chan time.Duration, 1)
	go func() {
		produceAll(b, ctx, producer, envs, value)
		produced <- time.Since(start)
	}()
	consumeAll(b, ctx, consumer, b.N)
	elapsed := time.Since(start)
	prodTime := <-produced
	b.StopTimer()
	reportThroughput(b, elapsed, prodTime, cpuStart, bytes)
}

// produceAll builds a record for each envelope (key concatenated, the 7
// headers converted to bytes), produces it asynchronously with one shared
// promise and returns when every record was acknowledged.
func produceAll(b *testing.B, ctx context.Context, producer *kgo.Client, envs []benchEnvelope, value []byte) {
	var failed atomic.Int64
	var acked sync.WaitGroup
	promise := func(_ *kgo.Record, err error) {
		if err != nil {
			failed.Add(1)
		}
		acked.Done()
	}
	for i := range envs {
		e := &envs[i]
		rec := &kgo.Record{Key: []byte(e.key()), Value: value, Headers: make([]kgo.RecordHeader, len(benchHeaderKeys))}
		for j, k := range benchHeaderKeys {
			rec.Headers[j] = kgo.RecordHeader{Key: k, Value: []byte(e[j])}
		}
		acked.Add(1)
		producer.Produce(ctx, rec, promise)
	}
	acked.Wait()
	if n := failed.Load(); n > 0 {
		b.Errorf("%d produces failed", n)
	}
}

// consumeAll polls until want records arrived, touches every record's key,
// value and headers (length and first byte) and marks each partition's
// records for the autocommit.
func consumeAll(b *testing.B, ctx context.Context, consumer *kgo.Client, want int) {
	sink := 0
	for n := 0; n < want; {
		f := consumer.PollFetches(ctx)
		require.NoError(b, ctx.Err())
		f.EachError(func(t string, p int32, err error) { b.Fatalf("fetching %s/%d: %v", t, p, err) })
		f.EachPartition(func(p kgo.FetchTopicPartition) {
			for _, r := range p.Records {
				sink += touch(r.Key) + touch(r.Value)
				for _, h := range r.Headers {
					sink += len(h.Key) + int(h.Key[0]) + touch(h.Value)
				}
			}
			consumer.MarkCommitRecords(p.Records...)
			n += len(p.Records)
		})
	}
	require.NotZero(b, sink)
}
