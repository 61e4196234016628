package checkpoint

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/redpanda-data/benthos/v4/public/components/io"
	_ "github.com/redpanda-data/benthos/v4/public/components/pure"
)

// sourceInput is a minimal incremental input over a fixed, ordered source
// of 20 entities: it reads from the committed cursor on, tracks each message
// with a Checkpointer, and ends after `limit` messages.
type sourceInput struct {
	store *Store
	limit int
	cp    *Checkpointer
	next  int
	sent  int
}

func (s *sourceInput) Connect(ctx context.Context) error {
	cp, err := NewCheckpointer(ctx, s.store)
	if err != nil {
		return err
	}
	s.cp = cp
	start := cp.Committed()
	for s.next = 0; s.next < 20 && !start.IsZero() && pos(s.next).Compare(start) <= 0; s.next++ {
	}
	return nil
}

func (s *sourceInput) Read(ctx context.Context) (*service.Message, service.AckFunc, error) {
	if s.next >= 20 || s.sent >= s.limit {
		return nil, nil, service.ErrEndOfInput
	}
	p := pos(s.next)
	s.next++
	s.sent++
	msg := service.NewMessage([]byte(p.ID))
	return msg, s.cp.Track(p), nil
}

func (s *sourceInput) Close(context.Context) error { return nil }

// sinkOutput records what it is given and fails (nacks) the ids in reject.
type sinkOutput struct {
	mu     *sync.Mutex
	got    *[]string
	reject map[string]bool
}

func (s sinkOutput) Connect(context.Context) error { return nil }
func (s sinkOutput) Close(context.Context) error   { return nil }
func (s sinkOutput) Write(_ context.Context, m *service.Message) error {
	raw, _ := m.AsBytes()
	s.mu.Lock()
	defer s.mu.Unlock()
	*s.got = append(*s.got, string(raw))
	if s.reject[string(raw)] {
		return errors.New("rejected by the test")
	}
	return nil
}

func newEnv(t *testing.T, sink sinkOutput) *service.Environment {
	env := service.NewEnvironment()
	spec := service.NewConfigSpec().Fields(Fields("test_source")...).Field(service.NewIntField("limit").Default(100))
	require.NoError(t, env.RegisterInput("checkpoint_test_source", spec, func(conf *service.ParsedConfig, res *service.Resources) (service.Input, error) {
		store, err := NewStoreFromParsed(conf, res)
		if err != nil {
			return nil, err
		}
		limit, err := conf.FieldInt("limit")
		if err != nil {
			return nil, err
		}
		return &sourceInput{store: store, limit: limit}, nil
	}))
	require.NoError(t, env.RegisterOutput("checkpoint_test_sink", service.NewConfigSpec(), func(*service.ParsedConfig, *service.Resources) (service.Output, int, error) {
		return sink, 1, nil
	}))
	return env
}

// run runs one stream to completion and returns the ids it consumed; the
// consumer fails (nacks) the ids in reject.
func run(t *testing.T, dir string, limit int, reject map[string]bool) []string {
	t.Helper()
	var (
		mu  sync.Mutex
		got []string
	)
	b := newEnv(t, sinkOutput{mu: &mu, got: &got, reject: reject}).NewStreamBuilder()
	require.NoError(t, b.SetYAML(fmt.Sprintf(`
input:
  checkpoint_test_source:
    checkpoint_cache: ckpt
    limit: %d
output:
  checkpoint_test_sink: {}
cache_resources:
  - label: ckpt
    file:
      directory: %s
logger:
  level: none
`, limit, dir)))
	stream, err := b.Build()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	require.NoError(t, stream.Run(ctx))
	return got
}

func ids(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprint(i))
	}
	return out
}

func TestStream_RestartAfterAcksResumesAfterTheLastAckedPosition(t *testing.T) {
	dir := t.TempDir()
	assert.Equal(t, ids(0, 9), run(t, dir, 10, nil))
	assert.Equal(t, ids(10, 19), run(t, dir, 100, nil), "the second run starts right after the tenth entity")
	assert.Empty(t, run(t, dir, 100, nil), "nothing is left")
}

func TestStream_NackKeepsTheCursorWhereItWas(t *testing.T) {
	dir := t.TempDir()
	first := run(t, dir, 100, map[string]bool{"5": true})
	assert.Equal(t, ids(0, 19), first)
	// 5 was nacked: the cursor stays at 4 although 6..19 were acked, so a
	// restart reads 5 again (and, at least once, everything after it).
	assert.Equal(t, ids(5, 19), run(t, dir, 100, nil))
}
