package inputs

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/docsgen"
	"github.com/datawald/datawald/internal/kafkaconf"
)

const (
	kiFieldTopics          = "topics"
	kiFieldRegexpTopics    = "regexp_topics"
	kiFieldConsumerGroup   = "consumer_group"
	kiFieldStartFrom       = "start_from"
	kiFieldCheckpointLimit = "checkpoint_limit"
	kiFieldCommitPeriod    = "commit_period"
	kiFieldFetchMaxBytes   = "fetch_max_bytes"
	kiFieldSessionTimeout  = "session_timeout"

	// kiMaxBuffered caps records polled but not yet handed out, and
	// kiMaxReadBatch the records handed out in one batch.
	kiMaxBuffered  = 10000
	kiMaxReadBatch = 1000
	// kiFetchErrorBackoff is the pause after a poll that only failed.
	kiFetchErrorBackoff = time.Second

	kiStartEarliest = "earliest"
	kiStartLatest   = "latest"
)

type kafkaInputConfig struct {
	conn            *kafkaconf.Conn
	topics          []string
	regexpTopics    bool
	group           string
	startFrom       string
	checkpointLimit int
	commitPeriod    time.Duration
	fetchMaxBytes   int
	sessionTimeout  time.Duration
}

func kafkaInputConfigFromParsed(conf *service.ParsedConfig) (c kafkaInputConfig, err error) {
	if c.conn, err = kafkaconf.ParseConn(conf); err != nil {
		return
	}
	if c.topics, err = conf.FieldStringList(kiFieldTopics); err != nil {
		return
	}
	if len(c.topics) == 0 {
		err = errors.New("topics must list at least one topic")
		return
	}
	if c.regexpTopics, err = conf.FieldBool(kiFieldRegexpTopics); err != nil {
		return
	}
	if c.regexpTopics {
		for _, t := range c.topics {
			if _, rerr := regexp.Compile(t); rerr != nil {
				err = fmt.Errorf("parsing topics: %q is not a regular expression: %w", t, rerr)
				return
			}
		}
	}
	if c.group, err = conf.FieldString(kiFieldConsumerGroup); err != nil {
		return
	}
	if c.startFrom, err = conf.FieldString(kiFieldStartFrom); err != nil {
		return
	}
	if c.checkpointLimit, err = conf.FieldInt(kiFieldCheckpointLimit); err != nil {
		return
	}
	if c.checkpointLimit < 1 {
		err = fmt.Errorf("checkpoint_limit must be at least 1, got %d", c.checkpointLimit)
		return
	}
	if c.commitPeriod, err = conf.FieldDuration(kiFieldCommitPeriod); err != nil {
		return
	}
	if c.commitPeriod < 100*time.Millisecond {
		err = fmt.Errorf("commit_period must be at least 100ms, got %v", c.commitPeriod)
		return
	}
	if c.fetchMaxBytes, err = conf.FieldInt(kiFieldFetchMaxBytes); err != nil {
		return
	}
	c.sessionTimeout, err = conf.FieldDuration(kiFieldSessionTimeout)
	return
}

func kafkaInputSpec() *service.ConfigSpec {
	return service.NewConfigSpec().
		Stable().
		Categories(docsgen.Category, "Services").
		Summary("Consumes records from Kafka topics as a consumer group, with at-least-once delivery.").
		Description(`
Records are consumed with github.com/twmb/franz-go as a member of `+"`consumer_group`"+`. Within a partition
records are delivered in offset order. An offset is committed only once that record and every record
before it in the same partition have been acknowledged by the output, so a committed offset never
passes an unprocessed record. A nack (a failed output or processor error) redelivers the record, with
the rest of the batch it was read in, after a back-off; it is never skipped. Targets must therefore
tolerate redelivery (datawald's outputs upsert by key).

Records reach the pipeline in batches of what has been fetched (up to 1000), interleaved across
partitions. At most `+"`checkpoint_limit`"+` records of one partition are in flight at once. Acked offsets are committed
every `+"`commit_period`"+`, when partitions are revoked in a rebalance, and on shutdown. Nothing is committed
for a partition the consumer no longer owns: on revocation its undelivered records are dropped and
acks that arrive later are ignored, so its new owner resumes from the last contiguous ack.

### Metadata

- `+"`kafka_key`"+`: the record key.
- `+"`kafka_topic`"+`, `+"`kafka_partition`"+` (integer), `+"`kafka_offset`"+` (integer).
- `+"`kafka_timestamp`"+`: the record timestamp (a time; read as a string it is RFC 3339 with nanoseconds, UTC).
- every record header, under its own name (datawald's envelope: `+"`dw_source`"+`, `+"`dw_tx_type`"+`, ...).
`).
		Fields(kafkaconf.Fields()...).
		Fields(
			service.NewStringListField(kiFieldTopics).
				Description("Topics to consume. With `regexp_topics` each entry is a regular expression matched against every topic in the cluster.").
				Example([]string{"datawald.entities"}).
				Example([]string{`datawald\..*`}),
			service.NewBoolField(kiFieldRegexpTopics).
				Description("Treat `topics` as regular expressions.").
				Default(false),
			service.NewStringField(kiFieldConsumerGroup).
				Description("Consumer group that owns partitions and committed offsets.").
				Example("datawald-target-netsuite"),
			service.NewStringEnumField(kiFieldStartFrom, kiStartEarliest, kiStartLatest).
				Description("Where to start in a partition that has no committed offset.").
				Default(kiStartEarliest),
			service.NewIntField(kiFieldCheckpointLimit).
				Description("How many unacknowledged records of one partition may be in flight. Higher values raise throughput with slow outputs; ordering within a partition is only guaranteed end to end when this is 1 or the pipeline keeps order.").
				Default(1024).
				Advanced(),
			service.NewDurationField(kiFieldCommitPeriod).
				Description("How often acknowledged offsets are committed; at least 100ms.").
				Default("5s").
				Advanced(),
			service.NewIntField(kiFieldFetchMaxBytes).
				Description("Maximum bytes a broker returns for one fetch request.").
				Default(50<<20).
				Advanced(),
			service.NewDurationField(kiFieldSessionTimeout).
				Description("How long the group coordinator waits for heartbeats before it considers a crashed member gone and hands its partitions to others. Must lie within the broker's group.min/max.session.timeout.ms.").
				Default("45s").
				Advanced(),
		).
		LintRule(kafkaconf.LintRule(
			`if this.checkpoint_limit.or(1) < 1 { "checkpoint_limit must be at least 1" } else { null }`,
		)).
		Example("Target stream", "Consume canonical entities from the backbone for a target connector.", `
input:
  kafka:
    seed_brokers: [ "localhost:9092" ]
    topics: [ "datawald.entities" ]
    consumer_group: datawald-target-netsuite
    start_from: earliest
    checkpoint_limit: 256
    commit_period: 5s
    tls:
      enabled: false
    sasl:
      mechanism: SCRAM-SHA-512
      user: datawald
      password: ${KAFKA_PASSWORD}
`)
}

func init() {
	service.MustRegisterBatchInput("kafka", kafkaInputSpec(), func(conf *service.ParsedConfig, mgr *service.Resources) (service.BatchInput, error) {
		c, err := kafkaInputConfigFromParsed(conf)
		if err != nil {
			return nil, err
		}
		return service.AutoRetryNacksBatched(newKafkaReader(c, mgr.Logger())), nil
	})
}
