package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func doReq(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// streamWithSecret has a secret field (http_client basic auth password) set
// both literally and from an environment variable.
const streamWithSecret = `input:
  generate:
    mapping: 'root = "%s"'
    interval: 1h
output:
  http_client:
    url: http://127.0.0.1:9/never
    basic_auth:
      enabled: true
      username: ops
      password: %s
`

func TestStreamsMode_OperatorLifecycleWithSecretsScrubbed(t *testing.T) {
	addr := freeAddr(t)
	obs := writeFile(t, "obs.yaml", fmt.Sprintf("http:\n  address: %s\nmetrics:\n  prometheus: {}\nlogger:\n  level: warn\n", addr))
	cmd := exec.Command(binary, "streams", "-o", obs)
	cmd.Env = append(os.Environ(), "DW_E2E_SECRET=env-s3cr3t-value")
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
	base := "http://" + addr
	waitForBody(t, base+"/ready")

	// Create.
	code, body := doReq(t, http.MethodPost, base+"/streams/orders", fmt.Sprintf(streamWithSecret, "v1", "hunter2-literal"))
	require.Equal(t, http.StatusOK, code, body)

	// Read: the secret is scrubbed, the rest is there.
	code, body = doReq(t, http.MethodGet, base+"/streams/orders", "")
	require.Equal(t, http.StatusOK, code, body)
	assert.NotContains(t, body, "hunter2-literal")
	assert.Contains(t, body, "SECRET_SCRUBBED")
	var got struct {
		Active bool           `json:"active"`
		Config map[string]any `json:"config"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	assert.True(t, got.Active)
	assert.Contains(t, fmt.Sprint(got.Config["input"]), `root = "v1"`)

	// Update from an env reference: the change takes effect, the resolved
	// env value is not returned.
	code, body = doReq(t, http.MethodPut, base+"/streams/orders", fmt.Sprintf(streamWithSecret, "v2", "${DW_E2E_SECRET}"))
	require.Equal(t, http.StatusOK, code, body)
	code, body = doReq(t, http.MethodGet, base+"/streams/orders", "")
	require.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, `root = \"v2\"`)
	assert.NotContains(t, body, "env-s3cr3t-value")

	// Stats and metrics.
	code, body = doReq(t, http.MethodGet, base+"/streams/orders/stats", "")
	assert.Equal(t, http.StatusOK, code, body)
	assert.True(t, json.Valid([]byte(body)), body)
	waitForBody(t, base+"/metrics", `stream="orders"`)

	// Delete.
	code, body = doReq(t, http.MethodDelete, base+"/streams/orders", "")
	require.Equal(t, http.StatusOK, code, body)
	code, _ = doReq(t, http.MethodGet, base+"/streams/orders", "")
	assert.Equal(t, http.StatusNotFound, code)
	assert.NotContains(t, out.String(), "hunter2-literal", "nor in the logs")
	assert.NotContains(t, out.String(), "env-s3cr3t-value")
}

func TestStreamsMode_RefusesNonLoopbackWithoutBasicAuth(t *testing.T) {
	port := strings.Split(freeAddr(t), ":")[1]
	obs := writeFile(t, "obs.yaml", "http:\n  address: 0.0.0.0:"+port+"\n")
	out, err := runCLI(t, "streams", "-o", obs)
	require.Error(t, err)
	assert.Contains(t, out, "refusing to serve the streams API on a non-loopback address")
	assert.Contains(t, out, "basic_auth")
}

func TestStreamsMode_DefaultsToLoopback(t *testing.T) {
	// No -o: the API must come up on 127.0.0.1:4195, not on every interface.
	if resp, err := http.Get("http://127.0.0.1:4195/ready"); err == nil {
		resp.Body.Close()
		t.Skip("127.0.0.1:4195 is already in use on this machine")
	}
	var out bytes.Buffer
	cmd := exec.Command(binary, "streams")
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://127.0.0.1:4195/ready"); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("streams API never came up on 127.0.0.1:4195")
}

// `datawald streams --help` prints the guard's description and Benthos'
// flags and starts nothing: it succeeds while the default API address is
// taken by another process.
func TestStreams_HelpPrintsTheFlagsWithoutBindingTheAPIAddress(t *testing.T) {
	if ln, err := net.Listen("tcp", "127.0.0.1:4195"); err == nil {
		defer ln.Close()
	}
	out, err := runCLI(t, "streams", "--help")
	require.NoError(t, err, out)
	assert.Contains(t, out, "secret-scrubbing guard")
	assert.Contains(t, out, "--no-api")
}
