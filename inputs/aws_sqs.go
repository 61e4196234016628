package inputs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/awsconf"
	"github.com/datawald/datawald/internal/docsgen"
)

const (
	sqsiFieldURL                 = awsconf.FieldSQSURL
	sqsiFieldWaitTimeSeconds     = "wait_time_seconds"
	sqsiFieldMaxNumberOfMessages = "max_number_of_messages"
	sqsiFieldVisibilityTimeout   = "visibility_timeout"
	sqsiFieldDeletePeriod        = "delete_period"
)

type sqsInputConfig struct {
	session           *awsconf.Session
	url               string
	waitTimeSeconds   int
	maxMessages       int
	visibilityTimeout time.Duration
	deletePeriod      time.Duration
}

func sqsInputConfigFromParsed(conf *service.ParsedConfig) (c sqsInputConfig, err error) {
	if c.session, err = awsconf.ParseSession(conf); err != nil {
		return
	}
	if c.url, err = conf.FieldString(sqsiFieldURL); err != nil {
		return
	}
	if c.waitTimeSeconds, err = conf.FieldInt(sqsiFieldWaitTimeSeconds); err != nil {
		return
	}
	if c.waitTimeSeconds < 0 || c.waitTimeSeconds > 20 {
		err = fmt.Errorf("wait_time_seconds must be between 0 and 20, got %d", c.waitTimeSeconds)
		return
	}
	if c.maxMessages, err = conf.FieldInt(sqsiFieldMaxNumberOfMessages); err != nil {
		return
	}
	if c.maxMessages < 1 || c.maxMessages > 10 {
		err = fmt.Errorf("max_number_of_messages must be between 1 and 10, got %d", c.maxMessages)
		return
	}
	if c.visibilityTimeout, err = conf.FieldDuration(sqsiFieldVisibilityTimeout); err != nil {
		return
	}
	if c.visibilityTimeout < time.Second || c.visibilityTimeout > 12*time.Hour {
		err = fmt.Errorf("visibility_timeout must be between 1s and 12h, got %v", c.visibilityTimeout)
		return
	}
	c.deletePeriod, err = conf.FieldDuration(sqsiFieldDeletePeriod)
	return
}

func sqsInputSpec() *service.ConfigSpec {
	return service.NewConfigSpec().
		Stable().
		Categories(docsgen.Category, "Services").
		Summary("Receives messages from an Amazon SQS queue (standard or FIFO) with at-least-once delivery.").
		Description(`
Messages are received with long polling. A received message stays invisible to other consumers while
datawald processes it: its visibility timeout is extended (ChangeMessageVisibility) for as long as it is
in flight, so a slow target never causes a second consumer to receive it. A message is deleted only once
it is acknowledged; deletions are batched through DeleteMessageBatch and the failed entries of a batch
are retried. A nack makes the message visible again at once (visibility timeout 0), so it is redelivered
(for FIFO queues, ahead of the rest of its message group). If datawald dies, unacked messages reappear
after their visibility timeout.

### Metadata

- every message attribute, under its own name (datawald's envelope: `+"`dw_source`"+`, `+"`dw_tx_type`"+`, ...);
- `+"`sqs_message_id`"+`, `+"`sqs_receipt_handle`"+`, `+"`sqs_queue_url`"+`;
- `+"`sqs_message_group_id`"+`, `+"`sqs_message_deduplication_id`"+`, `+"`sqs_sequence_number`"+` (FIFO queues);
- `+"`sqs_approximate_receive_count`"+`, `+"`sqs_sent_timestamp`"+`, `+"`sqs_approximate_first_receive_timestamp`"+`, `+"`sqs_sender_id`"+`.
`).
		Field(awsconf.SQSURLField()).
		Fields(awsconf.Fields()...).
		Fields(
			service.NewIntField(sqsiFieldWaitTimeSeconds).
				Description("Long-polling wait, 0-20 seconds. 0 polls without waiting.").
				Default(20),
			service.NewIntField(sqsiFieldMaxNumberOfMessages).
				Description("Messages per ReceiveMessage call, 1-10.").
				Default(10),
			service.NewDurationField(sqsiFieldVisibilityTimeout).
				Description("Visibility timeout set on received messages and renewed while they are in flight. After a crash, an unacked message is redelivered once this elapses.").
				Default("30s"),
			service.NewDurationField(sqsiFieldDeletePeriod).
				Description("How long acknowledged messages may wait to fill a DeleteMessageBatch call of ten.").
				Default("200ms").
				Advanced(),
		).
		LintRule(awsconf.LintRule(
			`if this.max_number_of_messages.or(10) < 1 || this.max_number_of_messages.or(10) > 10 { "max_number_of_messages must be between 1 and 10" } else { null }`,
			`if this.wait_time_seconds.or(20) < 0 || this.wait_time_seconds.or(20) > 20 { "wait_time_seconds must be between 0 and 20" } else { null }`,
		)).
		Example("Target stream", "Consume canonical entities from a FIFO backbone queue.", `
input:
  aws_sqs:
    url: https://sqs.eu-central-1.amazonaws.com/123456789012/datawald-entities.fifo
    region: eu-central-1
    wait_time_seconds: 20
    max_number_of_messages: 10
    visibility_timeout: 60s
    credentials:
      role: arn:aws:iam::123456789012:role/datawald
`)
}

func init() {
	service.MustRegisterInput("aws_sqs", sqsInputSpec(), func(conf *service.ParsedConfig, mgr *service.Resources) (service.Input, error) {
		c, err := sqsInputConfigFromParsed(conf)
		if err != nil {
			return nil, err
		}
		return newSQSReader(c, mgr.Logger()), nil
	})
}

// sqsAPI is the part of the SQS client the reader uses.
type sqsAPI interface {
	GetQueueAttributes(context.Context, *sqs.GetQueueAttributesInput, ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
	ReceiveMessage(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(context.Context, *sqs.DeleteMessageBatchInput, ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
	ChangeMessageVisibilityBatch(context.Context, *sqs.ChangeMessageVisibilityBatchInput, ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error)
}

// sqsReader receives messages in a background loop and tracks every
// received, not yet deleted message so its visibility can be extended.
type sqsReader struct {
	conf sqsInputConfig
	log  *service.Logger

	mu       sync.Mutex
	client   sqsAPI
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	msgs     chan *service.Message // received, not yet read
	inFlight map[string]time.Time  // receipt handle → visibility deadline
	deleter  *receiptBatcher
	releaser *receiptBatcher
}

func newSQSReader(conf sqsInputConfig, log *service.Logger) *sqsReader {
	return &sqsReader{conf: conf, log: log}
}

// Connect builds the client and checks that the queue exists and answers.
func (r *sqsReader) Connect(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.client != nil {
		return nil
	}
	client, err := r.conf.session.OpenSQSQueue(ctx, r.conf.url, types.QueueAttributeNameVisibilityTimeout)
	if err != nil {
		return err
	}
	r.start(client)
	return nil
}

// start launches the receive, delete, release and extension loops.
func (r *sqsReader) start(client sqsAPI) {
	r.client = client
	r.msgs = make(chan *service.Message, r.conf.maxMessages)
	r.inFlight = map[string]time.Time{}
	r.deleter = newReceiptBatcher(r.deleteBatch, r.conf.deletePeriod, r.settled("Deleting"))
	r.releaser = newReceiptBatcher(r.releaseBatch, 50*time.Millisecond, r.settled("Releasing"))
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.wg.Add(4)
	go func() { defer r.wg.Done(); r.receiveLoop(ctx) }()
	go func() { defer r.wg.Done(); r.deleter.Run(ctx) }()
	go func() { defer r.wg.Done(); r.releaser.Run(ctx) }()
	go func() { defer r.wg.Done(); r.extendLoop(ctx) }()
}

// settled returns the onDone hook of a batcher: the handle leaves the
// in-flight set, and a final failure is logged (the message then simply
// reappears after its visibility timeout).
func (r *sqsReader) settled(action string) func(string, error) {
	return func(handle string, err error) {
		r.mu.Lock()
		delete(r.inFlight, handle)
		r.mu.Unlock()
		if err != nil {
			r.log.Errorf("%s sqs message: %v; it will be redelivered after its visibility timeout", action, err)
		}
	}
}

func (r *sqsReader) receiveLoop(ctx context.Context) {
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		if backoff > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
		}
		out, err := r.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(r.conf.url),
			MaxNumberOfMessages:         int32(r.conf.maxMessages),
			WaitTimeSeconds:             int32(r.conf.waitTimeSeconds),
			VisibilityTimeout:           int32(r.conf.visibilityTimeout / time.Second),
			MessageAttributeNames:       []string{"All"},
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		})
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			backoff = min(max(2*backoff, 500*time.Millisecond), 30*time.Second)
			r.log.Errorf("Receiving sqs messages from %s (retrying in %v): %v", r.conf.url, backoff, err)
			continue
		}
		backoff = 0
		deadline := time.Now().Add(r.conf.visibilityTimeout)
		r.mu.Lock()
		for _, m := range out.Messages {
			r.inFlight[aws.ToString(m.ReceiptHandle)] = deadline
		}
		r.mu.Unlock()
		for _, m := range out.Messages {
			select {
			case r.msgs <- r.toMessage(m):
			case <-ctx.Done():
				return
			}
		}
	}
}

// extendLoop renews the visibility of in-flight messages once a third of
// their visibility timeout has passed. Checking every sixth of it, a renewal
// is sent with at least half of the timeout left, which leaves room for a
// slow ChangeMessageVisibility call.
func (r *sqsReader) extendLoop(ctx context.Context) {
	tick := max(r.conf.visibilityTimeout/6, 100*time.Millisecond)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		var due []string
		r.mu.Lock()
		for h, deadline := range r.inFlight {
			if deadline.Sub(now) < r.conf.visibilityTimeout*2/3 {
				due = append(due, h)
			}
		}
		r.mu.Unlock()
		for len(due) > 0 {
			n := min(len(due), awsconf.SQSMaxBatchEntries)
			r.extend(ctx, due[:n])
			due = due[n:]
		}
	}
}

func (r *sqsReader) extend(ctx context.Context, handles []string) {
	newDeadline := time.Now().Add(r.conf.visibilityTimeout)
	failed, err := r.changeVisibility(ctx, handles, int32(r.conf.visibilityTimeout/time.Second))
	if err != nil {
		r.log.Warnf("Extending visibility of %d sqs messages: %v", len(handles), err)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, h := range handles {
		if f, bad := failed[i]; bad {
			r.log.Warnf("Extending visibility of an sqs message: %v", f.Err)
			continue
		}
		if _, ok := r.inFlight[h]; ok {
			r.inFlight[h] = newDeadline
		}
	}
}

func (r *sqsReader) deleteBatch(ctx context.Context, handles []string) (map[int]entryFailure, error) {
	entries := make([]types.DeleteMessageBatchRequestEntry, len(handles))
	for i, h := range handles {
		entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(h)}
	}
	out, err := r.client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(r.conf.url), Entries: entries})
	if err != nil {
		return nil, fmt.Errorf("deleting sqs message batch: %w", err)
	}
	return batchFailures(out.Failed), nil
}

// releaseBatch makes nacked messages visible again at once.
func (r *sqsReader) releaseBatch(ctx context.Context, handles []string) (map[int]entryFailure, error) {
	return r.changeVisibility(ctx, handles, 0)
}

func (r *sqsReader) changeVisibility(ctx context.Context, handles []string, seconds int32) (map[int]entryFailure, error) {
	entries := make([]types.ChangeMessageVisibilityBatchRequestEntry, len(handles))
	for i, h := range handles {
		entries[i] = types.ChangeMessageVisibilityBatchRequestEntry{
			Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(h), VisibilityTimeout: seconds,
		}
	}
	out, err := r.client.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(r.conf.url), Entries: entries})
	if err != nil {
		return nil, fmt.Errorf("changing sqs message visibility: %w", err)
	}
	return batchFailures(out.Failed), nil
}

// batchFailures maps the failed entries of a batch call to their request
// index (entry ids are the indexes).
func batchFailures(failed []types.BatchResultErrorEntry) map[int]entryFailure {
	if len(failed) == 0 {
		return nil
	}
	out := make(map[int]entryFailure, len(failed))
	for _, f := range failed {
		i, err := strconv.Atoi(aws.ToString(f.Id))
		if err != nil {
			continue
		}
		out[i] = entryFailure{Retryable: !f.SenderFault, Err: awsconf.SQSEntryError(f)}
	}
	return out
}

// Read returns the next received message. Its ack deletes the message
// (batched); a nack makes it visible again at once.
func (r *sqsReader) Read(ctx context.Context) (*service.Message, service.AckFunc, error) {
	r.mu.Lock()
	msgs := r.msgs
	r.mu.Unlock()
	if msgs == nil {
		return nil, nil, service.ErrNotConnected
	}
	select {
	case m, ok := <-msgs:
		if !ok {
			return nil, nil, service.ErrNotConnected
		}
		handle, _ := m.MetaGet("sqs_receipt_handle")
		return m, r.ackFunc(handle), nil
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}

// ackFunc settles the message once; further calls are ignored.
func (r *sqsReader) ackFunc(handle string) service.AckFunc {
	var once sync.Once
	return func(_ context.Context, err error) error {
		once.Do(func() {
			r.mu.Lock()
			deleter, releaser := r.deleter, r.releaser
			r.mu.Unlock()
			if err != nil {
				releaser.Add(handle)
			} else {
				deleter.Add(handle)
			}
		})
		return nil
	}
}

func (r *sqsReader) toMessage(m types.Message) *service.Message {
	msg := service.NewMessage([]byte(aws.ToString(m.Body)))
	for name, v := range m.MessageAttributes {
		switch {
		case v.StringValue != nil:
			msg.MetaSetMut(name, *v.StringValue)
		case v.BinaryValue != nil:
			msg.MetaSetMut(name, string(v.BinaryValue))
		}
	}
	msg.MetaSetMut("sqs_message_id", aws.ToString(m.MessageId))
	msg.MetaSetMut("sqs_receipt_handle", aws.ToString(m.ReceiptHandle))
	msg.MetaSetMut("sqs_queue_url", r.conf.url)
	for attr, key := range map[string]string{
		string(types.MessageSystemAttributeNameMessageGroupId):                   "sqs_message_group_id",
		string(types.MessageSystemAttributeNameMessageDeduplicationId):           "sqs_message_deduplication_id",
		string(types.MessageSystemAttributeNameSequenceNumber):                   "sqs_sequence_number",
		string(types.MessageSystemAttributeNameApproximateReceiveCount):          "sqs_approximate_receive_count",
		string(types.MessageSystemAttributeNameSentTimestamp):                    "sqs_sent_timestamp",
		string(types.MessageSystemAttributeNameApproximateFirstReceiveTimestamp): "sqs_approximate_first_receive_timestamp",
		string(types.MessageSystemAttributeNameSenderId):                         "sqs_sender_id",
	} {
		if v, ok := m.Attributes[attr]; ok {
			msg.MetaSetMut(key, v)
		}
	}
	return msg
}

// Close stops receiving, makes the received but unread messages visible
// again, and flushes pending deletions.
func (r *sqsReader) Close(ctx context.Context) error {
	r.mu.Lock()
	cancel := r.cancel
	r.cancel = nil
	r.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	r.wg.Wait()
	for drained := false; !drained; {
		select {
		case m := <-r.msgs:
			h, _ := m.MetaGet("sqs_receipt_handle")
			r.releaser.Add(h)
		default:
			drained = true
		}
	}
	flushCtx, done := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer done()
	r.deleter.Flush(flushCtx)
	r.releaser.Flush(flushCtx)
	r.mu.Lock()
	r.client, r.msgs = nil, nil
	r.mu.Unlock()
	if err := flushCtx.Err(); errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("flushing sqs deletions: %w", err)
	}
	return nil
}
