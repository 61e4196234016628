package model

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const docsSchemaDir = "../../docs/schemas"

// TestSchemasMatchGeneratedDocs fails when docs/schemas/ is stale. Run
// `go generate ./internal/model/` (or UPDATE_SCHEMAS=1 go test
// ./internal/model/ -run TestSchemasMatchGeneratedDocs) to regenerate.
func TestSchemasMatchGeneratedDocs(t *testing.T) {
	update := os.Getenv("UPDATE_SCHEMAS") == "1"
	if update {
		require.NoError(t, os.MkdirAll(docsSchemaDir, 0o755))
	}
	for _, name := range Entities() {
		want, err := Schema(name)
		require.NoError(t, err)
		path := filepath.Join(docsSchemaDir, name+".json")
		if update {
			require.NoError(t, os.WriteFile(path, want, 0o644))
			continue
		}
		got, err := os.ReadFile(path)
		require.NoError(t, err, "reading %s; regenerate with: go generate ./internal/model/", path)
		assert.Equal(t, string(want), string(got),
			"%s is stale; regenerate with: go generate ./internal/model/ (or UPDATE_SCHEMAS=1 go test ./internal/model/ -run TestSchemasMatchGeneratedDocs)", path)
	}
	entries, err := os.ReadDir(docsSchemaDir)
	require.NoError(t, err)
	for _, e := range entries {
		name := e.Name()[:len(e.Name())-len(filepath.Ext(e.Name()))]
		_, err := Schema(name)
		assert.NoError(t, err, "docs/schemas/%s has no canonical entity; delete it", e.Name())
	}
}

func TestSchemaHasIDTitleAndDraft(t *testing.T) {
	for _, name := range Entities() {
		raw, err := Schema(name)
		require.NoError(t, err)
		var s map[string]any
		require.NoError(t, json.Unmarshal(raw, &s))
		assert.Equal(t, SchemaBaseURL+name+".json", s["$id"])
		assert.Equal(t, "https://json-schema.org/draft/2020-12/schema", s["$schema"])
		assert.Contains(t, s["title"], name)
	}
}

func TestSchemaRejectsUnknownEntityNamingTheKnownOnes(t *testing.T) {
	_, err := Schema("purchase_order")
	require.ErrorIs(t, err, ErrUnknownEntity)
	assert.Contains(t, err.Error(), `"purchase_order"`)
	assert.Contains(t, err.Error(), "order, product")
}
