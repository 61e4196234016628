package tests

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The reference in docs/components is generated from the component specs;
// it must match what the binary generates now.
func TestDocs_CommittedReferenceMatchesTheSpecs(t *testing.T) {
	fresh := t.TempDir()
	out, err := runCLI(t, "docs", "--out", fresh)
	require.NoError(t, err, out)

	committed := filepath.Join(repoRoot, "docs", "components")
	want := readTree(t, fresh)
	got := readTree(t, committed)
	require.NotEmpty(t, want)
	for path, content := range want {
		assert.Equal(t, content, got[path], "docs/components/%s is stale: run `go run . docs`", path)
	}
	for path := range got {
		_, ok := want[path]
		assert.True(t, ok, "docs/components/%s documents nothing that exists: run `go run . docs`", path)
	}
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if !os.IsNotExist(err) {
		require.NoError(t, err)
	}
	return files
}
