package inputs_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// specExamples returns the config examples of a registered component spec.
func specExamples(t *testing.T, view *service.ConfigView) []string {
	t.Helper()
	raw, err := view.FormatJSON()
	require.NoError(t, err)
	var doc struct {
		Examples []struct{ Config string } `json:"examples"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	var out []string
	for _, e := range doc.Examples {
		out = append(out, e.Config)
	}
	return out
}

func TestBackboneComponentSpecsDocumentEveryFieldMarkSecretsAndShipExamplesThatLint(t *testing.T) {
	env := service.NewEnvironment()
	kafkaSecrets := []string{"sasl.password"}
	awsSecrets := []string{"credentials.secret", "credentials.token"}
	for _, tc := range []struct {
		name    string
		get     func(string) (*service.ConfigView, bool)
		secrets []string
	}{
		{"kafka", env.GetInputConfig, kafkaSecrets},
		{"aws_sqs", env.GetInputConfig, awsSecrets},
		{"kafka", env.GetOutputConfig, kafkaSecrets},
		{"aws_sqs", env.GetOutputConfig, awsSecrets},
	} {
		view, ok := tc.get(tc.name)
		require.True(t, ok, tc.name)
		assert.NotEmpty(t, view.Summary(), tc.name)
		assert.NotEmpty(t, view.Description(), tc.name)

		data, err := view.TemplateData()
		require.NoError(t, err)
		require.NotEmpty(t, data.Fields)
		secret := map[string]bool{}
		for _, f := range data.Fields {
			// Benthos substitutes this text for a missing description.
			assert.NotContains(t, f.Description, "missing documentation", "%s field %s has no description", tc.name, f.FullName)
			secret[f.FullName] = f.IsSecret
		}
		for _, f := range tc.secrets {
			assert.True(t, secret[f], "%s field %s must be marked secret", tc.name, f)
		}

		examples := specExamples(t, view)
		require.NotEmpty(t, examples, "%s has no config example", tc.name)
		for _, ex := range examples {
			b := env.NewStreamBuilder()
			// A complete config needs both ends; add the missing one.
			conf := ex + "\noutput:\n  drop: {}\n"
			if hasTopKey(ex, "output") {
				conf = ex + "\ninput:\n  generate: { mapping: 'root = {}' }\n"
			}
			assert.NoError(t, b.SetYAML(conf), "%s example:\n%s", tc.name, ex)
		}
	}
}

// hasTopKey reports whether a YAML document has key at its top level.
func hasTopKey(yaml, key string) bool {
	return strings.HasPrefix(strings.TrimLeft(yaml, "\n"), key+":") || strings.Contains(yaml, "\n"+key+":")
}
