package command

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v2"

	"github.com/datawald/datawald/internal/model"
)

func runApp(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	app := &cli.App{Name: "datawald", Commands: All(), Writer: &out, ErrWriter: &out,
		ExitErrHandler: func(*cli.Context, error) {}}
	err := app.Run(append([]string{"datawald"}, args...))
	return out.String(), err
}

func TestSchemaCommandPrintsTheEntitySchema(t *testing.T) {
	got, err := runApp(t, "schema", "order")
	require.NoError(t, err)
	want, err := model.Schema("order")
	require.NoError(t, err)
	assert.Equal(t, string(want), got)
}

func TestSchemaCommandListsEntities(t *testing.T) {
	got, err := runApp(t, "schema", "--list")
	require.NoError(t, err)
	assert.Equal(t, "customer\nfulfillment\ninventory\ninvoice\norder\nproduct\n", got)
}

func TestSchemaCommandRefusesUnknownEntityNamingIt(t *testing.T) {
	_, err := runApp(t, "schema", "widget")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"widget"`)

	_, err = runApp(t, "schema")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--list")
}
