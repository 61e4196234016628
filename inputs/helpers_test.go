package inputs

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/checkpoint"
	"github.com/datawald/datawald/internal/magento/magentotest"
	"github.com/datawald/datawald/internal/synctask"
)

// testClock is a settable clock shared by a vendor simulator and the input
// under test, so modification times and the input's windows agree.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// setClock makes a polling input pace its cycles by now.
func (t *pollTimer) setClock(now func() time.Time) { t.now = now }

// connectPolling builds a polling input of cfg with build, keeping its
// position under key in the checkpoint cache "checkpoints" of res and
// pacing its cycles by now, and connects it.
func connectPolling[C any, I interface {
	service.Input
	setClock(func() time.Time)
}](t testing.TB, build func(C, *checkpoint.Store, *service.Resources) (I, error), cfg C, res *service.Resources, key string, now func() time.Time) I {
	t.Helper()
	in, err := build(cfg, checkpoint.NewStore(res, "checkpoints", key), res)
	require.NoError(t, err)
	in.setClock(now)
	require.NoError(t, in.Connect(t.Context()))
	return in
}

// readMsg is one message read from a polling input, with its ack.
type readMsg struct {
	msg *service.Message
	ack service.AckFunc
}

// readCycle reads from a polling input until its current poll cycle is
// over (the input would wait for the next one). A cycle that never ends
// fails the test instead of hanging it.
func readCycle(t testing.TB, in interface {
	service.Input
	cycleOpen() bool
}) []readMsg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out []readMsg
	for {
		msg, ack, err := in.Read(ctx)
		require.NoError(t, err)
		out = append(out, readMsg{msg, ack})
		if !in.cycleOpen() {
			return out
		}
	}
}

// metaOf returns metadata key of m, failing the test when it is not set.
func metaOf(t testing.TB, m *service.Message, key string) string {
	t.Helper()
	v, ok := m.MetaGet(key)
	require.True(t, ok, "metadata %s is set", key)
	return v
}

// magentoInputYAML is a magento input config on sb with its OAuth 1.0a
// credentials, followed by fields (YAML lines indented by two spaces).
func magentoInputYAML(sb *magentotest.Sandbox, fields string) string {
	creds := sb.Vendor.Credentials()
	return fmt.Sprintf(`magento:
  base_url: %s
  auth:
    mode: oauth1
    consumer_key: %s
    consumer_secret: %s
    access_token: %s
    access_token_secret: %s
%s`, sb.URL, creds["consumer_key"], creds["consumer_secret"], creds["access_token"], creds["access_token_secret"], fields)
}

// recordSent is a stream consumer that records every message's entity S in
// store, as a target output would, after calling seen with its envelope.
func recordSent(store *synctask.Shared, seen func(synctask.Envelope)) func(context.Context, *service.Message) error {
	return func(ctx context.Context, m *service.Message) error {
		env, err := synctask.EnvelopeFromMessage(m)
		if err != nil {
			return err
		}
		seen(env)
		return store.RecordOutcomes(ctx, []synctask.Outcome{{Key: env.Key, TaskID: env.TaskID, Hash: env.Hash, Status: synctask.StatusSent, TgtID: env.SrcID}})
	}
}

// runStreamUntilCleanup runs s in the background until the test ends.
func runStreamUntilCleanup(t testing.TB, s *service.Stream) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}
