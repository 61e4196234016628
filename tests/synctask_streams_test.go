package tests

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/synctask"
)

// seedSyncTaskStore stages one sealed task in a fresh SQLite store and
// closes it, so the binary under test finds it on disk. It returns the DSN.
func seedSyncTaskStore(t *testing.T, taskID string) string {
	t.Helper()
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "synctask.db")
	ctx := context.Background()
	s, err := synctask.Acquire(ctx, dsn)
	require.NoError(t, err)
	_, err = s.Stage(ctx, synctask.TaskSpec{ID: taskID, Source: "netsuite", Target: "magento", TxType: "order", Seal: true},
		[]synctask.StageInput{{Key: synctask.Key{Source: "netsuite", Target: "magento", TxType: "order", SrcID: "SO-1"}, Data: []byte(`{"total":1}`)}})
	require.NoError(t, err)
	require.NoError(t, s.Release(ctx))
	return dsn
}

// idleSyncTaskStream stages into dsn but never produces a message: the API
// must answer without waiting for one.
func idleSyncTaskStream(dsn string) string {
	return fmt.Sprintf(`input:
  generate:
    interval: "@every 1h"
    mapping: 'root = {}'
pipeline:
  processors:
    - sync_task:
        store: %s
        source: netsuite
        target: magento
        tx_type: order
        src_id: '${! json("id") }'
output:
  drop: {}
`, dsn)
}

// startWithEnv starts the binary with extra environment; killed on cleanup.
func startWithEnv(t *testing.T, env []string, args ...string) *syncBuffer {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), env...)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("datawald output:\n%s", out.String())
		}
	})
	return &out
}

// apiGet sends GET url with the bearer token (none when empty).
func apiGet(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

var innerAddrRe = regexp.MustCompile(`Listening for HTTP requests at: http://(127\.0\.0\.1:\d+)`)

func TestSyncTaskAPI_StreamsModeServesEachStreamsAPIBeforeAnyMessageThroughTheGuardAndTheInnerPort(t *testing.T) {
	dsn := seedSyncTaskStore(t, "cycle-7")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "orders.source.yaml"), []byte(idleSyncTaskStream(dsn)), 0o600))
	addr := freeAddr(t)
	obs := writeFile(t, "obs.yaml", fmt.Sprintf("http:\n  address: %s\nlogger:\n  level: info\n", addr))
	const token = "e2e-api-token-5f2a"
	out := startWithEnv(t, []string{"DATAWALD_API_TOKEN=" + token}, "streams", "-o", obs, dir)
	base := "http://" + addr
	waitForBody(t, base+"/streams", `"orders.source"`)

	path := "/orders.source/datawald/v1/tasks/cycle-7"
	status, body := apiGet(t, base+path, token)
	for deadline := time.Now().Add(20 * time.Second); status != http.StatusOK && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
		status, body = apiGet(t, base+path, token)
	}
	require.Equal(t, http.StatusOK, status, "GET %s through the guard: %s", path, body)
	assert.Contains(t, body, `"id":"cycle-7"`)
	assert.Contains(t, body, `"sync_status":"Processing"`)

	status, body = apiGet(t, base+path, "")
	assert.Equal(t, http.StatusUnauthorized, status, body)
	status, body = apiGet(t, base+path, "wrong-"+token)
	assert.Equal(t, http.StatusUnauthorized, status, body)
	assert.NotContains(t, body, token)

	m := innerAddrRe.FindStringSubmatch(out.String())
	require.NotNil(t, m, "the inner streams server logs its address")
	status, body = apiGet(t, "http://"+m[1]+path, token)
	assert.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, body, `"id":"cycle-7"`)
}

func TestSyncTaskAPI_RunModeServesTheAPIBeforeAnyMessage(t *testing.T) {
	dsn := seedSyncTaskStore(t, "cycle-8")
	conf := writeFile(t, "orders.yaml", idleSyncTaskStream(dsn))
	addr := freeAddr(t)
	startCLI(t, "run", "-s", "http.address="+addr, conf)
	body := waitForBody(t, "http://"+addr+"/datawald/v1/tasks?status=Processing", `"id":"cycle-8"`)
	assert.Contains(t, body, `"tx_type":"order"`)
}

func TestSyncTaskAPI_StreamsModeServesTheProcessWideAPIAtOneURLThroughTheGuard(t *testing.T) {
	dsn := seedSyncTaskStore(t, "cycle-9")
	dir := t.TempDir()
	for _, name := range []string{"orders.source.yaml", "invoices.source.yaml"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(idleSyncTaskStream(dsn)), 0o600))
	}
	addr := freeAddr(t)
	obs := writeFile(t, "obs.yaml", fmt.Sprintf("http:\n  address: %s\nlogger:\n  level: warn\n", addr))
	startWithEnv(t, []string{"DATAWALD_API_TOKEN="}, "streams", "-o", obs, dir)
	base := "http://" + addr
	waitForBody(t, base+"/streams", `"orders.source"`, `"invoices.source"`)
	body := waitForBody(t, base+"/datawald/v1/tasks/cycle-9", `"id":"cycle-9"`)
	assert.Contains(t, body, `"tx_type":"order"`)
	status, body := apiGet(t, base+"/datawald/v1/nothing", "")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, body, `"error":`)
}
