package httpx

import (
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/redpanda-data/benthos/v4/public/components/pure" // parse_duration for the lint rules
)

func fieldsEnv(t *testing.T, got *Settings) *service.Environment {
	env := service.NewEnvironment()
	require.NoError(t, env.RegisterOutput("httpx_fields_test", service.NewConfigSpec().Field(ConfigField()),
		func(conf *service.ParsedConfig, _ *service.Resources) (service.Output, int, error) {
			s, err := ParseSettings(conf)
			*got = s
			return nil, 1, err
		}))
	return env
}

func TestConfigField_DefaultsParse(t *testing.T) {
	var s Settings
	env := fieldsEnv(t, &s)
	conf, err := service.NewConfigSpec().Field(ConfigField()).ParseYAML("{}", env)
	require.NoError(t, err)
	s, err = ParseSettings(conf)
	require.NoError(t, err)
	assert.Equal(t, DefaultTimeout, s.Timeout)
	assert.Equal(t, DefaultRetryPolicy.MaxAttempts, s.Retry.MaxAttempts)
	assert.Equal(t, int64(DefaultMaxResponseBytes), s.MaxResponseBytes)
}

func TestConfigField_LintRejectsNegativeAndZeroValuesNamingTheField(t *testing.T) {
	var s Settings
	env := fieldsEnv(t, &s)
	for field, tc := range map[string]struct{ yaml, msg string }{
		"timeout":      {"timeout: -5s", "http.timeout must be a positive duration"},
		"rate_limit":   {"rate_limit: -1", "http.rate_limit must not be negative"},
		"max_attempts": {"max_attempts: 0", "http.max_attempts must be at least 1"},
		"max_elapsed":  {"max_elapsed: -1m", "http.max_elapsed must not be negative"},
	} {
		conf := "output:\n  httpx_fields_test:\n    http:\n      " + tc.yaml + "\n"
		err := env.NewStreamBuilder().SetYAML(conf)
		require.Error(t, err, field)
		assert.Contains(t, err.Error(), "(4,", field)
		assert.Contains(t, err.Error(), tc.msg, field)
	}
}

func TestParseSettings_ReadsEveryField(t *testing.T) {
	var s Settings
	env := fieldsEnv(t, &s)
	conf, err := service.NewConfigSpec().Field(ConfigField()).ParseYAML(`
http:
  timeout: 5s
  rate_limit: 2.5
  burst: 3
  max_attempts: 7
  initial_interval: 100ms
  max_interval: 2s
  max_elapsed: 0s
  max_response_bytes: 1024
`, env)
	require.NoError(t, err)
	s, err = ParseSettings(conf)
	require.NoError(t, err)
	assert.Equal(t, Settings{
		Timeout: 5 * time.Second, RateLimit: 2.5, Burst: 3, MaxResponseBytes: 1024,
		Retry: RetryPolicy{MaxAttempts: 7, InitialInterval: 100 * time.Millisecond, MaxInterval: 2 * time.Second},
	}, s)
}

func TestConfigField_LintRulesRunInTheCoreBloblangEnvironment(t *testing.T) {
	// An empty environment has none of the pure plugins (parse_duration
	// among them), like the one Benthos lints field rules with.
	env := service.NewEmptyEnvironment()
	require.NoError(t, env.RegisterOutput("httpx_fields_core", service.NewConfigSpec().Field(ConfigField()),
		func(conf *service.ParsedConfig, _ *service.Resources) (service.Output, int, error) {
			_, err := ParseSettings(conf)
			return nil, 1, err
		}))
	for yaml, want := range map[string]string{
		"timeout: -5s":            "http.timeout must be a positive duration",
		"timeout: 0s":             "http.timeout must be a positive duration",
		"timeout: 0.0ms":          "http.timeout must be a positive duration",
		"initial_interval: 0m0s":  "http.initial_interval must be a positive duration",
		"max_elapsed: -1m":        "http.max_elapsed must not be negative",
		"timeout: 1m30s":          "",
		"timeout: 250ms":          "",
		"max_elapsed: 0s":         "",
		"max_interval: 10s":       "",
		"initial_interval: 100ms": "",
	} {
		err := env.NewStreamBuilder().SetYAML("output:\n  httpx_fields_core:\n    http:\n      " + yaml + "\n")
		if want == "" {
			if err != nil {
				assert.NotContains(t, err.Error(), "http.", yaml)
				assert.NotContains(t, err.Error(), "lint mapping itself failed", yaml)
			}
			continue
		}
		require.Error(t, err, yaml)
		assert.Contains(t, err.Error(), want, yaml)
		assert.NotContains(t, err.Error(), "lint mapping itself failed", yaml)
	}
}
