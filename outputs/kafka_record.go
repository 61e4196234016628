package outputs

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/twmb/franz-go/pkg/kgo"
)

// kafkaRecordBuilder turns the messages of one batch into records. The
// records, their headers and the header values live in three slices shared
// by the batch instead of a handful of allocations per message, and the
// interpolated fields are prepared once per batch (a static topic is not
// interpolated at all). The records stay valid after the builder is done
// with them: a slice that grows leaves the records built so far pointing
// into its previous array, which is never written again.
type kafkaRecordBuilder struct {
	conf  *kafkaOutputConfig
	batch service.MessageBatch

	topic       string // the static topic, or the last one built from topicTemplate
	staticTopic bool
	// The interpolations, prepared on first use: a static topic needs none,
	// and fields with a template only need theirs for messages the template
	// cannot answer.
	topicEx, keyEx, partitionEx *service.MessageBatchInterpolationExecutor

	recs    []kgo.Record
	headers []kgo.RecordHeader
	values  []byte // header values and keys
	sized   bool   // headers and values were grown for the whole batch

	// msg and size belong to the record being built, for walkHeader.
	msg  *service.Message
	size int
	walk func(key string, value any) error
}

func (w *kafkaWriter) newRecordBuilder(batch service.MessageBatch) *kafkaRecordBuilder {
	b := &kafkaRecordBuilder{
		conf:   &w.conf,
		batch:  batch,
		recs:   make([]kgo.Record, len(batch)),
		values: make([]byte, 0, 64), // non-nil: an empty header value is "", not null
	}
	b.topic, b.staticTopic = w.conf.topic.Static()
	b.walk = b.walkHeader
	return b
}

// build fills recs[i] from batch[i] and checks the size limit.
func (b *kafkaRecordBuilder) build(i int) error {
	rec := &b.recs[i]
	firstHeader, firstValue := len(b.headers), len(b.values)
	var err error
	if rec.Topic, err = b.topicOf(i); err != nil {
		return fmt.Errorf("interpolating topic: %w", err)
	}
	if b.conf.key != nil {
		if rec.Key, err = b.keyOf(i); err != nil {
			return fmt.Errorf("interpolating key: %w", err)
		}
	}
	if b.conf.partition != nil {
		if b.partitionEx == nil {
			b.partitionEx = b.batch.InterpolationExecutor(b.conf.partition)
		}
		s, err := b.partitionEx.TryString(i)
		if err != nil {
			return fmt.Errorf("interpolating partition: %w", err)
		}
		p, err := strconv.ParseInt(s, 10, 32)
		if err != nil || p < 0 {
			return fmt.Errorf("parsing partition %q of message with key %q: not a partition number", s, rec.Key)
		}
		rec.Partition = int32(p)
	}
	if rec.Value, err = b.batch[i].AsBytes(); err != nil {
		return fmt.Errorf("reading message body: %w", err)
	}

	b.msg, b.size = b.batch[i], len(rec.Key)+len(rec.Value)
	_ = b.conf.metadata.WalkMut(b.msg, b.walk)
	rec.Headers = b.headers[firstHeader:len(b.headers):len(b.headers)]
	if !b.sized {
		// Size the shared slices for the rest of the batch after the
		// first message, assuming the others look alike.
		b.sized = true
		rest := len(b.batch) - i - 1
		b.headers = slices.Grow(b.headers, len(rec.Headers)*rest)
		b.values = slices.Grow(b.values, (len(b.values)-firstValue)*rest)
	}
	if b.size > b.conf.maxMessageBytes {
		return &OversizeError{Key: string(rec.Key), Size: b.size, Limit: b.conf.maxMessageBytes}
	}
	return nil
}

// topicOf returns the topic of batch[i]. A topic built from its template
// reuses the previous string while consecutive messages go to the same
// topic.
func (b *kafkaRecordBuilder) topicOf(i int) (string, error) {
	if b.staticTopic {
		return b.topic, nil
	}
	if t := b.conf.topicTemplate; t != nil {
		start := len(b.values)
		buf, ok := t.appendTo(b.values, b.batch[i])
		b.values = buf[:start]
		if ok {
			if string(buf[start:]) != b.topic {
				b.topic = string(buf[start:])
			}
			return b.topic, nil
		}
	}
	if b.topicEx == nil {
		b.topicEx = b.batch.InterpolationExecutor(b.conf.topic)
	}
	return b.topicEx.TryString(i)
}

// keyOf returns the key of batch[i]; a key built from its template lives in
// b.values.
func (b *kafkaRecordBuilder) keyOf(i int) ([]byte, error) {
	if t := b.conf.keyTemplate; t != nil {
		start := len(b.values)
		var ok bool
		if b.values, ok = t.appendTo(b.values, b.batch[i]); ok {
			return b.values[start:len(b.values):len(b.values)], nil
		}
		b.values = b.values[:start]
	}
	if b.keyEx == nil {
		b.keyEx = b.batch.InterpolationExecutor(b.conf.key)
	}
	return b.keyEx.TryBytes(i)
}

// walkHeader appends one selected metadata entry of b.msg as a header.
// Strings and bytes are copied as they are; other values are read through
// MetaGet, which formats them as Bloblang's meta() does.
func (b *kafkaRecordBuilder) walkHeader(key string, value any) error {
	start := len(b.values)
	switch v := value.(type) {
	case string:
		b.values = append(b.values, v...)
	case []byte:
		b.values = append(b.values, v...)
	default:
		s, _ := b.msg.MetaGet(key)
		b.values = append(b.values, s...)
	}
	end := len(b.values)
	b.headers = append(b.headers, kgo.RecordHeader{Key: key, Value: b.values[start:end:end]})
	b.size += len(key) + end - start
	return nil
}

// index returns the batch index of rec, or -1 if rec is not one of b.recs.
// It is only asked for records that failed, so a scan is cheap enough.
func (b *kafkaRecordBuilder) index(rec *kgo.Record) int {
	for i := range b.recs {
		if &b.recs[i] == rec {
			return i
		}
	}
	return -1
}
