package outputs

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
)

func TestKafkaOutputNacksOnlyTheMessagesTheBrokerDidNotAcknowledge(t *testing.T) {
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.SeedTopics(2, "known"),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) { return net.Listen(network, "127.0.0.1:0") }),
	)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	parsed, err := kafkaOutputSpec().ParseYAML(fmt.Sprintf(`
seed_brokers: [ %q ]
topic: ${! meta("topic") }
key: ${! meta("k") }
timeout: 1s
`, c.ListenAddrs()[0]), nil)
	require.NoError(t, err)
	conf, err := kafkaOutputConfigFromParsed(parsed)
	require.NoError(t, err)
	w := newKafkaWriter(conf)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, w.Connect(ctx))
	defer func() { _ = w.Close(ctx) }()

	var batch service.MessageBatch
	for i, topic := range []string{"known", "unknown", "known", "unknown", "known"} {
		m := service.NewMessage([]byte("v"))
		m.MetaSetMut("topic", topic)
		m.MetaSetMut("k", fmt.Sprintf("%s-%d", topic, i))
		batch = append(batch, m)
	}
	err = w.WriteBatch(ctx, batch)
	var be *service.BatchError
	require.ErrorAs(t, err, &be)
	failed := map[int]string{}
	be.WalkMessages(func(i int, _ *service.Message, err error) bool {
		if err != nil {
			failed[i] = err.Error()
		}
		return true
	})
	require.Len(t, failed, 2)
	assert.Contains(t, failed[1], `key "unknown-1" to unknown`)
	assert.Contains(t, failed[3], `key "unknown-3" to unknown`)
}
