package outputs_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sqsemu"
)

func TestSQSOutputLintRejectsAFIFOQueueWithoutMessageGroupID(t *testing.T) {
	err := service.NewEnvironment().NewStreamBuilder().SetYAML(`
input:
  generate: { mapping: "root = {}" }
output:
  aws_sqs:
    url: https://sqs.eu-central-1.amazonaws.com/123456789012/entities.fifo
`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "message_group_id is required for FIFO queues")
}

func TestSQSOutputLintAcceptsAFIFOQueueWithMessageGroupID(t *testing.T) {
	require.NoError(t, service.NewEnvironment().NewStreamBuilder().SetYAML(`
input:
  generate: { mapping: "root = {}" }
output:
  aws_sqs:
    url: https://sqs.eu-central-1.amazonaws.com/123456789012/entities.fifo
    message_group_id: ${! meta("dw_tx_type") }
`))
}

func TestSQSOutputLintRejectsDelayOnFIFOAndHalfStaticCredentials(t *testing.T) {
	err := service.NewEnvironment().NewStreamBuilder().SetYAML(`
input:
  generate: { mapping: "root = {}" }
output:
  aws_sqs:
    url: https://sqs.eu-central-1.amazonaws.com/123456789012/entities.fifo
    message_group_id: g
    delay_seconds: 5
    credentials:
      id: AKIA
`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "delay_seconds is not supported by FIFO queues")
	assert.Contains(t, err.Error(), "credentials.id and credentials.secret must be set together")
}

func sqsOutputYAML(emu *sqsemu.Emulator, url, extra string) string {
	return fmt.Sprintf("aws_sqs:\n  url: %s\n%s%s", url, emu.YAML("  "), extra)
}

func queueBodies(t testing.TB, emu *sqsemu.Emulator, url string, want int) []string {
	t.Helper()
	var got []string
	deadline := time.Now().Add(15 * time.Second)
	for len(got) < want && time.Now().Before(deadline) {
		out, err := emu.Client().ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60,
		})
		require.NoError(t, err)
		for _, m := range out.Messages {
			got = append(got, aws.ToString(m.Body))
		}
	}
	return got
}

func TestSQSOutputRejectsAnOversizeMessageNamingTheLimitAndSendsTheRest(t *testing.T) {
	emu := sqsemu.Start(t)
	url := emu.CreateQueue(t, "big", nil)
	err := produce(t, sqsOutputYAML(emu, url, ""), service.MessageBatch{
		service.NewMessage([]byte("small-1")),
		service.NewMessage([]byte(strings.Repeat("x", 300*1024))),
		service.NewMessage([]byte("small-2")),
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "262144 bytes (256 KiB) per message")
	// The other messages of the batch were delivered.
	assert.ElementsMatch(t, []string{"small-1", "small-2"}, queueBodies(t, emu, url, 2))
}

func TestSQSOutputSplitsABatchIntoCallsWithinTheSizeLimit(t *testing.T) {
	emu := sqsemu.Start(t)
	url := emu.CreateQueue(t, "split", nil)
	var batch service.MessageBatch
	for i := range 6 {
		// 6 × 100 KiB must go out in at least three calls of ≤256 KiB.
		batch = append(batch, service.NewMessage([]byte(fmt.Sprintf("%d-%s", i, strings.Repeat("y", 100*1024)))))
	}
	require.NoError(t, produce(t, sqsOutputYAML(emu, url, ""), batch))
	assert.Len(t, queueBodies(t, emu, url, 6), 6)
}
