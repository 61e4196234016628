package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/redpanda-data/benthos/v4/public/components/pure"
	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/datawald/datawald/inputs"
	"github.com/datawald/datawald/internal/synctask"
	_ "github.com/datawald/datawald/processors"
)

// TestAPIPushDeliversEntitiesIntoANamedStream runs a real stream whose
// components mount the API on the stream's HTTP multiplexer.
func TestAPIPushDeliversEntitiesIntoANamedStream(t *testing.T) {
	t.Setenv("DW_TEST_API_TOKEN", "push-token")
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "push.db")
	mux := http.NewServeMux()
	b := service.NewStreamBuilder()
	b.SetHTTPMux(mux)
	require.NoError(t, b.SetLoggerYAML("level: WARN"))
	require.NoError(t, b.SetYAML(fmt.Sprintf(`
input:
  sync_task_replay:
    store: %[1]s
    push_name: orders
    api: { token_env: DW_TEST_API_TOKEN }
pipeline:
  processors:
    - sync_task:
        store: %[1]s
        api: { token_env: DW_TEST_API_TOKEN }
output:
  drop: {}
`, dsn)))
	stream, err := b.Build()
	require.NoError(t, err)
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = stream.Run(runCtx) }()
	t.Cleanup(func() { cancel(); <-done })

	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, "push-token")
	require.Eventually(t, func() bool {
		resp, err := http.Get(srv.URL + "/datawald/v1/tasks")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusUnauthorized // mounted, and protected
	}, 10*time.Second, 20*time.Millisecond)

	status, body := c.do("POST", "/datawald/v1/push/orders", map[string]any{
		"source": "shop", "target": "erp", "tx_type": "order", "task_id": "push-1",
		"entities": []map[string]any{
			{"src_id": "A-1", "updated_at": "2026-11-01T08:00:00Z", "data": map[string]any{"total": 1}},
			{"src_id": "A-2", "data": map[string]any{"total": 2}},
			{"src_id": "A_3-x", "data": map[string]any{"total": 3}},
		},
	}, true)
	require.Equal(t, http.StatusOK, status, string(body))
	assert.JSONEq(t, `{"task_id":"push-1","accepted":3}`, string(body))

	store, err := synctask.Acquire(context.Background(), dsn)
	require.NoError(t, err)
	defer store.Release(context.Background())
	tk, err := store.GetTask(context.Background(), "push-1")
	require.NoError(t, err, "the push was staged before the call returned")
	assert.True(t, tk.Sealed)
	assert.Equal(t, synctask.Counts{N: 3}, tk.Counts)
	e, err := store.GetEntity(context.Background(), synctask.Key{Source: "shop", Target: "erp", TxType: "order", SrcID: "A_3-x"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"total":3}`, string(e.Data))

	status, body = c.do("POST", "/datawald/v1/push/nobody", map[string]any{
		"source": "shop", "target": "erp", "tx_type": "order", "entities": []map[string]any{{"src_id": "1", "data": 1}},
	}, true)
	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, string(body), "no sync_task_replay input")

	status, body = c.do("POST", "/datawald/v1/push/orders", map[string]any{
		"source": "shop", "target": "erp", "tx_type": "order", "entities": []map[string]any{{"src_id": "1", "data": 1, "updated_at": "soon"}},
	}, false)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, string(body), "updated_at")
}
