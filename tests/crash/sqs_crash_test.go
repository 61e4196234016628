package crash

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sqsemu"
)

func queueCounts(t *testing.T, emu *sqsemu.Emulator, url string) (visible, inFlight int) {
	t.Helper()
	out, err := emu.Client().GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{
			types.QueueAttributeNameApproximateNumberOfMessages,
			types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		},
	})
	require.NoError(t, err)
	visible, _ = strconv.Atoi(out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessages)])
	inFlight, _ = strconv.Atoi(out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessagesNotVisible)])
	return visible, inFlight
}

func TestSQSSIGKILLMidProcessingLeavesTheMessageToBeRedeliveredAfterItsVisibilityTimeout(t *testing.T) {
	datawaldBinary(t)
	emu := sqsemu.Start(t)
	url := emu.CreateQueue(t, "crash", nil)
	_, err := emu.Client().SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("victim")})
	require.NoError(t, err)

	dir := t.TempDir()
	p := startDatawald(t, dir, fmt.Sprintf(`
input:
  aws_sqs:
    url: %s
%s    wait_time_seconds: 1
    visibility_timeout: 2s
pipeline:
  processors:
    - sleep:
        duration: 1h
output:
  drop: {}
logger:
  level: warn
http:
  enabled: false
`, url, emu.YAML("    ")))

	p.waitFor(t, 30*time.Second, "the message to be received", func() bool {
		_, inFlight := queueCounts(t, emu, url)
		return inFlight == 1
	})
	// Twice the visibility timeout passes while datawald "processes" the
	// message; extension keeps it from every other consumer.
	deadline := time.Now().Add(4 * time.Second)
	for time.Now().Before(deadline) {
		out, err := emu.Client().ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 0})
		require.NoError(t, err)
		require.Empty(t, out.Messages, "a message in processing reached a second consumer")
		time.Sleep(200 * time.Millisecond)
	}

	p.kill()
	killedAt := time.Now()
	var got *types.Message
	for got == nil && time.Since(killedAt) < 15*time.Second {
		out, err := emu.Client().ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(url), WaitTimeSeconds: 1,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount},
		})
		require.NoError(t, err)
		if len(out.Messages) > 0 {
			got = &out.Messages[0]
		}
	}
	require.NotNil(t, got, "the killed consumer's message was never redelivered (deleted without being processed?)")
	assert.Equal(t, "victim", aws.ToString(got.Body))
	assert.LessOrEqual(t, time.Since(killedAt), 5*time.Second, "redelivered within about one visibility timeout")
	count, _ := strconv.Atoi(got.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)])
	assert.GreaterOrEqual(t, count, 2)
}
