package inputs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	_ "github.com/redpanda-data/benthos/v4/public/components/pure"

	_ "github.com/datawald/datawald/inputs"
	_ "github.com/datawald/datawald/outputs"
)

// startKafka starts an in-process kfake cluster on 127.0.0.1 with topic
// holding partitions partitions and returns its bootstrap address.
func startKafka(t testing.TB, topic string, partitions int32) string {
	t.Helper()
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.SeedTopics(partitions, topic),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) { return net.Listen(network, "127.0.0.1:0") }),
	)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c.ListenAddrs()[0]
}

func quietLogger(t testing.TB, b *service.StreamBuilder) {
	t.Helper()
	require.NoError(t, b.SetLoggerYAML("level: warn"))
}

// runStream starts the stream in the background and returns a stop
// function that waits for it to end.
func runStream(t testing.TB, s *service.Stream) (stop func()) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background()) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			assert.NoError(t, s.Stop(ctx))
			<-done
		})
	}
	t.Cleanup(stop)
	return stop
}

// produceWithOutput runs generate → kafka output for n entity messages and
// waits until every message was acknowledged by the broker.
func produceWithOutput(t testing.TB, broker, topic string, n, entities int) {
	t.Helper()
	b := service.NewStreamBuilder()
	quietLogger(t, b)
	require.NoError(t, b.SetYAML(fmt.Sprintf(`
input:
  generate:
    count: %[3]d
    interval: ""
    mapping: |
      let n = count("%[5]s") - 1
      let entity = $n %% %[4]d
      root = { "seq": $n, "entity": $entity, "payload": "x".repeat(64) }
      meta dw_tx_type = "order"
      meta dw_src_id = $entity.string()
      meta dw_source = "netsuite"
      meta dw_target = "magento"
      meta dw_hash = ($n * 7919).string()
output:
  kafka:
    seed_brokers: [ %[1]q ]
    topic: %[2]s
    key: ${! meta("dw_tx_type") }:${! meta("dw_src_id") }
    metadata:
      include_prefixes: [ "dw_" ]
    max_in_flight: 1
    batching:
      count: 500
      period: 50ms
`, broker, topic, n, entities, uniqueCounter(topic))))
	s, err := b.Build()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	require.NoError(t, s.Run(ctx))
}

// uniqueCounter names a Bloblang count() counter that no earlier stream in
// this process used: counters are process-wide and would otherwise carry on
// across repeated runs (-count).
func uniqueCounter(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())
}

type consumed struct {
	Seq       int
	Entity    int
	Key       string
	Partition string
	Offset    int64
	Meta      map[string]string
}

func decodeConsumed(t testing.TB, m *service.Message) consumed {
	var c consumed
	raw, err := m.AsBytes()
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &c))
	c.Key, _ = m.MetaGet("kafka_key")
	c.Partition, _ = m.MetaGet("kafka_partition")
	off, _ := m.MetaGet("kafka_offset")
	c.Offset, _ = strconv.ParseInt(off, 10, 64)
	c.Meta = map[string]string{}
	_ = m.MetaWalk(func(k, v string) error { c.Meta[k] = v; return nil })
	return c
}

func kafkaInputYAML(broker, topic, group string, extra string) string {
	return fmt.Sprintf(`
kafka:
  seed_brokers: [ %q ]
  topics: [ %s ]
  consumer_group: %s
  commit_period: 200ms
%s`, broker, topic, group, extra)
}

func TestKafkaRoundTripOf10000MessagesKeepsKeysHeadersAndPerKeyOrder(t *testing.T) {
	const n, entities = 10000, 100
	broker := startKafka(t, "rt", 6)
	produceWithOutput(t, broker, "rt", n, entities)

	b := service.NewStreamBuilder()
	quietLogger(t, b)
	require.NoError(t, b.AddInputYAML(kafkaInputYAML(broker, "rt", "rt-group", "")))
	var (
		mu   sync.Mutex
		got  []consumed
		done = make(chan struct{})
	)
	require.NoError(t, b.AddConsumerFunc(func(_ context.Context, m *service.Message) error {
		c := decodeConsumed(t, m)
		mu.Lock()
		defer mu.Unlock()
		got = append(got, c)
		if len(got) == n {
			close(done)
		}
		return nil
	}))
	s, err := b.Build()
	require.NoError(t, err)
	runStream(t, s)
	select {
	case <-done:
	case <-time.After(90 * time.Second):
		mu.Lock()
		t.Fatalf("only %d of %d messages arrived", len(got), n)
	}

	mu.Lock()
	defer mu.Unlock()
	seen := make([]bool, n)
	lastSeq := map[string]int{}
	keyPartition := map[string]string{}
	for _, c := range got {
		require.False(t, seen[c.Seq], "message %d delivered twice in a clean run", c.Seq)
		seen[c.Seq] = true
		wantKey := fmt.Sprintf("order:%d", c.Entity)
		require.Equal(t, wantKey, c.Key)
		require.Equal(t, "order", c.Meta["dw_tx_type"])
		require.Equal(t, strconv.Itoa(c.Entity), c.Meta["dw_src_id"])
		require.Equal(t, "netsuite", c.Meta["dw_source"])
		require.Equal(t, "magento", c.Meta["dw_target"])
		require.Equal(t, strconv.Itoa(c.Seq*7919), c.Meta["dw_hash"])
		require.Equal(t, "rt", c.Meta["kafka_topic"])
		require.NotEmpty(t, c.Meta["kafka_timestamp"])
		_, err := time.Parse(time.RFC3339Nano, c.Meta["kafka_timestamp"])
		require.NoError(t, err)
		if prev, ok := lastSeq[c.Key]; ok {
			require.Greater(t, c.Seq, prev, "key %s out of order", c.Key)
		}
		lastSeq[c.Key] = c.Seq
		if p, ok := keyPartition[c.Key]; ok {
			require.Equal(t, p, c.Partition, "key %s spread over partitions", c.Key)
		}
		keyPartition[c.Key] = c.Partition
	}
	assert.Len(t, lastSeq, entities)
}

// committedOffsets returns the group's committed offset per partition.
func committedOffsets(t testing.TB, broker, group, topic string) map[int32]int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker))
	require.NoError(t, err)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := kadm.NewClient(cl).FetchOffsets(ctx, group)
	require.NoError(t, err)
	out := map[int32]int64{}
	resp.Each(func(o kadm.OffsetResponse) {
		if o.Topic == topic && o.Err == nil {
			out[o.Partition] = o.At
		}
	})
	return out
}

func produceRaw(t testing.TB, broker, topic string, n int, partitioner kgo.Partitioner) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker), kgo.RecordPartitioner(partitioner))
	require.NoError(t, err)
	defer cl.Close()
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Topic: topic, Key: []byte(strconv.Itoa(i % 50)), Value: fmt.Appendf(nil, `{"seq":%d}`, i)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, cl.ProduceSync(ctx, recs...).FirstErr())
}

func TestKafkaInputNeverCommitsPastAnUnackedRecord(t *testing.T) {
	broker := startKafka(t, "gap", 1)
	produceRaw(t, broker, "gap", 10, kgo.ManualPartitioner()) // offsets 0-9

	release := make(chan struct{})
	holding := make(chan struct{})
	var acked atomic.Int64
	env := service.NewEnvironment()
	// gate holds offset 10 in one pipeline thread while the other threads
	// carry later offsets through to the output.
	require.NoError(t, env.RegisterProcessor("gate", service.NewConfigSpec(),
		func(*service.ParsedConfig, *service.Resources) (service.Processor, error) {
			return gateProcessor(func(ctx context.Context, m *service.Message) {
				if off, _ := m.MetaGet("kafka_offset"); off == "10" {
					close(holding)
					select {
					case <-release:
					case <-ctx.Done():
					}
				}
			}), nil
		}))
	b := env.NewStreamBuilder()
	quietLogger(t, b)
	require.NoError(t, b.AddInputYAML(kafkaInputYAML(broker, "gap", "gap-group", "  checkpoint_limit: 100")))
	b.SetThreads(4)
	require.NoError(t, b.AddProcessorYAML("gate: {}"))
	require.NoError(t, b.AddConsumerFunc(func(ctx context.Context, m *service.Message) error {
		acked.Add(1)
		return nil
	}))
	s, err := b.Build()
	require.NoError(t, err)
	runStream(t, s)

	// Offsets arrive in three batches: 0-9, 10 (held), 11-49.
	require.Eventually(t, func() bool { return acked.Load() == 10 }, 20*time.Second, 10*time.Millisecond)
	produceRaw(t, broker, "gap", 1, kgo.ManualPartitioner())
	select {
	case <-holding:
	case <-time.After(20 * time.Second):
		t.Fatal("offset 10 never reached the pipeline")
	}
	produceRaw(t, broker, "gap", 39, kgo.ManualPartitioner())
	require.Eventually(t, func() bool { return acked.Load() == 49 }, 20*time.Second, 10*time.Millisecond)
	time.Sleep(800 * time.Millisecond) // several commit periods
	committed := committedOffsets(t, broker, "gap-group", "gap")
	assert.Equal(t, int64(10), committed[0], "offsets 0-9 are acked and committed; offset 10 is not, so the commit stops there")

	close(release)
	require.Eventually(t, func() bool {
		return committedOffsets(t, broker, "gap-group", "gap")[0] == 50
	}, 20*time.Second, 50*time.Millisecond, "after offset 10 is acked everything is committed")
}

func TestKafkaInputRedeliversANackedRecord(t *testing.T) {
	broker := startKafka(t, "nack", 1)
	produceRaw(t, broker, "nack", 5, kgo.ManualPartitioner())

	var attempts atomic.Int32
	var seen sync.Map
	var count atomic.Int32
	b := service.NewStreamBuilder()
	quietLogger(t, b)
	require.NoError(t, b.AddInputYAML(kafkaInputYAML(broker, "nack", "nack-group", "")))
	require.NoError(t, b.AddConsumerFunc(func(_ context.Context, m *service.Message) error {
		off, _ := m.MetaGet("kafka_offset")
		if off == "2" && attempts.Add(1) < 3 {
			return errors.New("target temporarily down")
		}
		if _, dup := seen.LoadOrStore(off, true); !dup {
			count.Add(1)
		}
		return nil
	}))
	s, err := b.Build()
	require.NoError(t, err)
	runStream(t, s)
	require.Eventually(t, func() bool { return count.Load() == 5 }, 20*time.Second, 20*time.Millisecond)
	assert.GreaterOrEqual(t, attempts.Load(), int32(3))
	require.Eventually(t, func() bool {
		return committedOffsets(t, broker, "nack-group", "nack")[0] == 5
	}, 10*time.Second, 50*time.Millisecond)
}

func TestKafkaRebalanceHandsPartitionsOfAStoppedConsumerToTheOther(t *testing.T) {
	const n = 3000
	broker := startKafka(t, "reb", 6)
	produceRaw(t, broker, "reb", n, kgo.RoundRobinPartitioner())

	var processed sync.Map // offset key → count
	var total atomic.Int64
	var perConsumer [2]atomic.Int64
	build := func(idx int) *service.Stream {
		b := service.NewStreamBuilder()
		quietLogger(t, b)
		require.NoError(t, b.AddInputYAML(kafkaInputYAML(broker, "reb", "reb-group", "  checkpoint_limit: 16")))
		require.NoError(t, b.AddConsumerFunc(func(_ context.Context, m *service.Message) error {
			time.Sleep(time.Millisecond) // a slow target keeps both consumers mid-stream
			p, _ := m.MetaGet("kafka_partition")
			o, _ := m.MetaGet("kafka_offset")
			if _, dup := processed.LoadOrStore(p+"/"+o, true); !dup {
				total.Add(1)
			}
			perConsumer[idx].Add(1)
			return nil
		}))
		s, err := b.Build()
		require.NoError(t, err)
		return s
	}
	stopA := runStream(t, build(0))
	runStream(t, build(1))
	require.Eventually(t, func() bool {
		return perConsumer[0].Load() > 200 && perConsumer[1].Load() > 200
	}, 30*time.Second, 10*time.Millisecond, "both consumers should own partitions")
	stopA()
	stoppedAt := perConsumer[0].Load()

	require.Eventually(t, func() bool { return total.Load() == n }, 60*time.Second, 20*time.Millisecond,
		"the remaining consumer must process every message")
	assert.Equal(t, stoppedAt, perConsumer[0].Load(), "a stopped consumer processes nothing")
	assert.Greater(t, perConsumer[1].Load(), int64(n)-stoppedAt-1)
}

func TestKafkaInputConnectFailsWithBackoffWhenBrokerIsUnreachable(t *testing.T) {
	// A listener that drops every connection: a broker that never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	var dials atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			dials.Add(1)
			c.Close()
		}
	}()

	b := service.NewStreamBuilder()
	var logs strings.Builder
	var logMu sync.Mutex
	b.SetLogger(slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug})))
	require.NoError(t, b.AddInputYAML(kafkaInputYAML(ln.Addr().String(), "x", "g", "")))
	require.NoError(t, b.AddConsumerFunc(func(context.Context, *service.Message) error { return nil }))
	s, err := b.Build()
	require.NoError(t, err)
	stop := runStream(t, s)
	time.Sleep(6 * time.Second)
	stop()

	logMu.Lock()
	out := logs.String()
	logMu.Unlock()
	assert.Contains(t, out, "reaching kafka seed brokers "+ln.Addr().String())
	attempts := strings.Count(out, "Failed to connect to kafka")
	t.Logf("%d Connect attempts, %d TCP dials in 6s", attempts, dials.Load())
	assert.GreaterOrEqual(t, attempts, 2, "Connect must be retried")
	assert.LessOrEqual(t, attempts, 15, "Connect retries must back off, not spin")
	assert.Less(t, dials.Load(), int32(150), "each Connect attempt dials a bounded number of times")
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *strings.Builder
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// gateProcessor runs fn on each message and passes it on unchanged.
type gateProcessor func(context.Context, *service.Message)

func (g gateProcessor) Process(ctx context.Context, m *service.Message) (service.MessageBatch, error) {
	g(ctx, m)
	return service.MessageBatch{m}, nil
}

func (gateProcessor) Close(context.Context) error { return nil }

func TestKafkaInputLintRejectsZeroCheckpointLimit(t *testing.T) {
	err := service.NewEnvironment().NewStreamBuilder().SetYAML(`
input:
` + indent(kafkaInputYAML("127.0.0.1:9", "t", "g", "  checkpoint_limit: 0")) + `
output:
  drop: {}
`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "checkpoint_limit must be at least 1")
}

func TestKafkaInputRejectsACommitPeriodBelow100ms(t *testing.T) {
	b := service.NewEnvironment().NewStreamBuilder()
	require.NoError(t, b.SetYAML(`
input:
`+indent(strings.Replace(kafkaInputYAML("127.0.0.1:9", "t", "g", ""), "200ms", "50ms", 1))+`
output:
  drop: {}
`))
	s, err := b.Build()
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = s.Run(ctx)
	}
	require.Error(t, err)
	assert.Contains(t, err.Error(), "commit_period must be at least 100ms")
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimPrefix(s, "\n"), "\n", "\n  ")
}

func TestKafkaInputConsumesEveryTopicMatchingARegularExpression(t *testing.T) {
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.SeedTopics(1, "dw.orders", "dw.invoices", "other"),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) { return net.Listen(network, "127.0.0.1:0") }),
	)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	broker := c.ListenAddrs()[0]
	for _, topic := range []string{"dw.orders", "dw.invoices", "other"} {
		produceRaw(t, broker, topic, 3, kgo.ManualPartitioner())
	}

	var mu sync.Mutex
	topics := map[string]int{}
	b := service.NewStreamBuilder()
	quietLogger(t, b)
	require.NoError(t, b.AddInputYAML(kafkaInputYAML(broker, `'dw\..*'`, "re-group", "  regexp_topics: true\n")))
	require.NoError(t, b.AddConsumerFunc(func(_ context.Context, m *service.Message) error {
		topic, _ := m.MetaGet("kafka_topic")
		mu.Lock()
		topics[topic]++
		mu.Unlock()
		return nil
	}))
	s, err := b.Build()
	require.NoError(t, err)
	runStream(t, s)
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return topics["dw.orders"] == 3 && topics["dw.invoices"] == 3
	}, 20*time.Second, 10*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	assert.Zero(t, topics["other"], "a topic not matching the expression is not consumed")
}

func TestKafkaInputCommitsAckedOffsetsOfPartitionsRevokedInARebalance(t *testing.T) {
	broker := startKafka(t, "revoke", 2)
	produceRaw(t, broker, "revoke", 40, kgo.RoundRobinPartitioner())

	// A long commit period: only a revocation (or shutdown) commits.
	noPeriodic := strings.Replace(kafkaInputYAML(broker, "revoke", "revoke-group", ""), "commit_period: 200ms", "commit_period: 1h", 1)
	var gotA, gotB atomic.Int64
	build := func(got *atomic.Int64) *service.Stream {
		b := service.NewStreamBuilder()
		quietLogger(t, b)
		require.NoError(t, b.AddInputYAML(noPeriodic))
		require.NoError(t, b.AddConsumerFunc(func(context.Context, *service.Message) error { got.Add(1); return nil }))
		s, err := b.Build()
		require.NoError(t, err)
		return s
	}
	runStream(t, build(&gotA))
	require.Eventually(t, func() bool { return gotA.Load() == 40 }, 20*time.Second, 10*time.Millisecond)
	time.Sleep(300 * time.Millisecond) // let the last acks land
	assert.Empty(t, committedOffsets(t, broker, "revoke-group", "revoke"), "nothing is committed before a revocation")

	// B joins; A gives up one partition and commits its acked offsets first.
	runStream(t, build(&gotB))
	require.Eventually(t, func() bool {
		offs := committedOffsets(t, broker, "revoke-group", "revoke")
		return len(offs) > 0
	}, 30*time.Second, 50*time.Millisecond, "the revoked partition's acked offsets must be committed")
	for p, off := range committedOffsets(t, broker, "revoke-group", "revoke") {
		assert.Equal(t, int64(20), off, "partition %d", p)
	}
	time.Sleep(500 * time.Millisecond)
	assert.Zero(t, gotB.Load(), "the new owner resumes after the committed offsets and sees no duplicates")
}
