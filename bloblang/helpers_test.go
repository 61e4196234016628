package bloblang

import (
	"encoding/json"
	"testing"

	"github.com/redpanda-data/benthos/v4/public/bloblang"
	"github.com/stretchr/testify/require"
)

// run parses mapping in the global environment (where init registered the
// plugins) and executes it against the JSON document in, returning root as
// JSON.
func run(t *testing.T, mapping, in string) (string, error) {
	t.Helper()
	exe, err := bloblang.Parse(mapping)
	if err != nil {
		return "", err
	}
	var v any
	require.NoError(t, json.Unmarshal([]byte(in), &v))
	out, err := exe.Query(v)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(out)
	require.NoError(t, err)
	return string(b), nil
}

// mustRun is run for mappings expected to succeed.
func mustRun(t *testing.T, mapping, in string) string {
	t.Helper()
	out, err := run(t, mapping, in)
	require.NoError(t, err)
	return out
}
