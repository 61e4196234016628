package bloblang

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/bloblang"
	_ "github.com/redpanda-data/benthos/v4/public/components/io" // env(), as in main.go
	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/datawald/datawald/internal/model"
)

// suiteFile is the part of a datawald test suite these tests read.
type suiteFile struct {
	Tests []struct {
		Name          string `yaml:"name"`
		TargetMapping string `yaml:"target_mapping"`
		InputBatch    []struct {
			Content     string            `yaml:"content"`
			JSONContent any               `yaml:"json_content"`
			Metadata    map[string]string `yaml:"metadata"`
		} `yaml:"input_batch"`
		OutputBatches [][]map[string]any `yaml:"output_batches"`
	} `yaml:"tests"`
}

type mappingCase struct {
	suite, name, mapping string // mapping relative to the repository root
	input                []byte
	metadata             map[string]string
	wantError            bool
}

// loadMappingCases reads every suite under tests/mappings and returns one
// case per input message. It runs from the repository root.
func loadMappingCases(t *testing.T) []mappingCase {
	t.Helper()
	var cases []mappingCase
	suites, err := filepath.Glob("tests/mappings/*/*_test.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, suites)
	for _, path := range suites {
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		var s suiteFile
		require.NoError(t, yaml.Unmarshal(raw, &s), path)
		for _, tc := range s.Tests {
			mapping := filepath.Clean(filepath.Join(filepath.Dir(path), tc.TargetMapping))
			for i, in := range tc.InputBatch {
				body := []byte(in.Content)
				if in.JSONContent != nil {
					body, err = json.Marshal(in.JSONContent)
					require.NoError(t, err)
				}
				c := mappingCase{suite: path, name: fmt.Sprintf("%s/%d", tc.Name, i), mapping: mapping, input: body, metadata: in.Metadata}
				if len(tc.OutputBatches) > 0 && i < len(tc.OutputBatches[0]) {
					cond, _ := tc.OutputBatches[0][i]["bloblang"].(string)
					c.wantError = strings.Contains(cond, "errored()")
				}
				cases = append(cases, c)
			}
		}
	}
	return cases
}

func runMappingFile(t *testing.T, mapping string, c mappingCase) *service.Message {
	t.Helper()
	exe, err := bloblang.Parse(fmt.Sprintf("from %q", mapping))
	require.NoError(t, err, mapping)
	msg := service.NewMessage(c.input)
	for k, v := range c.metadata {
		msg.MetaSet(k, v)
	}
	out, err := msg.BloblangQuery(exe)
	require.NoError(t, err, "%s: %s", c.suite, c.name)
	return out
}

// TestCanonicalMappingOutputsMatchTheSchemas runs every *_to_canonical
// mapping on its suite's inputs and validates the result with
// model.Validate, so a mapping cannot produce what the sync_task processor
// would refuse; it also checks the envelope metadata.
func TestCanonicalMappingOutputsMatchTheSchemas(t *testing.T) {
	t.Chdir("..")
	checked := 0
	for _, c := range loadMappingCases(t) {
		if !strings.HasSuffix(c.mapping, "_to_canonical.blobl") || c.wantError {
			continue
		}
		t.Run(c.suite+"/"+c.name, func(t *testing.T) {
			out := runMappingFile(t, c.mapping, c)
			require.NotNil(t, out, "mapping deleted the message")
			body, err := out.AsBytes()
			require.NoError(t, err)
			meta := map[string]string{}
			require.NoError(t, out.MetaWalk(func(k, v string) error { meta[k] = v; return nil }))

			entity := meta["dw_tx_type"]
			require.NotEmpty(t, entity, "dw_tx_type metadata")
			assert.NoError(t, model.Validate(entity, body), "%s", body)

			for _, k := range []string{"dw_source", "dw_target", "dw_src_id", "dw_updated_at"} {
				assert.NotEmpty(t, meta[k], "metadata %s", k)
			}
			at, err := time.Parse(time.RFC3339Nano, meta["dw_updated_at"])
			require.NoError(t, err)
			assert.Equal(t, time.UTC, at.Location(), "dw_updated_at is UTC")

			var doc struct {
				ExternalIDs map[string]string `json:"external_ids"`
			}
			require.NoError(t, json.Unmarshal(body, &doc))
			assert.Equal(t, meta["dw_src_id"], doc.ExternalIDs[meta["dw_source"]], "dw_src_id is the source's external id")
			checked++
		})
	}
	assert.GreaterOrEqual(t, checked, 15)
}

// canonicalInputOf names the canonical entity a canonical_to_<name>
// mapping takes where <name> is a target's object rather than a canonical
// entity.
var canonicalInputOf = map[string]string{
	"order_status":     "invoice",  // magento: an invoice sets the order's status
	"contact":          "customer", // hubspot
	"company":          "customer", // hubspot: a business customer's company
	"business_partner": "customer", // sapb1
}

// TestCanonicalMappingInputsMatchTheSchemas validates the canonical
// documents the canonical_to_* suites feed their mappings, so target
// mappings are tested against entities a source mapping could produce.
func TestCanonicalMappingInputsMatchTheSchemas(t *testing.T) {
	t.Chdir("..")
	checked := 0
	for _, c := range loadMappingCases(t) {
		base := strings.TrimSuffix(filepath.Base(c.mapping), ".blobl")
		entity, ok := strings.CutPrefix(base, "canonical_to_")
		if !ok || c.wantError {
			continue
		}
		if takes, ok := canonicalInputOf[entity]; ok {
			entity = takes
		}
		assert.NoError(t, model.Validate(entity, c.input), "%s: %s", c.suite, c.name)
		checked++
	}
	assert.GreaterOrEqual(t, checked, 20)
}

// TestEveryMappingHasASuite keeps tests/mappings in step with the mapping
// files: each <entity>_to_canonical and canonical_to_<entity> mapping is
// the target of at least one suite.
func TestEveryMappingHasASuite(t *testing.T) {
	t.Chdir("..")
	tested := map[string]bool{}
	for _, c := range loadMappingCases(t) {
		tested[c.mapping] = true
	}
	files, err := filepath.Glob("bloblang/mappings/*/*.blobl")
	require.NoError(t, err)
	n := 0
	for _, f := range files {
		if !strings.Contains(filepath.Base(f), "_to_") {
			continue // imported helpers such as netsuite/address.blobl
		}
		n++
		assert.True(t, tested[f], "%s has no suite under tests/mappings", f)
	}
	assert.GreaterOrEqual(t, n, 13)
}
