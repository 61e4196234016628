package tests

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCLI_VersionPrintsTheStampedVersion(t *testing.T) {
	out, err := runCLI(t, "--version")
	require.NoError(t, err, out)
	assert.Contains(t, out, "Version: "+testVersion)
}

func TestCLI_ListShowsDatawaldComponentsBesideBenthosCore(t *testing.T) {
	out, err := runCLI(t, "list", "--format", "json", "inputs", "outputs", "processors", "metrics")
	require.NoError(t, err, out)
	var listed map[string][]string
	require.NoError(t, json.Unmarshal([]byte(out), &listed), out)
	assert.Contains(t, listed["metrics"], "prometheus")
	assert.Contains(t, listed["inputs"], "generate", "Benthos' pure components are kept")
	assert.Contains(t, listed["outputs"], "file", "Benthos' io components are kept")
	for _, sub := range []string{"run", "lint", "test", "streams", "blobl", "echo"} {
		help, err := runCLI(t, sub, "--help")
		assert.NoError(t, err, "subcommand %s: %s", sub, help)
	}
}

func TestBuild_DoesNotImportRedpandaConnect(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "./...")
	cmd.Dir = repoRoot
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	assert.NotContains(t, string(out), "github.com/redpanda-data/connect")
	assert.Contains(t, string(out), "github.com/redpanda-data/benthos/v4/public/service")
}

func TestLint_UnknownFieldIsAnErrorNamingFieldAndLine(t *testing.T) {
	cfg := writeFile(t, "bad.yaml", `input:
  generate:
    mapping: 'root = {}'
    count: 1
output:
  drop: {}
metrics:
  prometheus:
    use_histogram_timings: true
`)
	out, err := runCLI(t, "lint", cfg)
	require.Error(t, err)
	assert.Contains(t, out, "bad.yaml(9,1)")
	assert.Contains(t, out, "use_histogram_timings")

	out, err = runCLI(t, "run", cfg)
	require.Error(t, err, "run refuses a config that fails lint")
	assert.Contains(t, out, "use_histogram_timings")
}

func TestLint_WrongTypeIsAnErrorNamingTheLine(t *testing.T) {
	cfg := writeFile(t, "bad.yaml", `input:
  generate:
    mapping: 'root = {}'
output:
  drop: {}
metrics:
  prometheus:
    histogram_buckets: not-a-list
`)
	out, err := runCLI(t, "lint", cfg)
	require.Error(t, err, out)
	assert.Contains(t, out, "bad.yaml(8,")
}

const metricsConfig = `http:
  address: %s
input:
  generate:
    mapping: 'root = {"n": counter()}'
    interval: 10ms
pipeline:
  processors:
    - mapping: 'root.doubled = this.n * 2'
output:
  drop: {}
metrics:
  prometheus: {}
logger:
  level: warn
`

func TestPrometheus_RunModeServesTextExpositionWithStreamMetrics(t *testing.T) {
	addr := freeAddr(t)
	cfg := writeFile(t, "metrics.yaml", fmt.Sprintf(metricsConfig, addr))
	startCLI(t, "run", cfg)
	body := waitForBody(t, "http://"+addr+"/metrics", "# TYPE input_received counter", "output_sent", "processor_latency_seconds", "go_goroutines")
	assert.Contains(t, body, `input_received{label="",path="root.input"}`)
}

func TestPrometheus_StreamsModeLabelsSeriesByStream(t *testing.T) {
	addr := freeAddr(t)
	obs := writeFile(t, "obs.yaml", fmt.Sprintf("http:\n  address: %s\nmetrics:\n  prometheus: {}\nlogger:\n  level: warn\n", addr))
	startCLI(t, "streams", "-o", obs)
	waitForBody(t, "http://"+addr+"/ready")

	stream := `input:
  generate:
    mapping: 'root = {"n": counter()}'
    interval: 10ms
output:
  drop: {}
`
	resp, err := http.Post("http://"+addr+"/streams/orders", "application/yaml", strings.NewReader(stream))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	waitForBody(t, "http://"+addr+"/metrics", `input_received{label="",path="root.input",stream="orders"}`)
}

func TestLint_NegativeDurationAndMalformedURLAreErrorsNamingFieldAndLine(t *testing.T) {
	cfg := writeFile(t, "bad.yaml", `input:
  magento:
    base_url: "ht tp://shop example"
    auth:
      mode: bearer
      token: x
    entity: orders
    checkpoint_cache: c
    http:
      timeout: -5s
output:
  drop: {}
cache_resources:
  - label: c
    memory: {}
`)
	out, err := runCLI(t, "lint", cfg)
	require.Error(t, err)
	assert.Contains(t, out, "bad.yaml(3,1) base_url must be an absolute http or https URL")
	assert.Contains(t, out, "bad.yaml(10,1) http.timeout must be a positive duration")

	out, err = runCLI(t, "run", cfg)
	require.Error(t, err, "run refuses to start")
	assert.Contains(t, out, "http.timeout must be a positive duration")
}
