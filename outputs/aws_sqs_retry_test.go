package outputs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flakySQS fails chosen bodies a set number of times, answering like SQS
// does for a partially failed SendMessageBatch.
type flakySQS struct {
	sqsSendAPI
	failures    map[string]int  // body → remaining failures
	senderFault map[string]bool // body → failure is the sender's
	calls       [][]string
}

func (f *flakySQS) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	var bodies []string
	out := &sqs.SendMessageBatchOutput{}
	for _, e := range in.Entries {
		body := aws.ToString(e.MessageBody)
		bodies = append(bodies, body)
		if f.failures[body] > 0 {
			f.failures[body]--
			out.Failed = append(out.Failed, types.BatchResultErrorEntry{
				Id: e.Id, Code: aws.String("InternalError"), Message: aws.String("try again"), SenderFault: f.senderFault[body],
			})
			continue
		}
		out.Successful = append(out.Successful, types.SendMessageBatchResultEntry{Id: e.Id, MessageId: aws.String("m-" + body)})
	}
	f.calls = append(f.calls, bodies)
	return out, nil
}

func writerWith(t *testing.T, api sqsSendAPI) *sqsWriter {
	t.Helper()
	w := newSQSWriter(sqsOutputConfig{url: "http://q", maxRetries: 3, metadata: nil}, service.MockResources().Logger())
	w.backoff = 0
	w.client = api
	return w
}

func batchOf(n int) service.MessageBatch {
	var b service.MessageBatch
	for i := range n {
		b = append(b, service.NewMessage([]byte(strconv.Itoa(i))))
	}
	return b
}

func TestSQSWriterRetriesOnlyTheFailedEntriesOfAPartialBatch(t *testing.T) {
	api := &flakySQS{failures: map[string]int{"2": 1, "5": 2}}
	w := writerWith(t, api)
	require.NoError(t, w.WriteBatch(context.Background(), batchOf(8)))
	require.Len(t, api.calls, 3)
	assert.Len(t, api.calls[0], 8)
	assert.ElementsMatch(t, []string{"2", "5"}, api.calls[1])
	assert.Equal(t, []string{"5"}, api.calls[2])
}

func TestSQSWriterNacksOnlyMessagesThatStillFailAfterMaxRetries(t *testing.T) {
	api := &flakySQS{failures: map[string]int{"1": 100, "3": 1}}
	w := writerWith(t, api)
	err := w.WriteBatch(context.Background(), batchOf(4))
	var be *service.BatchError
	require.True(t, errors.As(err, &be), "got %v", err)
	assert.Equal(t, 1, be.IndexedErrors())
	be.WalkMessages(func(i int, _ *service.Message, err error) bool {
		if err != nil {
			assert.Equal(t, 1, i)
			assert.ErrorContains(t, err, "InternalError: try again")
		}
		return true
	})
	assert.Len(t, api.calls, 4, "one call plus max_retries retries")
}

func TestSQSWriterDoesNotRetrySenderFaults(t *testing.T) {
	api := &flakySQS{failures: map[string]int{"0": 1}, senderFault: map[string]bool{"0": true}}
	w := writerWith(t, api)
	err := w.WriteBatch(context.Background(), batchOf(2))
	var be *service.BatchError
	require.True(t, errors.As(err, &be))
	assert.Equal(t, 1, be.IndexedErrors())
	assert.Len(t, api.calls, 1)
}

func TestSQSWriterSendsAtMostTenEntriesPerCall(t *testing.T) {
	api := &flakySQS{}
	w := writerWith(t, api)
	require.NoError(t, w.WriteBatch(context.Background(), batchOf(25)))
	var sizes []int
	for _, c := range api.calls {
		sizes = append(sizes, len(c))
	}
	assert.Equal(t, []int{10, 10, 5}, sizes, fmt.Sprint(api.calls))
}

func TestSQSWriterNacksOnlyTheOversizeMessageOfABatch(t *testing.T) {
	api := &flakySQS{}
	w := writerWith(t, api)
	batch := batchOf(3)
	batch[1] = service.NewMessage(make([]byte, sqsMaxBytes+1))
	err := w.WriteBatch(context.Background(), batch)
	var be *service.BatchError
	require.True(t, errors.As(err, &be), "got %v", err)
	assert.Equal(t, 1, be.IndexedErrors())
	assert.ErrorContains(t, err, "exceeds the SQS limit of 262144 bytes (256 KiB) per message")
	require.Len(t, api.calls, 1)
	assert.Equal(t, []string{"0", "2"}, api.calls[0])
}
