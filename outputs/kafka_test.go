package outputs_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	_ "github.com/redpanda-data/benthos/v4/public/components/pure"

	_ "github.com/datawald/datawald/outputs"
)

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

// javaMurmur2 is Kafka's Utils.murmur2 (org.apache.kafka.common.utils),
// written from the Java algorithm, used as an independent oracle.
func javaMurmur2(data []byte) int32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
		r           = 24
	)
	n := len(data)
	h := seed ^ uint32(n)
	for i := 0; i+4 <= n; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	tail := n &^ 3
	switch n % 4 {
	case 3:
		h ^= uint32(data[tail+2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[tail+1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[tail])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h)
}

// javaPartition is BuiltInPartitioner.partitionForKey in the Java client.
func javaPartition(key []byte, partitions int) int32 {
	return (javaMurmur2(key) & 0x7fffffff) % int32(partitions)
}

func TestJavaMurmur2OracleMatchesKafkaTestVectors(t *testing.T) {
	// Vectors from Kafka's UtilsTest.testMurmur2.
	for in, want := range map[string]int32{
		"21":                         -973932308,
		"foobar":                     -790332482,
		"a-little-bit-long-string":   -985981536,
		"a-little-bit-longer-string": -1486304829,
		"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
		"abc": 479470107,
	} {
		assert.Equal(t, want, javaMurmur2([]byte(in)), in)
	}
}

func consumeAll(t testing.TB, broker, topic string, n int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		f := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "got %d of %d records", len(out), n)
		out = append(out, f.Records()...)
	}
	return out
}

func produce(t testing.TB, outputYAML string, batch service.MessageBatch) error {
	t.Helper()
	b := service.NewStreamBuilder()
	require.NoError(t, b.SetLoggerYAML("level: none"))
	require.NoError(t, b.AddOutputYAML(outputYAML))
	send, err := b.AddBatchProducerFunc()
	require.NoError(t, err)
	s, err := b.Build()
	require.NoError(t, err)
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Run(context.Background()) }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	werr := send(ctx, batch)
	require.NoError(t, s.Stop(ctx))
	<-done
	return werr
}

func TestKafkaOutputMurmur2PartitionerPlacesKeysWhereTheJavaClientDoes(t *testing.T) {
	broker := startKafka(t, "m2", 7)
	var batch service.MessageBatch
	for i := range 300 {
		m := service.NewMessage(fmt.Appendf(nil, "v%d", i))
		m.MetaSetMut("k", fmt.Sprintf("order:%d-%x", i, i*i))
		batch = append(batch, m)
	}
	require.NoError(t, produce(t, fmt.Sprintf(`
kafka:
  seed_brokers: [ %q ]
  topic: m2
  key: ${! meta("k") }
`, broker), batch))
	recs := consumeAll(t, broker, "m2", 300)
	used := map[int32]bool{}
	for _, r := range recs {
		assert.Equal(t, javaPartition(r.Key, 7), r.Partition, "key %s", r.Key)
		used[r.Partition] = true
	}
	assert.Len(t, used, 7)
}

func TestKafkaOutputManualPartitionerUsesTheInterpolatedPartition(t *testing.T) {
	broker := startKafka(t, "man", 3)
	var batch service.MessageBatch
	for i := range 9 {
		m := service.NewMessage(fmt.Appendf(nil, "%d", i%3))
		batch = append(batch, m)
	}
	require.NoError(t, produce(t, fmt.Sprintf(`
kafka:
  seed_brokers: [ %q ]
  topic: man
  partitioner: manual
  partition: ${! content() }
`, broker), batch))
	for _, r := range consumeAll(t, broker, "man", 9) {
		assert.Equal(t, string(r.Value), fmt.Sprint(r.Partition))
	}
}

func TestKafkaOutputRejectsAnOversizeMessageNamingTheLimitAndKeyAndSendsTheRest(t *testing.T) {
	broker := startKafka(t, "big", 1)
	mk := func(key string, size int) *service.Message {
		m := service.NewMessage([]byte(strings.Repeat("x", size)))
		m.MetaSetMut("k", key)
		return m
	}
	err := produce(t, fmt.Sprintf(`
kafka:
  seed_brokers: [ %q ]
  topic: big
  key: ${! meta("k") }
  max_message_bytes: 200
`, broker), service.MessageBatch{mk("order:1", 10), mk("order:huge", 5000), mk("order:3", 10)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "max_message_bytes limit of 200")
	assert.Contains(t, err.Error(), `"order:huge"`)
	recs := consumeAll(t, broker, "big", 2)
	keys := []string{string(recs[0].Key), string(recs[1].Key)}
	assert.ElementsMatch(t, []string{"order:1", "order:3"}, keys)
}

func TestKafkaOutputSendsSelectedMetadataAsHeaders(t *testing.T) {
	broker := startKafka(t, "hdr", 1)
	m := service.NewMessage([]byte(`{}`))
	m.MetaSetMut("dw_source", "hubspot")
	m.MetaSetMut("dw_task_id", "t-1")
	m.MetaSetMut("internal", "no")
	require.NoError(t, produce(t, fmt.Sprintf(`
kafka:
  seed_brokers: [ %q ]
  topic: hdr
  metadata:
    include_prefixes: [ "dw_" ]
`, broker), service.MessageBatch{m}))
	r := consumeAll(t, broker, "hdr", 1)[0]
	got := map[string]string{}
	for _, h := range r.Headers {
		got[h.Key] = string(h.Value)
	}
	assert.Equal(t, map[string]string{"dw_source": "hubspot", "dw_task_id": "t-1"}, got)
}

func TestKafkaOutputLintRejectsManualPartitionerWithoutPartition(t *testing.T) {
	err := service.NewEnvironment().NewStreamBuilder().SetYAML(`
input:
  generate: { mapping: "root = {}" }
output:
  kafka:
    seed_brokers: [ "127.0.0.1:9" ]
    topic: t
    partitioner: manual
`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "partition must be set when partitioner is manual")
}

func TestKafkaOutputLintRejectsSASLWithoutUser(t *testing.T) {
	err := service.NewEnvironment().NewStreamBuilder().SetYAML(`
input:
  generate: { mapping: "root = {}" }
output:
  kafka:
    seed_brokers: [ "127.0.0.1:9" ]
    topic: t
    sasl:
      mechanism: SCRAM-SHA-256
`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sasl.user must be set")
}

func TestKafkaOutputLintRejectsPartitionWithoutManualPartitioner(t *testing.T) {
	err := service.NewEnvironment().NewStreamBuilder().SetYAML(`
input:
  generate: { mapping: "root = {}" }
output:
  kafka:
    seed_brokers: [ "127.0.0.1:9" ]
    topic: t
    partition: "1"
`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "partition is only used with partitioner: manual")
}

func TestKafkaOutputFailsToConnectToAnUnreachableBrokerNamingIt(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there now

	b := service.NewStreamBuilder()
	var logs strings.Builder
	var mu sync.Mutex
	b.SetLogger(slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelError})))
	require.NoError(t, b.AddOutputYAML(fmt.Sprintf("kafka:\n  seed_brokers: [ %q ]\n  topic: t\n", addr)))
	send, err := b.AddProducerFunc()
	require.NoError(t, err)
	s, err := b.Build()
	require.NoError(t, err)
	go func() { _ = s.Run(context.Background()) }()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	assert.Error(t, send(ctx, service.NewMessage([]byte("x"))), "nothing may be reported delivered")
	mu.Lock()
	out := logs.String() // the first four seconds
	mu.Unlock()
	stopCtx, stopCancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer stopCancel()
	_ = s.Stop(stopCtx) // the pending message cannot be delivered; give up on it

	attempts := strings.Count(out, "reaching kafka seed brokers "+addr)
	t.Logf("%d Connect attempts in 4s", attempts)
	assert.GreaterOrEqual(t, attempts, 2, "Connect must be retried: %s", out)
	assert.LessOrEqual(t, attempts, 10, "Connect retries must back off")
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

func TestKafkaOutputKeysTopicsAndHeadersFromMetadataReadAsBloblangDoes(t *testing.T) {
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.SeedTopics(1, "dw.magento", "dw.hubspot"),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) { return net.Listen(network, "127.0.0.1:0") }),
	)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	broker := c.ListenAddrs()[0]

	mk := func(target string, meta map[string]any) *service.Message {
		m := service.NewMessage([]byte(`{}`))
		m.MetaSetMut("dw_target", target)
		for k, v := range meta {
			m.MetaSetMut(k, v)
		}
		return m
	}
	stamp := time.Date(2026, 11, 1, 12, 0, 0, 5, time.UTC)
	batch := service.MessageBatch{
		mk("magento", map[string]any{"dw_tx_type": "order", "dw_src_id": "1"}),
		mk("hubspot", map[string]any{"dw_tx_type": "order"}),                                            // src id missing
		mk("magento", map[string]any{"dw_tx_type": "order", "dw_src_id": int64(7)}),                     // typed
		mk("hubspot", map[string]any{"dw_tx_type": "order", "dw_src_id": ""}),                           // empty
		mk("magento", map[string]any{"dw_tx_type": []byte("refund"), "dw_src_id": "2", "dw_at": stamp}), // bytes, time header
	}
	keyExpr, err := service.NewInterpolatedString(`${! meta("dw_tx_type") }:${! meta("dw_src_id") }`)
	require.NoError(t, err)
	want := map[string]int{}
	for _, m := range batch {
		k, err := keyExpr.TryString(m)
		require.NoError(t, err)
		target, _ := m.MetaGet("dw_target")
		want["dw."+target+"|"+k]++
	}
	require.NoError(t, produce(t, fmt.Sprintf(`
kafka:
  seed_brokers: [ %q ]
  topic: dw.${! meta("dw_target") }
  key: ${! meta("dw_tx_type") }:${! meta("dw_src_id") }
  metadata:
    include_prefixes: [ "dw_at" ]
`, broker), batch))

	got := map[string]int{}
	for _, topic := range []string{"dw.magento", "dw.hubspot"} {
		n := 3
		if topic == "dw.hubspot" {
			n = 2
		}
		for _, r := range consumeAll(t, broker, topic, n) {
			got[r.Topic+"|"+string(r.Key)]++
			if string(r.Key) == "refund:2" {
				require.Len(t, r.Headers, 1)
				assert.Equal(t, stamp.Format(time.RFC3339Nano), string(r.Headers[0].Value))
			}
		}
	}
	assert.Equal(t, want, got)
	assert.Contains(t, got, "dw.hubspot|order:null", "a missing entry reads as Bloblang's null")
}
