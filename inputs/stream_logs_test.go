package inputs

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/require"
)

// streamLogs collects a stream's log lines; slog writes from several
// goroutines.
type streamLogs struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *streamLogs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *streamLogs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// logsOfInput runs a stream reading the input inputYAML, with a memory
// cache labelled cache for its position and a consumer that accepts
// everything, for 1.5 s, and returns what the stream logged at debug
// level.
func logsOfInput(t *testing.T, cache, inputYAML string) string {
	t.Helper()
	logs := &streamLogs{}
	b := service.NewStreamBuilder()
	b.SetLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	require.NoError(t, b.AddCacheYAML("label: "+cache+"\nmemory: {}"))
	require.NoError(t, b.AddInputYAML(inputYAML))
	require.NoError(t, b.AddConsumerFunc(func(context.Context, *service.Message) error { return nil }))
	s, err := b.Build()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
	defer cancel()
	_ = s.Run(ctx) // ends with ctx: the test reads what it logged meanwhile
	return logs.String()
}
