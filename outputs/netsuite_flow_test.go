package outputs

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/redpanda-data/benthos/v4/public/components/io" // env()
	_ "github.com/redpanda-data/benthos/v4/public/components/pure"
	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	_ "github.com/datawald/datawald/bloblang" // the mappings use datawald's Bloblang methods
	"github.com/datawald/datawald/internal/netsuite"
	"github.com/datawald/datawald/internal/sandbox"
	sbnetsuite "github.com/datawald/datawald/internal/sandbox/netsuite"
	"github.com/datawald/datawald/internal/sandbox/seed"
	"github.com/datawald/datawald/internal/synctask"
)

// The spec example's pipeline (customer into metadata, order mapping) on a
// canonical storefront order, then the output with upsert_first: the
// customer is created in NetSuite and the order references it.
func TestNetSuiteOutputExampleFlowCreatesTheOrdersCustomerThenTheOrder(t *testing.T) {
	order, err := os.ReadFile("../tests/flows/fixtures/canonical/order_000000001.json")
	require.NoError(t, err)
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	t.Chdir(root) // lookup tables are read relative to the repository root

	var example string
	for _, ex := range netsuiteOutputSpecExamples(t) {
		example = ex
	}
	var conf struct {
		Pipeline struct {
			Processors []any `yaml:"processors"`
		} `yaml:"pipeline"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(example), &conf))
	require.Len(t, conf.Pipeline.Processors, 2)

	h := startNetSuiteOutput(t, seed.Counts{}, sbnetsuite.Options{}, sandbox.Options{})
	sb := service.NewStreamBuilder()
	for _, p := range conf.Pipeline.Processors {
		raw, err := yaml.Marshal(p)
		require.NoError(t, err)
		// Benthos resolves `from` imports against the directory the process
		// started in, so point them at the repository explicitly.
		require.NoError(t, sb.AddProcessorYAML(strings.ReplaceAll(string(raw), `from "bloblang/`, `from "`+root+`/bloblang/`)))
	}
	send, err := sb.AddProducerFunc()
	require.NoError(t, err)
	var mapped *service.Message
	require.NoError(t, sb.AddConsumerFunc(func(_ context.Context, m *service.Message) error { mapped = m.Copy(); return nil }))
	stream, err := sb.Build()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	go func() { _ = stream.Run(ctx) }()
	in := service.NewMessage(order)
	in.MetaSetMut("dw_source", "magento")
	require.NoError(t, send(ctx, in))
	require.NoError(t, stream.StopWithin(5*time.Second))
	require.NotNil(t, mapped)
	require.NoError(t, mapped.GetError())
	cust, ok := mapped.MetaGet("netsuite_customer")
	require.True(t, ok, "the customer rides along in metadata")
	assert.Contains(t, cust, `"externalId":"magento-customer-1"`)

	body, err := mapped.AsBytes()
	require.NoError(t, err)
	c, err := netsuite.New(h.clientConfig())
	require.NoError(t, err)
	var so struct {
		Item struct {
			Items []struct {
				Item struct {
					ExternalID string `json:"externalId"`
				} `json:"item"`
			} `json:"items"`
		} `json:"item"`
	}
	require.NoError(t, json.Unmarshal(body, &so))
	require.NotEmpty(t, so.Item.Items)
	for _, l := range so.Item.Items { // the storefront's items exist in the ERP
		_, err := c.Upsert(t.Context(), "inventoryItem", l.Item.ExternalID, []byte(`{"itemId":"`+l.Item.ExternalID+`"}`), netsuite.WriteOptions{})
		require.NoError(t, err)
	}
	eid, _ := mapped.MetaGet("netsuite_external_id")
	msgs := h.stage("salesOrder", []string{eid}, [][]byte{body})
	msgs[0].MetaSetMut("netsuite_customer", cust)
	out := h.output(func(c *netsuiteOutputConfig) {
		c.related = []netsuiteRelated{{recordType: "customer", metaKey: "netsuite_customer"}}
	})
	writeNetSuite(t, out, msgs, 1)
	e := h.statuses([]string{eid})[eid]
	require.Equal(t, synctask.StatusSent, e.Status, "%s %s", e.ErrorCode, e.Note)

	written, err := c.GetRecord(t.Context(), "salesOrder", e.TgtID, false)
	require.NoError(t, err)
	customer, err := c.GetRecord(t.Context(), "customer", "eid:magento-customer-1", false)
	require.NoError(t, err)
	assert.Contains(t, string(customer), "mary.nunez1@example.org")
	var ref struct {
		Entity struct {
			ID string `json:"id"`
		} `json:"entity"`
	}
	require.NoError(t, json.Unmarshal(written, &ref))
	var cu struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(customer, &cu))
	assert.Equal(t, cu.ID, ref.Entity.ID, "the order references the customer created for it")
}

// netsuiteOutputSpecExamples returns the YAML of the output spec's
// examples, so the test runs what the docs show.
func netsuiteOutputSpecExamples(t *testing.T) []string {
	t.Helper()
	var out []string
	service.GlobalEnvironment().WalkOutputs(func(name string, cv *service.ConfigView) {
		if name != "netsuite" {
			return
		}
		data, err := cv.TemplateData()
		require.NoError(t, err)
		for _, ex := range data.Examples {
			out = append(out, ex.Config)
		}
	})
	require.NotEmpty(t, out)
	return out
}
