package outputs

import (
	"context"
	"fmt"
	"strconv"
	"strings"
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
	sqsoFieldURL                    = awsconf.FieldSQSURL
	sqsoFieldMessageGroupID         = "message_group_id"
	sqsoFieldMessageDeduplicationID = "message_deduplication_id"
	sqsoFieldDelaySeconds           = "delay_seconds"
	sqsoFieldMetadata               = "metadata"
	sqsoFieldBatching               = "batching"
	sqsoFieldMaxRetries             = "max_retries"

	// SQS limits: entries per SendMessageBatch, bytes per message and per
	// batch call (body plus attribute names, types and values), attributes
	// per message.
	sqsMaxBatchEntries = awsconf.SQSMaxBatchEntries
	sqsMaxBytes        = 256 * 1024
	sqsMaxAttributes   = 10
)

type sqsOutputConfig struct {
	session    *awsconf.Session
	url        string
	groupID    *service.InterpolatedString // nil: none
	dedupID    *service.InterpolatedString // nil: none
	delay      int
	metadata   *service.MetadataFilter
	maxRetries int
}

func sqsOutputConfigFromParsed(conf *service.ParsedConfig) (c sqsOutputConfig, err error) {
	if c.session, err = awsconf.ParseSession(conf); err != nil {
		return
	}
	if c.url, err = conf.FieldString(sqsoFieldURL); err != nil {
		return
	}
	if conf.Contains(sqsoFieldMessageGroupID) {
		if c.groupID, err = conf.FieldInterpolatedString(sqsoFieldMessageGroupID); err != nil {
			return
		}
	}
	if conf.Contains(sqsoFieldMessageDeduplicationID) {
		if c.dedupID, err = conf.FieldInterpolatedString(sqsoFieldMessageDeduplicationID); err != nil {
			return
		}
	}
	if isFIFO(c.url) && c.groupID == nil {
		err = fmt.Errorf("message_group_id is required for the FIFO queue %s", c.url)
		return
	}
	if c.delay, err = conf.FieldInt(sqsoFieldDelaySeconds); err != nil {
		return
	}
	if c.delay < 0 || c.delay > 900 {
		err = fmt.Errorf("delay_seconds must be between 0 and 900, got %d", c.delay)
		return
	}
	if c.metadata, err = conf.FieldMetadataFilter(sqsoFieldMetadata); err != nil {
		return
	}
	c.maxRetries, err = conf.FieldInt(sqsoFieldMaxRetries)
	return
}

func isFIFO(url string) bool { return strings.HasSuffix(url, ".fifo") }

func sqsOutputSpec() *service.ConfigSpec {
	return service.NewConfigSpec().
		Stable().
		Categories(docsgen.Category, "Services").
		Summary("Sends messages to an Amazon SQS queue (standard or FIFO) in batches of up to ten.").
		Description(`
Messages are sent with SendMessageBatch: each batch of the `+"`batching`"+` policy is split into calls of at
most 10 entries and 256 KiB. When SQS rejects some entries of a call, only those are retried (with
back-off, up to `+"`max_retries`"+` times); entries SQS blames on the sender are not retried. Messages that still
failed are nacked individually, so nothing is reported delivered that SQS did not accept.

Metadata selected by `+"`metadata`"+` becomes String message attributes (datawald's envelope: `+"`dw_source`"+`,
`+"`dw_tx_type`"+`, ...); empty values are left out because SQS rejects them, and a message with more than
10 attributes is rejected. A message over 256 KiB (body plus attributes) is rejected with an error
naming the limit and is not sent.

FIFO queues (URL ending in `+"`.fifo`"+`) need `+"`message_group_id`"+`; datawald's convention is
`+"`{tx_type}:{src_id}`"+` so the versions of one entity stay in order. Keep `+"`max_in_flight: 1`"+` for FIFO
queues: a retried entry is sent after the entries of its call that succeeded, so order within a group
can only change when SQS rejects part of a call. Without `+"`message_deduplication_id`"+` the queue must
have content-based deduplication enabled; with it, a retried entry is deduplicated by SQS.
`).
		Field(awsconf.SQSURLField()).
		Fields(awsconf.Fields()...).
		Fields(
			service.NewInterpolatedStringField(sqsoFieldMessageGroupID).
				Description("Message group of FIFO queues; required when `url` ends in `.fifo`.").
				Example(`${! meta("dw_tx_type") }:${! meta("dw_src_id") }`).
				Optional(),
			service.NewInterpolatedStringField(sqsoFieldMessageDeduplicationID).
				Description("Deduplication id for FIFO queues. Leave unset to rely on content-based deduplication.").
				Example(`${! meta("dw_src_id") }-${! meta("dw_hash") }`).
				Optional(),
			service.NewIntField(sqsoFieldDelaySeconds).
				Description("Delivery delay per message, 0-900 seconds. Not supported by FIFO queues.").
				Default(0).
				Advanced(),
			service.NewMetadataFilterField(sqsoFieldMetadata).
				Description("Which metadata keys become message attributes. Empty sends none."),
			service.NewBatchPolicyField(sqsoFieldBatching),
			service.NewOutputMaxInFlightField().Default(1).
				Description("Maximum number of batches in flight. Keep 1 to preserve order per message group."),
			service.NewIntField(sqsoFieldMaxRetries).
				Description("How often failed entries of a batch call are retried before their messages are nacked.").
				Default(3).
				Advanced(),
		).
		LintRule(sqsoLintRule()).
		Example("Source stream", "Publish canonical entities to a FIFO backbone queue.", `
output:
  aws_sqs:
    url: https://sqs.eu-central-1.amazonaws.com/123456789012/datawald-entities.fifo
    region: eu-central-1
    message_group_id: ${! meta("dw_tx_type") }:${! meta("dw_src_id") }
    message_deduplication_id: ${! meta("dw_src_id") }-${! meta("dw_hash") }
    metadata:
      include_prefixes: [ "dw_" ]
    max_in_flight: 1
    batching:
      count: 10
      period: 100ms
`)
}

func sqsoLintRule() string {
	return awsconf.LintRule(
		`if this.url.or("").has_suffix(".fifo") && this.message_group_id.or("") == "" { "message_group_id is required for FIFO queues (url ends in .fifo)" } else { null }`,
		`if this.url.or("").has_suffix(".fifo") && this.delay_seconds.or(0) != 0 { "delay_seconds is not supported by FIFO queues" } else { null }`,
		`if this.delay_seconds.or(0) < 0 || this.delay_seconds.or(0) > 900 { "delay_seconds must be between 0 and 900" } else { null }`,
	)
}

func init() {
	service.MustRegisterBatchOutput("aws_sqs", sqsOutputSpec(), func(conf *service.ParsedConfig, mgr *service.Resources) (service.BatchOutput, service.BatchPolicy, int, error) {
		var pol service.BatchPolicy
		c, err := sqsOutputConfigFromParsed(conf)
		if err != nil {
			return nil, pol, 0, err
		}
		if pol, err = conf.FieldBatchPolicy(sqsoFieldBatching); err != nil {
			return nil, pol, 0, err
		}
		mif, err := conf.FieldMaxInFlight()
		if err != nil {
			return nil, pol, 0, err
		}
		return newSQSWriter(c, mgr.Logger()), pol, mif, nil
	})
}

// SQSLimitError reports a message that breaks an SQS limit.
type SQSLimitError struct {
	Limit string // which limit, with its value
	Got   int
}

func (e *SQSLimitError) Error() string {
	return fmt.Sprintf("message exceeds the SQS limit of %s (has %d)", e.Limit, e.Got)
}

type sqsSendAPI interface {
	GetQueueAttributes(context.Context, *sqs.GetQueueAttributesInput, ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
	SendMessageBatch(context.Context, *sqs.SendMessageBatchInput, ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// sqsWriter sends batches through SendMessageBatch.
type sqsWriter struct {
	conf    sqsOutputConfig
	log     *service.Logger
	backoff time.Duration

	mu     sync.RWMutex
	client sqsSendAPI
}

func newSQSWriter(conf sqsOutputConfig, log *service.Logger) *sqsWriter {
	return &sqsWriter{conf: conf, log: log, backoff: 200 * time.Millisecond}
}

// Connect builds the client and checks that the queue exists and answers.
func (w *sqsWriter) Connect(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.client != nil {
		return nil
	}
	client, err := w.conf.session.OpenSQSQueue(ctx, w.conf.url, types.QueueAttributeNameQueueArn)
	if err != nil {
		return err
	}
	w.client = client
	return nil
}

// WriteBatch sends batch in calls of at most ten entries and 256 KiB and
// returns a service.BatchError naming every message that was not accepted.
func (w *sqsWriter) WriteBatch(ctx context.Context, batch service.MessageBatch) error {
	w.mu.RLock()
	client := w.client
	w.mu.RUnlock()
	if client == nil {
		return service.ErrNotConnected
	}
	var batchErr *service.BatchError
	fail := func(i int, err error) {
		if batchErr == nil {
			batchErr = service.NewBatchError(batch, fmt.Errorf("sending to sqs queue %s: %w", w.conf.url, err))
		}
		batchErr.Failed(i, err)
	}

	var (
		call      []sqsEntry
		callBytes int
	)
	flush := func() {
		for i, err := range w.sendWithRetries(ctx, client, call) {
			fail(i, err)
		}
		call, callBytes = nil, 0
	}
	var groupEx, dedupEx *service.MessageBatchInterpolationExecutor
	if w.conf.groupID != nil {
		groupEx = batch.InterpolationExecutor(w.conf.groupID)
	}
	if w.conf.dedupID != nil {
		dedupEx = batch.InterpolationExecutor(w.conf.dedupID)
	}
	for i := range batch {
		e, err := w.entry(batch, groupEx, dedupEx, i)
		if err != nil {
			fail(i, err)
			continue
		}
		if len(call) == sqsMaxBatchEntries || callBytes+e.size > sqsMaxBytes {
			flush()
		}
		call = append(call, e)
		callBytes += e.size
	}
	if len(call) > 0 {
		flush()
	}
	if batchErr != nil {
		return batchErr
	}
	return nil
}

// sqsEntry is one message of a SendMessageBatch call with its batch index.
type sqsEntry struct {
	index int
	size  int
	req   types.SendMessageBatchRequestEntry
}

// entry builds the request entry of batch[i]; groupEx and dedupEx (nil when
// unset) evaluate the interpolated ids once per batch.
func (w *sqsWriter) entry(batch service.MessageBatch, groupEx, dedupEx *service.MessageBatchInterpolationExecutor, i int) (sqsEntry, error) {
	body, err := batch[i].AsBytes()
	if err != nil {
		return sqsEntry{}, fmt.Errorf("reading message body: %w", err)
	}
	e := sqsEntry{index: i, size: len(body)}
	e.req.MessageBody = aws.String(string(body))
	if w.conf.delay > 0 {
		e.req.DelaySeconds = int32(w.conf.delay)
	}
	if groupEx != nil {
		g, err := groupEx.TryString(i)
		if err != nil {
			return sqsEntry{}, fmt.Errorf("interpolating message_group_id: %w", err)
		}
		if g == "" {
			return sqsEntry{}, fmt.Errorf("message_group_id interpolated to an empty string")
		}
		e.req.MessageGroupId = aws.String(g)
	}
	if dedupEx != nil {
		d, err := dedupEx.TryString(i)
		if err != nil {
			return sqsEntry{}, fmt.Errorf("interpolating message_deduplication_id: %w", err)
		}
		e.req.MessageDeduplicationId = aws.String(d)
	}
	attrs := map[string]types.MessageAttributeValue{}
	_ = w.conf.metadata.Walk(batch[i], func(k, v string) error {
		if v == "" {
			return nil
		}
		attrs[k] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
		e.size += len(k) + len("String") + len(v)
		return nil
	})
	if len(attrs) > sqsMaxAttributes {
		return sqsEntry{}, &SQSLimitError{Limit: fmt.Sprintf("%d message attributes", sqsMaxAttributes), Got: len(attrs)}
	}
	if len(attrs) > 0 {
		e.req.MessageAttributes = attrs
	}
	if e.size > sqsMaxBytes {
		return sqsEntry{}, &SQSLimitError{Limit: fmt.Sprintf("%d bytes (256 KiB) per message", sqsMaxBytes), Got: e.size}
	}
	return e, nil
}

// sendWithRetries sends one call and retries only its failed entries. It
// returns the final error of every entry that was not accepted, keyed by
// batch index.
func (w *sqsWriter) sendWithRetries(ctx context.Context, client sqsSendAPI, entries []sqsEntry) map[int]error {
	failed := map[int]error{}
	for attempt := 0; len(entries) > 0; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				for _, e := range entries {
					failed[e.index] = ctx.Err()
				}
				return failed
			case <-time.After(w.backoff << (attempt - 1)):
			}
		}
		reqs := make([]types.SendMessageBatchRequestEntry, len(entries))
		for j, e := range entries {
			reqs[j] = e.req
			reqs[j].Id = aws.String(strconv.Itoa(j))
		}
		out, err := client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(w.conf.url), Entries: reqs})
		var retry []sqsEntry
		switch {
		case err != nil:
			for _, e := range entries {
				failed[e.index] = err
			}
			retry = entries
		default:
			for _, f := range out.Failed {
				j, cerr := strconv.Atoi(aws.ToString(f.Id))
				if cerr != nil || j < 0 || j >= len(entries) {
					continue
				}
				e := entries[j]
				failed[e.index] = awsconf.SQSEntryError(f)
				if !f.SenderFault {
					retry = append(retry, e)
				}
			}
			if len(out.Successful)+len(out.Failed) != len(entries) {
				// Defensive: an entry neither accepted nor rejected is not delivered.
				seen := map[string]bool{}
				for _, s := range out.Successful {
					seen[aws.ToString(s.Id)] = true
				}
				for _, f := range out.Failed {
					seen[aws.ToString(f.Id)] = true
				}
				for j, e := range entries {
					if !seen[strconv.Itoa(j)] {
						failed[e.index] = fmt.Errorf("entry %d missing from the SendMessageBatch response", j)
						retry = append(retry, e)
					}
				}
			}
			for _, s := range out.Successful {
				if j, cerr := strconv.Atoi(aws.ToString(s.Id)); cerr == nil && j >= 0 && j < len(entries) {
					delete(failed, entries[j].index)
				}
			}
		}
		if attempt >= w.conf.maxRetries || len(retry) == 0 {
			return failed
		}
		w.log.Warnf("Retrying %d of %d sqs entries after a partial failure", len(retry), len(entries))
		entries = retry
	}
	return failed
}

// Close releases the client.
func (w *sqsWriter) Close(context.Context) error {
	w.mu.Lock()
	w.client = nil
	w.mu.Unlock()
	return nil
}
