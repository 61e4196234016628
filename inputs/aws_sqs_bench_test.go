package inputs_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sqsemu"
)

// BenchmarkSQSInputReceiveAndDelete consumes b.N messages and reports the
// ReceiveMessage and DeleteMessageBatch calls per message: acks are
// batched, so deletes cost about a tenth of a call per message. Run with:
//
//	go test ./inputs/ -run XXX -bench SQSInputReceiveAndDelete -benchtime 2000x
func BenchmarkSQSInputReceiveAndDelete(b *testing.B) {
	emu := sqsemu.Start(b)
	url := emu.CreateQueue(b, fmt.Sprintf("bench-in-%d", b.N), nil)
	ctx := context.Background()
	client := emu.Client()
	for i := 0; i < b.N; i += 10 {
		var entries []types.SendMessageBatchRequestEntry
		for j := i; j < min(i+10, b.N); j++ {
			entries = append(entries, types.SendMessageBatchRequestEntry{
				Id: aws.String(fmt.Sprint(j)), MessageBody: aws.String(strings.Repeat("x", 200)),
			})
		}
		_, err := client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
		require.NoError(b, err)
	}

	viaProxy, calls := emu.CountingProxy(b)
	var got atomic.Int64
	done := make(chan struct{})
	sb := service.NewStreamBuilder()
	require.NoError(b, sb.SetLoggerYAML("level: none"))
	require.NoError(b, sb.AddInputYAML(sqsInputYAML(viaProxy, url, "")))
	require.NoError(b, sb.AddConsumerFunc(func(context.Context, *service.Message) error {
		if got.Add(1) == int64(b.N) {
			close(done)
		}
		return nil
	}))
	s, err := sb.Build()
	require.NoError(b, err)
	b.ResetTimer()
	start := time.Now()
	stop := runStream(b, s)
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("only %d of %d messages arrived", got.Load(), b.N)
	}
	elapsed := time.Since(start)
	stop() // flushes the last deletions
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msg/s")
	b.ReportMetric(float64(calls.Count("ReceiveMessage"))/float64(b.N), "receives/msg")
	b.ReportMetric(float64(calls.Count("DeleteMessageBatch"))/float64(b.N), "deletes/msg")
	queueEmpty(b, emu, url)
}

// queueEmpty fails unless every message was deleted.
func queueEmpty(b testing.TB, emu *sqsemu.Emulator, url string) {
	out, err := emu.Client().GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{
			types.QueueAttributeNameApproximateNumberOfMessages,
			types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		},
	})
	require.NoError(b, err)
	require.Equal(b, "0", out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessages)])
	require.Equal(b, "0", out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessagesNotVisible)])
}
