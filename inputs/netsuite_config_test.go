package inputs

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/sandbox/seed"
)

func TestNetSuiteInputRunsFromYAMLWithOAuth2Credentials(t *testing.T) {
	h := startNetSuiteInput(t, seed.Counts{Orders: 120})
	creds := h.vendor.Credentials()
	key := strings.ReplaceAll(strings.TrimSpace(creds["private_key_pem"]), "\n", "\n      ")
	yaml := fmt.Sprintf(`
netsuite:
  account_id: %s
  base_url: %s
  auth:
    mode: oauth2
    client_id: %s
    certificate_id: %s
    private_key: |
      %s
  record_type: salesOrder
  lag: 1s
  checkpoint_cache: checkpoints
`, strings.ToLower(strings.ReplaceAll(creds["account_id"], "_", "-")), h.url, creds["client_id"], creds["certificate_id"], key)
	sb := service.NewStreamBuilder()
	require.NoError(t, sb.AddInputYAML(yaml))
	require.NoError(t, sb.AddResourcesYAML("cache_resources:\n  - label: checkpoints\n    memory: {}\n"))
	var n atomic.Int64
	done := make(chan struct{})
	require.NoError(t, sb.AddConsumerFunc(func(_ context.Context, m *service.Message) error {
		if v, _ := m.MetaGet("dw_tx_type"); v != "order" {
			return fmt.Errorf("dw_tx_type %q", v)
		}
		if n.Add(1) == 120 {
			close(done)
		}
		return nil
	}))
	stream, err := sb.Build()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	go func() { _ = stream.Run(ctx) }()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("read %d of 120 orders", n.Load())
	}
	require.NoError(t, stream.StopWithin(5*time.Second))
	assert.EqualValues(t, 120, n.Load())
}

func TestNetSuiteInputLintRejectsMissingCredentialsAndABadQuery(t *testing.T) {
	env := service.GlobalEnvironment()
	for name, tc := range map[string]struct{ yaml, want string }{
		"oauth2 without key": {`
netsuite:
  account_id: "1234567"
  auth: {mode: oauth2, client_id: a, certificate_id: b}
  record_type: customer
  checkpoint_cache: c`, "auth mode oauth2 needs"},
		"query without placeholders": {`
netsuite:
  account_id: "1234567"
  auth: {mode: tba, consumer_key: a, consumer_secret: b, token_id: c, token_secret: d}
  record_type: salesOrder
  query: SELECT id FROM transaction
  checkpoint_cache: c`, ":cursor_time"},
	} {
		t.Run(name, func(t *testing.T) {
			sb := env.NewStreamBuilder()
			err := sb.AddInputYAML(tc.yaml)
			if err == nil {
				require.NoError(t, sb.AddConsumerFunc(func(context.Context, *service.Message) error { return nil }))
				_, err = sb.Build()
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestNetSuiteInputLintReportsEveryBrokenRuleAtOnce(t *testing.T) {
	sb := service.GlobalEnvironment().NewStreamBuilder()
	err := sb.AddInputYAML(`
netsuite:
  account_id: "1234567"
  auth: {mode: tba, consumer_key: a}
  record_type: inventory
  query: SELECT 1
  checkpoint_cache: c`)
	require.Error(t, err)
	for _, want := range []string{"auth mode tba needs", "not inventory", "placeholders"} {
		assert.Contains(t, err.Error(), want)
	}
}
