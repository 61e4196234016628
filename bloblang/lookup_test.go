package bloblang

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeLookup(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tables.yaml")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	return p
}

const testTables = `
status:
  values:
    processing: B
    1: one
    true: yes-bool
  default: A
carrier:
  values:
    ups: {code: ups, title: UPS}
`

func TestLookupTranslatesValuesAndFallsBackToDefaults(t *testing.T) {
	p := writeLookup(t, testTables)
	m := func(expr string) string { return `root = ` + expr }
	assert.JSONEq(t, `"B"`, mustRun(t, m(`"processing".lookup("`+p+`", "status")`), `{}`))
	assert.JSONEq(t, `"A"`, mustRun(t, m(`"new".lookup("`+p+`", "status")`), `{}`), "table default")
	assert.JSONEq(t, `"Z"`, mustRun(t, m(`"new".lookup("`+p+`", "status", "Z")`), `{}`), "argument default wins")
	assert.JSONEq(t, `"one"`, mustRun(t, m(`this.n.lookup("`+p+`", "status")`), `{"n":1}`), "numbers compare as strings")
	assert.JSONEq(t, `{"code":"ups","title":"UPS"}`, mustRun(t, m(`"ups".lookup("`+p+`", "carrier")`), `{}`), "object values")
}

func TestLookupMissWithoutDefaultNamesTableFileAndValue(t *testing.T) {
	p := writeLookup(t, testTables)
	_, err := run(t, `root = this.c.lookup("`+p+`", "carrier")`, `{"c":"pigeon"}`)
	require.ErrorIs(t, err, ErrLookupMiss)
	assert.Contains(t, err.Error(), `lookup table "carrier"`)
	assert.Contains(t, err.Error(), p)
	assert.Contains(t, err.Error(), `"pigeon"`)

	_, err = run(t, `root = this.c.lookup("`+p+`", "carrier")`, `{"c":null}`)
	require.ErrorIs(t, err, ErrLookupMiss)
}

func TestLookupRefusesMissingFilesTablesAndMalformedTables(t *testing.T) {
	_, err := run(t, `root = "x".lookup("/nonexistent/tables.yaml", "status")`, `{}`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/nonexistent/tables.yaml")

	p := writeLookup(t, testTables)
	_, err = run(t, `root = "x".lookup("`+p+`", "colour")`, `{}`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `no table "colour" (tables: carrier, status)`)

	bad := writeLookup(t, "status:\n  valuez: {a: b}\n")
	_, err = run(t, `root = "a".lookup("`+bad+`", "status")`, `{}`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown key "valuez"`)
}

func TestLookupRereadsAChangedFile(t *testing.T) {
	p := writeLookup(t, "t:\n  values: {a: first}\n")
	assert.JSONEq(t, `"first"`, mustRun(t, `root = "a".lookup("`+p+`", "t")`, `{}`))
	require.NoError(t, os.WriteFile(p, []byte("t:\n  values: {a: second-value}\n"), 0o644))
	future := time.Now().Add(2 * time.Second)
	require.NoError(t, os.Chtimes(p, future, future))
	assert.JSONEq(t, `"second-value"`, mustRun(t, `root = "a".lookup("`+p+`", "t")`, `{}`))
}
