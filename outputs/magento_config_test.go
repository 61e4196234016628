package outputs

import (
	"testing"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMagentoOutputConfigLintsImpossibleCombinations(t *testing.T) {
	cases := map[string]struct{ yaml, want string }{
		"bulk for invoices": {`magento:
  base_url: http://127.0.0.1:1
  auth: {mode: bearer, token: x}
  entity: invoices
  bulk: {enabled: true}`, "bulk mode applies to products and source_items only"},
		"oauth1 without secrets": {`magento:
  base_url: http://127.0.0.1:1
  auth: {consumer_key: k}
  entity: products`, "auth mode oauth1 needs"},
		"source items per call below one": {`magento:
  base_url: http://127.0.0.1:1
  auth: {mode: bearer, token: x}
  entity: source_items
  source_items_per_call: 0`, "must be at least 1"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := service.NewStreamBuilder().AddOutputYAML(tc.yaml)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	require.NoError(t, service.NewStreamBuilder().AddOutputYAML(`magento:
  base_url: http://127.0.0.1:1
  auth: {mode: admin, username: u, password: p}
  entity: products
  bulk: {enabled: true}
  sync_task: {store: "sqlite://`+t.TempDir()+`/st.db"}`))
}
