package inputs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sqsemu"
)

func sqsInputYAML(emu *sqsemu.Emulator, url, extra string) string {
	return fmt.Sprintf("aws_sqs:\n  url: %s\n%s  wait_time_seconds: 1\n%s", url, emu.YAML("  "), extra)
}

func sendRaw(t testing.TB, emu *sqsemu.Emulator, url string, bodies ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, b := range bodies {
		_, err := emu.Client().SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(b)})
		require.NoError(t, err)
	}
}

// receiveRaw polls the queue directly for d and returns the bodies seen.
func receiveRaw(t testing.TB, emu *sqsemu.Emulator, url string, d, visibility time.Duration) []string {
	t.Helper()
	var got []string
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		// Never poll past the window: a long poll that ends after it could
		// see a message whose visibility lapsed after the window.
		wait := int32(1)
		if time.Until(end) < 1500*time.Millisecond {
			wait = 0
			time.Sleep(100 * time.Millisecond)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		out, err := emu.Client().ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: wait,
			VisibilityTimeout: int32(visibility / time.Second),
		})
		cancel()
		require.NoError(t, err)
		for _, m := range out.Messages {
			got = append(got, aws.ToString(m.Body))
		}
	}
	return got
}

func TestSQSRoundTripOf10000MessagesKeepsAttributesAndPerGroupOrder(t *testing.T) {
	const n, entities = 10000, 100
	emu := sqsemu.Start(t)
	if emu.Kind == "moto" {
		t.Skip("moto_server moves about 90 messages/s, too slow for 10,000; this round trip runs on fauxqs (npm ci --prefix tools/sqs-emulator)")
	}
	url := emu.CreateQueue(t, "rt.fifo", nil)

	prod := service.NewStreamBuilder()
	quietLogger(t, prod)
	require.NoError(t, prod.SetYAML(fmt.Sprintf(`
input:
  generate:
    count: %[4]d
    interval: ""
    mapping: |
      let n = count("%[6]s") - 1
      let entity = $n %% %[5]d
      root = { "seq": $n, "entity": $entity }
      meta dw_tx_type = "order"
      meta dw_src_id = $entity.string()
      meta dw_source = "magento"
      meta dw_hash = ($n * 7919).string()
      meta not_sent = "x"
output:
  aws_sqs:
    url: %[1]s
%[2]s    message_group_id: ${! meta("dw_tx_type") }:${! meta("dw_src_id") }
    message_deduplication_id: ${! meta("dw_src_id") }-${! meta("dw_hash") }
    metadata:
      include_prefixes: [ "dw_" ]
    max_in_flight: %[3]d
    batching:
      count: 10
      period: 50ms
`, url, emu.YAML("    "), 1, n, entities, uniqueCounter("sqs-rt"))))
	ps, err := prod.Build()
	require.NoError(t, err)
	pctx, pcancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer pcancel()
	require.NoError(t, ps.Run(pctx))

	b := service.NewStreamBuilder()
	quietLogger(t, b)
	require.NoError(t, b.AddInputYAML(sqsInputYAML(emu, url, "")))
	var (
		mu      sync.Mutex
		seen    = make([]bool, n)
		count   int
		lastSeq = map[string]int{}
		fail    error
		done    = make(chan struct{})
	)
	require.NoError(t, b.AddConsumerFunc(func(_ context.Context, m *service.Message) error {
		var body struct{ Seq, Entity int }
		raw, _ := m.AsBytes()
		if err := json.Unmarshal(raw, &body); err != nil {
			return err
		}
		group, _ := m.MetaGet("sqs_message_group_id")
		src, _ := m.MetaGet("dw_src_id")
		hash, _ := m.MetaGet("dw_hash")
		source, _ := m.MetaGet("dw_source")
		_, leaked := m.MetaGet("not_sent")
		mu.Lock()
		defer mu.Unlock()
		check := func(ok bool, format string, args ...any) {
			if !ok && fail == nil {
				fail = fmt.Errorf(format, args...)
			}
		}
		check(group == fmt.Sprintf("order:%d", body.Entity), "message %d has group %q", body.Seq, group)
		check(src == strconv.Itoa(body.Entity) && source == "magento" && hash == strconv.Itoa(body.Seq*7919),
			"message %d has attributes src=%q source=%q hash=%q", body.Seq, src, source, hash)
		check(!leaked, "metadata outside the filter was sent")
		if prev, ok := lastSeq[group]; ok {
			check(body.Seq > prev, "group %s: %d after %d", group, body.Seq, prev)
		}
		lastSeq[group] = body.Seq
		if !seen[body.Seq] {
			seen[body.Seq] = true
			count++
			if count == n {
				close(done)
			}
		}
		return nil
	}))
	s, err := b.Build()
	require.NoError(t, err)
	runStream(t, s)
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
	}
	mu.Lock()
	defer mu.Unlock()
	require.NoError(t, fail)
	require.Equal(t, n, count, "every message must arrive")
	assert.Len(t, lastSeq, entities)
}

func TestSQSInputExtendsVisibilitySoASecondConsumerNeverSeesAnInFlightMessage(t *testing.T) {
	emu := sqsemu.Start(t)
	url := emu.CreateQueue(t, "extend", nil)

	// Control: the emulator redelivers a message whose 2s visibility lapses.
	sendRaw(t, emu, url, "control")
	require.Equal(t, []string{"control"}, receiveRaw(t, emu, url, 1500*time.Millisecond, 2*time.Second))
	require.Contains(t, receiveRaw(t, emu, url, 4*time.Second, 30*time.Second), "control",
		"the emulator must honour visibility timeouts for this test to mean anything")

	sendRaw(t, emu, url, "slow")
	processing := make(chan struct{})
	release := make(chan struct{})
	var acked atomic.Bool
	b := service.NewStreamBuilder()
	quietLogger(t, b)
	require.NoError(t, b.AddInputYAML(sqsInputYAML(emu, url, "  visibility_timeout: 2s\n")))
	require.NoError(t, b.AddConsumerFunc(func(ctx context.Context, m *service.Message) error {
		close(processing)
		select {
		case <-release:
		case <-ctx.Done():
			return ctx.Err()
		}
		acked.Store(true)
		return nil
	}))
	s, err := b.Build()
	require.NoError(t, err)
	stop := runStream(t, s)
	select {
	case <-processing:
	case <-time.After(20 * time.Second):
		t.Fatal("the input never delivered the message")
	}
	// Three visibility timeouts pass while the message is processed.
	assert.Empty(t, receiveRaw(t, emu, url, 6*time.Second, 30*time.Second),
		"a message still being processed must not reach a second consumer")
	close(release)
	require.Eventually(t, acked.Load, 5*time.Second, 10*time.Millisecond)
	stop()
	assert.Empty(t, receiveRaw(t, emu, url, 4*time.Second, 30*time.Second), "an acked message is deleted")
}

func TestSQSInputNackMakesTheMessageVisibleAgainAtOnce(t *testing.T) {
	emu := sqsemu.Start(t)
	url := emu.CreateQueue(t, "nack", nil)
	sendRaw(t, emu, url, "retry-me")

	var attempts atomic.Int32
	var lastCount atomic.Value
	delivered := make(chan time.Time, 4)
	b := service.NewStreamBuilder()
	quietLogger(t, b)
	require.NoError(t, b.AddInputYAML(sqsInputYAML(emu, url, "  visibility_timeout: 60s\n")))
	require.NoError(t, b.AddConsumerFunc(func(_ context.Context, m *service.Message) error {
		c, _ := m.MetaGet("sqs_approximate_receive_count")
		lastCount.Store(c)
		delivered <- time.Now()
		if attempts.Add(1) == 1 {
			return errors.New("target rejected it")
		}
		return nil
	}))
	s, err := b.Build()
	require.NoError(t, err)
	runStream(t, s)
	first := <-delivered
	select {
	case second := <-delivered:
		assert.Less(t, second.Sub(first), 20*time.Second, "redelivery must not wait for the 60s visibility timeout")
	case <-time.After(30 * time.Second):
		t.Fatal("a nacked message was not redelivered")
	}
	assert.Equal(t, "2", lastCount.Load())
}

func TestSQSInputConnectFailsWithBackoffWhenTheQueueIsMissing(t *testing.T) {
	emu := sqsemu.Start(t)
	missing := strings.Replace(emu.CreateQueue(t, "exists", nil), "exists", "missing", 1)

	var logs strings.Builder
	var logMu sync.Mutex
	b := service.NewStreamBuilder()
	b.SetLogger(slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, &slog.HandlerOptions{Level: slog.LevelError})))
	require.NoError(t, b.AddInputYAML(sqsInputYAML(emu, missing, "")))
	require.NoError(t, b.AddConsumerFunc(func(context.Context, *service.Message) error { return nil }))
	s, err := b.Build()
	require.NoError(t, err)
	stop := runStream(t, s)
	time.Sleep(5 * time.Second)
	stop()
	logMu.Lock()
	out := logs.String()
	logMu.Unlock()
	attempts := strings.Count(out, "connecting to sqs queue "+missing)
	t.Logf("%d Connect attempts in 5s", attempts)
	assert.GreaterOrEqual(t, attempts, 2, "Connect must be retried: %s", out)
	assert.LessOrEqual(t, attempts, 15, "Connect retries must back off")
}
