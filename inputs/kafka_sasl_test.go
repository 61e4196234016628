package inputs_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
)

func startSASLKafka(t *testing.T, mechanism, user, pass string) string {
	t.Helper()
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.SeedTopics(2, "secure"),
		kfake.EnableSASL(),
		kfake.Superuser(mechanism, user, pass),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) { return net.Listen(network, "127.0.0.1:0") }),
	)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c.ListenAddrs()[0]
}

func saslYAML(mechanism, user, pass string) string {
	return fmt.Sprintf("  sasl:\n    mechanism: %s\n    user: %s\n    password: %s\n", mechanism, user, pass)
}

func TestKafkaRoundTripAuthenticatesWithEverySASLMechanism(t *testing.T) {
	for _, mech := range []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"} {
		t.Run(mech, func(t *testing.T) {
			broker := startSASLKafka(t, mech, "datawald", "s3cret")
			out := service.NewStreamBuilder()
			quietLogger(t, out)
			require.NoError(t, out.AddOutputYAML(fmt.Sprintf("kafka:\n  seed_brokers: [ %q ]\n  topic: secure\n%s", broker, saslYAML(mech, "datawald", "s3cret"))))
			send, err := out.AddProducerFunc()
			require.NoError(t, err)
			os, err := out.Build()
			require.NoError(t, err)
			runStream(t, os)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			for i := range 5 {
				require.NoError(t, send(ctx, service.NewMessage(fmt.Appendf(nil, "m%d", i))))
			}

			var got atomic.Int32
			in := service.NewStreamBuilder()
			quietLogger(t, in)
			require.NoError(t, in.AddInputYAML(kafkaInputYAML(broker, "secure", "secure-group", saslYAML(mech, "datawald", "s3cret"))))
			require.NoError(t, in.AddConsumerFunc(func(context.Context, *service.Message) error { got.Add(1); return nil }))
			is, err := in.Build()
			require.NoError(t, err)
			runStream(t, is)
			require.Eventually(t, func() bool { return got.Load() == 5 }, 20*time.Second, 10*time.Millisecond)
		})
	}
}

func TestKafkaInputWithAWrongPasswordFailsToConnectWithoutLeakingIt(t *testing.T) {
	broker := startSASLKafka(t, "SCRAM-SHA-256", "datawald", "right-password")
	var logs strings.Builder
	var mu sync.Mutex
	b := service.NewStreamBuilder()
	b.SetLogger(slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug})))
	require.NoError(t, b.AddInputYAML(kafkaInputYAML(broker, "secure", "g", saslYAML("SCRAM-SHA-256", "datawald", "wrong-password"))))
	require.NoError(t, b.AddConsumerFunc(func(context.Context, *service.Message) error { return nil }))
	s, err := b.Build()
	require.NoError(t, err)
	stop := runStream(t, s)
	time.Sleep(3 * time.Second)
	stop()
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	assert.Contains(t, out, "Failed to connect to kafka")
	assert.Contains(t, out, "reaching kafka seed brokers "+broker)
	assert.NotContains(t, out, "wrong-password")
}
