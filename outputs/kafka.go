package outputs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/datawald/datawald/internal/docsgen"
	"github.com/datawald/datawald/internal/kafkaconf"
)

const (
	koFieldTopic           = "topic"
	koFieldKey             = "key"
	koFieldPartitioner     = "partitioner"
	koFieldPartition       = "partition"
	koFieldMetadata        = "metadata"
	koFieldBatching        = "batching"
	koFieldMaxInFlight     = "max_in_flight"
	koFieldCompression     = "compression"
	koFieldMaxMessageBytes = "max_message_bytes"
	koFieldTimeout         = "timeout"

	koPartitionerMurmur2    = "murmur2"
	koPartitionerRoundRobin = "round_robin"
	koPartitionerManual     = "manual"

	// koRecordOverhead is headroom added to max_message_bytes for the
	// record and batch framing the broker counts on top of key, value and
	// headers.
	koRecordOverhead = 512
)

type kafkaOutputConfig struct {
	conn  *kafkaconf.Conn
	topic *service.InterpolatedString
	key   *service.InterpolatedString // nil: no key
	// topicTemplate and keyTemplate are the fast paths of topic and key
	// when they only concatenate text and metadata; nil otherwise.
	topicTemplate, keyTemplate *metaTemplate
	partitioner                string
	partition                  *service.InterpolatedString // manual partitioner only
	metadata                   *service.MetadataFilter
	compression                string
	maxMessageBytes            int
	timeout                    time.Duration
}

func kafkaOutputConfigFromParsed(conf *service.ParsedConfig) (c kafkaOutputConfig, err error) {
	if c.conn, err = kafkaconf.ParseConn(conf); err != nil {
		return
	}
	if c.topic, err = conf.FieldInterpolatedString(koFieldTopic); err != nil {
		return
	}
	if c.topicTemplate, err = metaTemplateField(conf, koFieldTopic); err != nil {
		return
	}
	if conf.Contains(koFieldKey) {
		if c.key, err = conf.FieldInterpolatedString(koFieldKey); err != nil {
			return
		}
		if c.keyTemplate, err = metaTemplateField(conf, koFieldKey); err != nil {
			return
		}
	}
	if c.partitioner, err = conf.FieldString(koFieldPartitioner); err != nil {
		return
	}
	if conf.Contains(koFieldPartition) {
		if c.partition, err = conf.FieldInterpolatedString(koFieldPartition); err != nil {
			return
		}
	}
	if (c.partitioner == koPartitionerManual) != (c.partition != nil) {
		err = errors.New("partition must be set exactly when partitioner is manual")
		return
	}
	if c.metadata, err = conf.FieldMetadataFilter(koFieldMetadata); err != nil {
		return
	}
	if c.compression, err = conf.FieldString(koFieldCompression); err != nil {
		return
	}
	if c.maxMessageBytes, err = conf.FieldInt(koFieldMaxMessageBytes); err != nil {
		return
	}
	if c.maxMessageBytes < 1 {
		err = fmt.Errorf("max_message_bytes must be positive, got %d", c.maxMessageBytes)
		return
	}
	c.timeout, err = conf.FieldDuration(koFieldTimeout)
	return
}

func kafkaOutputSpec() *service.ConfigSpec {
	return service.NewConfigSpec().
		Stable().
		Categories(docsgen.Category, "Services").
		Summary("Produces messages to Kafka with an idempotent producer (acks=all); a message is acked only once the broker acknowledged it.").
		Description(`
Messages are produced with github.com/twmb/franz-go. The producer is always idempotent and waits for all
in-sync replicas (acks=all), so a retried produce never duplicates a record in the log and no message is
reported delivered that the brokers did not acknowledge. A failed or timed-out produce nacks only that
message of the batch, which the input then redelivers.

The default `+"`murmur2`"+` partitioner hashes keys exactly as the Java client's default partitioner does
(murmur2, high bit masked, modulo the partition count), so datawald and Java producers place the same
key on the same partition. Messages without a key are spread by a sticky partitioner.

Metadata selected by `+"`metadata`"+` becomes record headers; datawald's envelope (`+"`dw_source`"+`,
`+"`dw_tx_type`"+`, ...) travels this way. A message whose key, value and headers together exceed
`+"`max_message_bytes`"+` is rejected with an error naming the limit and the message key, and is not sent.
`).
		Fields(kafkaconf.Fields()...).
		Fields(
			service.NewInterpolatedStringField(koFieldTopic).
				Description("Topic to produce to.").
				Example("datawald.entities").
				Example(`datawald.${! meta("dw_target") }`),
			service.NewInterpolatedStringField(koFieldKey).
				Description("Record key. The datawald envelope uses `{tx_type}:{src_id}` so the versions of one entity stay in order.").
				Example(`${! meta("dw_tx_type") }:${! meta("dw_src_id") }`).
				Optional(),
			service.NewStringAnnotatedEnumField(koFieldPartitioner, map[string]string{
				koPartitionerMurmur2:    "Hash the key with murmur2 as the Java client does; keyless messages use a sticky partition.",
				koPartitionerRoundRobin: "Spread messages over partitions in turn, ignoring the key.",
				koPartitionerManual:     "Use the partition given by `partition`.",
			}).
				Description("How a message's partition is chosen.").
				Default(koPartitionerMurmur2),
			service.NewInterpolatedStringField(koFieldPartition).
				Description("Partition number for the `manual` partitioner; must interpolate to an integer.").
				Example(`${! meta("partition") }`).
				Optional(),
			service.NewMetadataFilterField(koFieldMetadata).
				Description("Which metadata keys become record headers. Empty sends none."),
			service.NewBatchPolicyField(koFieldBatching),
			service.NewOutputMaxInFlightField().Default(1).
				Description("Maximum number of batches in flight. Keep 1 to preserve order per key across batches."),
			service.NewStringEnumField(koFieldCompression, "none", "gzip", "snappy", "lz4", "zstd").
				Description("Compression codec for record batches.").
				Default("none"),
			service.NewIntField(koFieldMaxMessageBytes).
				Description("Largest message (key + value + headers, in bytes) that is sent; larger ones are rejected with a clear error. Keep it at or below the topic's `max.message.bytes`.").
				Default(1000000),
			service.NewDurationField(koFieldTimeout).
				Description("How long one message may take to be acknowledged by the brokers, retries included.").
				Default("10s"),
		).
		LintRule(kafkaconf.LintRule(
			`if this.partitioner.or("murmur2") == "manual" && !this.exists("partition") { "partition must be set when partitioner is manual" } else { null }`,
			`if this.partitioner.or("murmur2") != "manual" && this.exists("partition") { "partition is only used with partitioner: manual" } else { null }`,
		)).
		Example("Source stream", "Publish canonical entities to the backbone, keyed so each entity's versions stay in order.", `
output:
  kafka:
    seed_brokers: [ "localhost:9092" ]
    topic: datawald.entities
    key: ${! meta("dw_tx_type") }:${! meta("dw_src_id") }
    partitioner: murmur2
    metadata:
      include_prefixes: [ "dw_" ]
    compression: zstd
    max_message_bytes: 1000000
    timeout: 10s
    max_in_flight: 1
    batching:
      count: 100
      period: 100ms
`)
}

func init() {
	service.MustRegisterBatchOutput("kafka", kafkaOutputSpec(), func(conf *service.ParsedConfig, mgr *service.Resources) (service.BatchOutput, service.BatchPolicy, int, error) {
		var pol service.BatchPolicy
		c, err := kafkaOutputConfigFromParsed(conf)
		if err != nil {
			return nil, pol, 0, err
		}
		if pol, err = conf.FieldBatchPolicy(koFieldBatching); err != nil {
			return nil, pol, 0, err
		}
		mif, err := conf.FieldMaxInFlight()
		if err != nil {
			return nil, pol, 0, err
		}
		return newKafkaWriter(c), pol, mif, nil
	})
}

// OversizeError reports a message larger than max_message_bytes.
type OversizeError struct {
	Key   string
	Size  int
	Limit int
}

func (e *OversizeError) Error() string {
	return fmt.Sprintf("message with key %q is %d bytes, over the max_message_bytes limit of %d", e.Key, e.Size, e.Limit)
}

// kafkaWriter produces batches and reports per-message failures as a
// service.BatchError so only failed messages are nacked.
type kafkaWriter struct {
	conf kafkaOutputConfig

	mu     sync.RWMutex
	client *kgo.Client
}

func newKafkaWriter(conf kafkaOutputConfig) *kafkaWriter {
	return &kafkaWriter{conf: conf}
}

// Connect builds the producer and checks that a broker answers.
func (w *kafkaWriter) Connect(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.client != nil {
		return nil
	}
	opts := []kgo.Opt{
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerBatchMaxBytes(int32(w.conf.maxMessageBytes + koRecordOverhead)),
		kgo.RecordDeliveryTimeout(w.conf.timeout),
		kgo.ProducerBatchCompression(compressionCodec(w.conf.compression)),
		kgo.RecordPartitioner(w.partitioner()),
		kgo.ProducerLinger(0),
	}
	cl, err := kgo.NewClient(w.conf.conn.ClientOpts(opts...)...)
	if err != nil {
		return fmt.Errorf("creating kafka producer: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := cl.Ping(pingCtx); err != nil {
		cl.Close()
		return fmt.Errorf("connecting kafka producer: %w", &kafkaconf.UnreachableError{Brokers: w.conf.conn.SeedBrokers, Err: err})
	}
	w.client = cl
	return nil
}

func (w *kafkaWriter) partitioner() kgo.Partitioner {
	switch w.conf.partitioner {
	case koPartitionerRoundRobin:
		return kgo.RoundRobinPartitioner()
	case koPartitionerManual:
		return kgo.ManualPartitioner()
	}
	// nil hasher: murmur2 with the high bit masked, as the Java client.
	return kgo.StickyKeyPartitioner(nil)
}

func compressionCodec(name string) kgo.CompressionCodec {
	switch name {
	case "gzip":
		return kgo.GzipCompression()
	case "snappy":
		return kgo.SnappyCompression()
	case "lz4":
		return kgo.Lz4Compression()
	case "zstd":
		return kgo.ZstdCompression()
	}
	return kgo.NoCompression()
}

// WriteBatch produces every message and waits for the brokers' answers.
// Messages that could not be built or produced are reported in a
// service.BatchError; the rest are delivered.
func (w *kafkaWriter) WriteBatch(ctx context.Context, batch service.MessageBatch) error {
	w.mu.RLock()
	cl := w.client
	w.mu.RUnlock()
	if cl == nil {
		return service.ErrNotConnected
	}

	var batchE *service.BatchError
	fail := func(i int, err error) {
		if batchE == nil {
			batchE = service.NewBatchError(batch, fmt.Errorf("producing to kafka: %w", err))
		}
		batchE.Failed(i, err)
	}
	rb := w.newRecordBuilder(batch)
	send := make([]*kgo.Record, 0, len(batch))
	for i := range batch {
		if err := rb.build(i); err != nil {
			fail(i, err)
			continue
		}
		send = append(send, &rb.recs[i])
	}
	// One produce call for the batch: its promises share one closure and
	// it returns once the brokers answered for every record.
	for _, res := range cl.ProduceSync(ctx, send...) {
		if res.Err == nil {
			continue
		}
		err := fmt.Errorf("producing message with key %q to %s: %w", res.Record.Key, res.Record.Topic, res.Err)
		i := rb.index(res.Record)
		if i < 0 {
			return err // cannot tell which message failed: nack them all
		}
		fail(i, err)
	}
	if batchE != nil {
		return batchE
	}
	return nil
}

// Close flushes nothing (WriteBatch waits for every produce) and closes the
// client.
func (w *kafkaWriter) Close(context.Context) error {
	w.mu.Lock()
	cl := w.client
	w.client = nil
	w.mu.Unlock()
	if cl != nil {
		cl.Close()
	}
	return nil
}
