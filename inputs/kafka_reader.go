package inputs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/datawald/datawald/internal/kafkaconf"
)

// kafkaReader consumes a topic set as a group member. ReadBatch hands out
// records; a batch's ack releases their offsets in the partition's
// offsetWindow, and contiguous releases are marked for franz-go's
// autocommit (AutoCommitMarks).
type kafkaReader struct {
	conf kafkaInputConfig
	log  *service.Logger

	// mu guards client, buf and windows. Marks (MarkCommitOffsets) are issued
	// while holding mu so that they cannot interleave with a revocation.
	mu      sync.Mutex
	client  *kgo.Client
	buf     []*kgo.Record // polled, not yet handed out, in poll order
	windows map[string]map[int32]*offsetWindow

	// wake is signalled (non-blocking) whenever an ack frees room in a window.
	wake chan struct{}
}

func newKafkaReader(conf kafkaInputConfig, log *service.Logger) *kafkaReader {
	return &kafkaReader{
		conf:    conf,
		log:     log,
		windows: map[string]map[int32]*offsetWindow{},
		wake:    make(chan struct{}, 1),
	}
}

// Connect builds the group client and checks that a broker answers. A
// failure is returned to the engine, which retries Connect with back-off.
func (r *kafkaReader) Connect(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.client != nil {
		return nil
	}
	reset := kgo.NewOffset().AtStart()
	if r.conf.startFrom == kiStartLatest {
		reset = kgo.NewOffset().AtEnd()
	}
	opts := []kgo.Opt{
		kgo.ConsumerGroup(r.conf.group),
		kgo.ConsumeTopics(r.conf.topics...),
		kgo.ConsumeResetOffset(reset),
		kgo.FetchMaxBytes(int32(r.conf.fetchMaxBytes)),
		kgo.SessionTimeout(r.conf.sessionTimeout),
		kgo.AutoCommitMarks(),
		kgo.AutoCommitInterval(r.conf.commitPeriod),
		kgo.OnPartitionsAssigned(r.onAssigned),
		kgo.OnPartitionsRevoked(r.onRevoked),
		kgo.OnPartitionsLost(r.onLost),
	}
	if r.conf.regexpTopics {
		opts = append(opts, kgo.ConsumeRegex())
	}
	cl, err := kgo.NewClient(r.conf.conn.ClientOpts(opts...)...)
	if err != nil {
		return fmt.Errorf("creating kafka consumer: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := cl.Ping(pingCtx); err != nil {
		cl.Close()
		return fmt.Errorf("connecting kafka consumer: %w", &kafkaconf.UnreachableError{Brokers: r.conf.conn.SeedBrokers, Err: err})
	}
	r.client = cl
	return nil
}

func (r *kafkaReader) onAssigned(_ context.Context, _ *kgo.Client, assigned map[string][]int32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for topic, parts := range assigned {
		if r.windows[topic] == nil {
			r.windows[topic] = map[int32]*offsetWindow{}
		}
		for _, p := range parts {
			r.windows[topic][p] = newOffsetWindow()
		}
	}
}

// onRevoked stops the revoked partitions and commits what was acked for
// them while the partitions are still ours.
func (r *kafkaReader) onRevoked(ctx context.Context, cl *kgo.Client, revoked map[string][]int32) {
	r.dropPartitions(revoked)
	if err := cl.CommitMarkedOffsets(ctx); err != nil {
		r.log.Warnf("Committing offsets of revoked kafka partitions: %v", err)
	}
}

// onLost drops the partitions without committing: they are already owned
// by another member.
func (r *kafkaReader) onLost(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
	r.dropPartitions(lost)
}

func (r *kafkaReader) dropPartitions(parts map[string][]int32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for topic, ps := range parts {
		for _, p := range ps {
			delete(r.windows[topic], p)
		}
	}
	kept := r.buf[:0]
	for _, rec := range r.buf {
		if r.windows[rec.Topic][rec.Partition] != nil {
			kept = append(kept, rec)
		}
	}
	clear(r.buf[len(kept):])
	r.buf = kept
}

// ReadBatch returns the buffered records whose partitions have room under
// checkpoint_limit (at most kiMaxReadBatch), polling the brokers when none
// is ready. The batch's ack releases every offset in it.
func (r *kafkaReader) ReadBatch(ctx context.Context) (service.MessageBatch, service.AckFunc, error) {
	for {
		r.mu.Lock()
		cl := r.client
		if cl == nil {
			r.mu.Unlock()
			return nil, nil, service.ErrNotConnected
		}
		taken := r.takeLocked(kiMaxReadBatch)
		buffered := len(r.buf)
		r.mu.Unlock()
		if len(taken) > 0 {
			batch := make(service.MessageBatch, len(taken))
			var mb messageBuilder
			for i, t := range taken {
				batch[i] = mb.message(t.rec)
			}
			return batch, r.ackFunc(taken), nil
		}
		if buffered >= kiMaxBuffered {
			// Every buffered record waits for room in its partition.
			select {
			case <-r.wake:
				continue
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			}
		}
		if err := r.pollUntilAck(ctx, cl, buffered > 0); err != nil {
			return nil, nil, err
		}
	}
}

// pollUntilAck polls for more records. When records are already buffered
// (all waiting for room in their partitions) the poll is cut short by the
// next ack, so other partitions keep flowing while one is at its limit.
func (r *kafkaReader) pollUntilAck(ctx context.Context, cl *kgo.Client, interruptible bool) error {
	if !interruptible {
		return r.poll(ctx, ctx, cl)
	}
	pollCtx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() {
		select {
		case <-r.wake:
			cancel()
		case <-stopped:
		}
	}()
	err := r.poll(ctx, pollCtx, cl)
	close(stopped)
	cancel()
	return err
}

// takenRecord is a record handed to the pipeline with the window that
// tracks it.
type takenRecord struct {
	rec *kgo.Record
	w   *offsetWindow
}

// takeLocked removes and tracks up to max buffered records whose partitions
// are owned and below checkpoint_limit. Once a partition is full, its later
// records stay buffered behind the earlier ones, so order is kept.
func (r *kafkaReader) takeLocked(max int) []takenRecord {
	var (
		taken   = make([]takenRecord, 0, min(max, len(r.buf)))
		blocked map[*offsetWindow]bool
		kept    = r.buf[:0]
	)
	for i, rec := range r.buf {
		if len(taken) == max {
			kept = append(kept, r.buf[i:]...)
			break
		}
		w := r.windows[rec.Topic][rec.Partition]
		if w == nil {
			continue // revoked
		}
		if blocked[w] || w.inFlight() >= r.conf.checkpointLimit {
			if blocked == nil {
				blocked = map[*offsetWindow]bool{}
			}
			blocked[w] = true
			kept = append(kept, rec)
			continue
		}
		if err := w.track(rec.Offset, rec.LeaderEpoch); err != nil {
			// A replay of an offset already handed out (e.g. after a
			// seek): the earlier delivery is still tracked, skip it.
			r.log.Debugf("Skipping kafka record %s/%d@%d: %v", rec.Topic, rec.Partition, rec.Offset, err)
			continue
		}
		taken = append(taken, takenRecord{rec: rec, w: w})
	}
	clear(r.buf[len(kept):])
	r.buf = kept
	return taken
}

// poll fetches records into the buffer. pollCtx may end early without
// that being an error; ctx ending is.
func (r *kafkaReader) poll(ctx, pollCtx context.Context, cl *kgo.Client) error {
	fetches := cl.PollRecords(pollCtx, kiMaxBuffered)
	if fetches.IsClientClosed() {
		return service.ErrNotConnected
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	failed := false
	fetches.EachError(func(topic string, partition int32, err error) {
		if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			failed = true
			r.log.Errorf("Fetching kafka partition %s/%d: %v", topic, partition, err)
		}
	})
	if failed && fetches.NumRecords() == 0 {
		// A persistent fetch error (e.g. authorization) returns at once;
		// wait before polling again rather than spinning.
		select {
		case <-time.After(kiFetchErrorBackoff):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	// Interleave partitions so that one partition's backlog does not delay
	// the others; order within a partition is kept.
	var parts [][]*kgo.Record
	fetches.EachPartition(func(p kgo.FetchTopicPartition) {
		if len(p.Records) > 0 {
			parts = append(parts, p.Records)
		}
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := 0; len(parts) > 0; i++ {
		kept := parts[:0]
		for _, recs := range parts {
			if i >= len(recs) {
				continue
			}
			if rec := recs[i]; r.windows[rec.Topic][rec.Partition] != nil {
				r.buf = append(r.buf, rec)
			}
			kept = append(kept, recs)
		}
		parts = kept
	}
	return nil
}

// ackFunc releases the batch's offsets on success and marks the new
// contiguous heads for commit. A nack leaves the offsets pending
// (AutoRetryNacksBatched redelivers the batch), so the commit cannot pass
// them. Acks for a window that was revoked in the meantime are ignored.
func (r *kafkaReader) ackFunc(taken []takenRecord) service.AckFunc {
	return func(_ context.Context, err error) error {
		if err != nil {
			return nil
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.client == nil {
			return nil
		}
		var marks map[string]map[int32]kgo.EpochOffset
		for _, t := range taken {
			if r.windows[t.rec.Topic][t.rec.Partition] != t.w || !t.w.ack(t.rec.Offset) {
				continue
			}
			next, epoch, _ := t.w.committable()
			if marks == nil {
				marks = map[string]map[int32]kgo.EpochOffset{}
			}
			if marks[t.rec.Topic] == nil {
				marks[t.rec.Topic] = map[int32]kgo.EpochOffset{}
			}
			marks[t.rec.Topic][t.rec.Partition] = kgo.EpochOffset{Epoch: epoch, Offset: next}
		}
		if marks != nil {
			r.client.MarkCommitOffsets(marks)
		}
		select {
		case r.wake <- struct{}{}:
		default:
		}
		return nil
	}
}

// Close commits acknowledged offsets and leaves the group; leaving revokes
// every partition, which commits once more through onRevoked.
func (r *kafkaReader) Close(ctx context.Context) error {
	r.mu.Lock()
	cl := r.client
	r.client = nil
	r.mu.Unlock()
	if cl == nil {
		return nil
	}
	if err := cl.CommitMarkedOffsets(ctx); err != nil {
		r.log.Warnf("Committing kafka offsets on close: %v", err)
	}
	cl.Close()
	return nil
}

// messageBuilder turns records into messages. Partition and offset are
// stored as integers and the timestamp as a time, so Bloblang sees typed
// values (@kafka_offset) while meta("kafka_offset") reads them as strings;
// formatting happens only when a value is read. The key and the header
// values of a record share one string allocation, and the boxed topic name
// and timestamp are reused while consecutive records have the same ones
// (records produced together share their millisecond).
type messageBuilder struct {
	buf            []byte
	topic          string
	boxedTopic     any
	timestamp      time.Time
	boxedTimestamp any
}

func (b *messageBuilder) message(rec *kgo.Record) *service.Message {
	msg := service.NewMessage(rec.Value)
	b.buf = append(b.buf[:0], rec.Key...)
	for _, h := range rec.Headers {
		b.buf = append(b.buf, h.Value...)
	}
	strs := string(b.buf)
	if b.boxedTopic == nil || rec.Topic != b.topic {
		b.topic, b.boxedTopic = rec.Topic, rec.Topic
	}
	if b.boxedTimestamp == nil || !rec.Timestamp.Equal(b.timestamp) {
		b.timestamp = rec.Timestamp.UTC()
		b.boxedTimestamp = b.timestamp
	}
	msg.MetaSetMut("kafka_key", strs[:len(rec.Key)])
	msg.MetaSetMut("kafka_topic", b.boxedTopic)
	msg.MetaSetMut("kafka_partition", int64(rec.Partition))
	msg.MetaSetMut("kafka_offset", rec.Offset)
	msg.MetaSetMut("kafka_timestamp", b.boxedTimestamp)
	at := len(rec.Key)
	for _, h := range rec.Headers {
		msg.MetaSetMut(h.Key, strs[at:at+len(h.Value)])
		at += len(h.Value)
	}
	return msg
}
