package bloblang

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/redpanda-data/benthos/v4/public/bloblang"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type pluginDoc struct {
	Category   string `json:"category"` // functions
	Categories []struct {
		Category string `json:"Category"`
	} `json:"categories"` // methods
	Description string `json:"description"`
	Examples    []struct {
		Mapping string      `json:"mapping"`
		Results [][2]string `json:"results"`
	} `json:"examples"`
}

// TestEveryDataWaldPluginDocumentsAndPassesItsExamples runs each example
// of each DataWald method and function as `datawald blobl` users see it, so
// the documentation cannot drift from behaviour.
func TestEveryDataWaldPluginDocumentsAndPassesItsExamples(t *testing.T) {
	t.Chdir("..") // examples name lookup files relative to the repository root
	seen := 0
	check := func(name string, raw []byte) {
		var doc pluginDoc
		require.NoError(t, json.Unmarshal(raw, &doc))
		ours := doc.Category == category
		for _, c := range doc.Categories {
			ours = ours || c.Category == category
		}
		if !ours {
			return
		}
		seen++
		assert.NotEmpty(t, strings.TrimSpace(doc.Description), "%s has no description", name)
		require.NotEmpty(t, doc.Examples, "%s has no example", name)
		for _, ex := range doc.Examples {
			require.NotEmpty(t, ex.Results, "%s example %q has no input/output", name, ex.Mapping)
			for _, io := range ex.Results {
				got, err := run(t, ex.Mapping, io[0])
				require.NoError(t, err, "%s: %s on %s", name, ex.Mapping, io[0])
				assert.JSONEq(t, io[1], got, "%s: %s on %s", name, ex.Mapping, io[0])
			}
		}
	}
	bloblang.GlobalEnvironment().WalkMethods(func(name string, spec *bloblang.MethodView) {
		raw, err := spec.FormatJSON()
		require.NoError(t, err)
		check(name, raw)
	})
	bloblang.GlobalEnvironment().WalkFunctions(func(name string, spec *bloblang.FunctionView) {
		raw, err := spec.FormatJSON()
		require.NoError(t, err)
		check(name, raw)
	})
	assert.GreaterOrEqual(t, seen, 20, "DataWald plugins found in the global environment")
}
