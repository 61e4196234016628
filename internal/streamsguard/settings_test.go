package streamsguard

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseArgs_SeparatesHTTPOverridesFromForwardedArgs(t *testing.T) {
	a, err := ParseArgs([]string{"-o", "obs.yaml", "--set", "http.address=0.0.0.0:9", "-s", "logger.level=debug", "--no-api=false", "configs", "more"})
	require.NoError(t, err)
	assert.Equal(t, "obs.yaml", a.Observability)
	assert.Equal(t, map[string]string{"http.address": "0.0.0.0:9"}, a.Sets)
	assert.False(t, a.NoAPI)
	assert.Equal(t, []string{"--observability", "obs.yaml", "--set", "logger.level=debug", "--no-api=false", "configs", "more"}, a.Rest)

	_, err = ParseArgs([]string{"--observability"})
	assert.ErrorContains(t, err, "needs a value")
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:4195": true, "localhost:80": true, "[::1]:4195": true,
		"0.0.0.0:4195": false, ":4195": false, "10.0.0.5:4195": false, "nonsense": false,
	} {
		assert.Equal(t, want, IsLoopback(addr), addr)
	}
}

func TestCheckBinding_RequiresBasicAuthOffLoopback(t *testing.T) {
	assert.NoError(t, CheckBinding("127.0.0.1:4195", false))
	assert.ErrorIs(t, CheckBinding("0.0.0.0:4195", false), ErrInsecureBinding)
	assert.NoError(t, CheckBinding("0.0.0.0:4195", true))
}

func TestLoadHTTPSettings_DefaultsToLoopbackAndReadsFileAndOverrides(t *testing.T) {
	s, err := LoadHTTPSettings(Args{})
	require.NoError(t, err)
	assert.Equal(t, HTTPSettings{Enabled: true, Address: DefaultAddress}, s)

	t.Setenv("DW_TEST_ADDR", "10.1.2.3:4195")
	p := filepath.Join(t.TempDir(), "obs.yaml")
	require.NoError(t, os.WriteFile(p, []byte("http:\n  address: ${DW_TEST_ADDR}\n  basic_auth:\n    enabled: true\n  root_path: /dw\n"), 0o600))
	s, err = LoadHTTPSettings(Args{Observability: p, Sets: map[string]string{"http.root_path": "/x"}})
	require.NoError(t, err)
	assert.Equal(t, "10.1.2.3:4195", s.Address)
	assert.True(t, s.BasicAuth)
	assert.Equal(t, "/x", s.RootPath)
}
