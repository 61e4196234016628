package inputs

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/magento"
	"github.com/datawald/datawald/internal/magento/magentotest"
	"github.com/datawald/datawald/internal/sandbox"
	sbmagento "github.com/datawald/datawald/internal/sandbox/magento"
)

func TestMagentoInputConfigRunsInAStreamWithTheRegisteredComponent(t *testing.T) {
	sb := magentotest.Start(t, sbmagento.Options{}, sandbox.Options{})
	c := sb.Client(t, sb.OAuth1())
	page, err := c.Search(t.Context(), "/V1/orders", magento.Criteria{}.Page(1, 1))
	require.NoError(t, err)

	b := service.NewStreamBuilder()
	require.NoError(t, b.SetLoggerYAML(`level: warn`))
	require.NoError(t, b.AddCacheYAML(`label: cp
memory: {}`))
	require.NoError(t, b.AddInputYAML(magentoInputYAML(sb, `  entity: orders
  poll_interval: 1h
  checkpoint_cache: cp
`)))
	var n atomic.Int64
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	require.NoError(t, b.AddConsumerFunc(func(_ context.Context, m *service.Message) error {
		if v, _ := m.MetaGet("dw_tx_type"); v != "order" {
			return fmt.Errorf("dw_tx_type %q", v)
		}
		if n.Add(1) == int64(page.TotalCount) {
			cancel()
		}
		return nil
	}))
	s, err := b.Build()
	require.NoError(t, err)
	err = s.Run(ctx)
	if err != nil && ctx.Err() == nil {
		require.NoError(t, err)
	}
	assert.EqualValues(t, page.TotalCount, n.Load())
}

func TestMagentoInputConfigLintsImpossibleCombinations(t *testing.T) {
	cases := map[string]struct{ yaml, want string }{
		"admin without password": {`magento:
  base_url: http://127.0.0.1:1
  auth: {mode: admin, username: a}
  entity: orders
  checkpoint_cache: cp`, "auth mode admin needs username and password"},
		"page size above 300": {`magento:
  base_url: http://127.0.0.1:1
  auth: {mode: bearer, token: x}
  entity: orders
  page_size: 500
  checkpoint_cache: cp`, "must be between 1 and 300"},
		"schedule and poll_interval": {`magento:
  base_url: http://127.0.0.1:1
  auth: {mode: bearer, token: x}
  entity: orders
  poll_interval: 5m
  schedule: "@hourly"
  checkpoint_cache: cp`, "set either schedule or poll_interval"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := service.NewStreamBuilder()
			err := b.AddInputYAML(tc.yaml)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestMagentoInputScheduleStartsCyclesOnCronTicks(t *testing.T) {
	spec := magentoInputSpec()
	conf, err := spec.ParseYAML(`base_url: http://127.0.0.1:1
auth: {mode: bearer, token: x}
entity: orders
schedule: "*/15 * * * *"
checkpoint_cache: cp
`, nil)
	require.NoError(t, err)
	cfg, err := magentoInputConfigFromParsed(conf)
	require.NoError(t, err)
	at := time.Date(2026, 3, 1, 9, 31, 10, 0, time.UTC)
	assert.Equal(t, time.Date(2026, 3, 1, 9, 45, 0, 0, time.UTC), cfg.nextCycleTime(at))
}
