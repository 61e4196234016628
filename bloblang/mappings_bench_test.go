package bloblang

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/redpanda-data/benthos/v4/public/bloblang"
	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// BenchmarkMagentoOrderToNetSuiteSalesOrder measures the two mappings of
// the Magento orders → NetSuite flow back to back on the realistic order of
// the order_to_canonical suite: parse JSON, map to canonical, map to a
// salesOrder, serialise. Run from the repository root's bloblang/ with
//
//	go test ./bloblang/ -run XXX -bench MagentoOrderToNetSuite -benchmem
func BenchmarkMagentoOrderToNetSuiteSalesOrder(b *testing.B) {
	b.Chdir("..")
	raw, err := os.ReadFile("tests/mappings/magento/order_to_canonical_test.yaml")
	require.NoError(b, err)
	var s struct {
		Tests []struct {
			InputBatch []struct {
				JSONContent any `yaml:"json_content"`
			} `yaml:"input_batch"`
		} `yaml:"tests"`
	}
	require.NoError(b, yaml.Unmarshal(raw, &s))
	msgBody, err := json.Marshal(s.Tests[0].InputBatch[0].JSONContent)
	require.NoError(b, err)

	toCanonical, err := bloblang.Parse(fmt.Sprintf("from %q", "bloblang/mappings/magento/order_to_canonical.blobl"))
	require.NoError(b, err)
	toNetSuite, err := bloblang.Parse(fmt.Sprintf("from %q", "bloblang/mappings/netsuite/canonical_to_order.blobl"))
	require.NoError(b, err)

	b.SetBytes(int64(len(msgBody)))
	b.ReportAllocs()
	for b.Loop() {
		canonical, err := service.NewMessage(msgBody).BloblangQuery(toCanonical)
		if err != nil {
			b.Fatal(err)
		}
		so, err := canonical.BloblangQuery(toNetSuite)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := so.AsBytes(); err != nil {
			b.Fatal(err)
		}
	}
}
