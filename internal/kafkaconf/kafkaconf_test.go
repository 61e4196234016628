package kafkaconf

import (
	"testing"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parse(t *testing.T, yaml string) (*Conn, error) {
	t.Helper()
	spec := service.NewConfigSpec().Fields(Fields()...)
	conf, err := spec.ParseYAML(yaml, nil)
	require.NoError(t, err)
	return ParseConn(conf)
}

func TestParseConnSplitsCommaSeparatedBrokers(t *testing.T) {
	c, err := parse(t, `seed_brokers: [ "a:9092, b:9092", "c:9092" ]`)
	require.NoError(t, err)
	assert.Equal(t, []string{"a:9092", "b:9092", "c:9092"}, c.SeedBrokers)
	assert.Equal(t, "datawald", c.ClientID)
}

func TestParseConnRejectsAnEmptyBrokerList(t *testing.T) {
	_, err := parse(t, `seed_brokers: [ " , " ]`)
	assert.ErrorIs(t, err, ErrNoSeedBrokers)
}

func TestParseConnRequiresAUserForSASL(t *testing.T) {
	_, err := parse(t, `
seed_brokers: [ "a:9092" ]
sasl:
  mechanism: PLAIN
  password: hunter2
`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "user must be set for mechanism PLAIN")
	assert.NotContains(t, err.Error(), "hunter2")
}

func TestParseConnAddsTLSAndSASLOptions(t *testing.T) {
	plain, err := parse(t, `seed_brokers: [ "a:9092" ]`)
	require.NoError(t, err)
	secured, err := parse(t, `
seed_brokers: [ "a:9092" ]
tls: { enabled: true }
sasl: { mechanism: SCRAM-SHA-512, user: u, password: p }
`)
	require.NoError(t, err)
	assert.Len(t, secured.ClientOpts(), len(plain.ClientOpts())+2)
}

func TestUnreachableErrorNamesTheBrokers(t *testing.T) {
	err := &UnreachableError{Brokers: []string{"a:1", "b:2"}, Err: assert.AnError}
	assert.Equal(t, "reaching kafka seed brokers a:1,b:2: "+assert.AnError.Error(), err.Error())
	assert.ErrorIs(t, err, assert.AnError)
}

func TestLintRuleFlagsSASLWithoutUserAndKeepsComponentChecks(t *testing.T) {
	spec := service.NewConfigSpec().Fields(Fields()...).
		Field(service.NewIntField("n").Default(0)).
		LintRule(LintRule(`if this.n.or(0) < 0 { "n must not be negative" } else { null }`))
	env := service.NewEmptyEnvironment()
	require.NoError(t, env.RegisterInput("probe", spec, func(*service.ParsedConfig, *service.Resources) (service.Input, error) {
		return nil, nil
	}))
	lints, err := env.NewComponentConfigLinter().LintInputYAML([]byte(`
probe:
  seed_brokers: [ "a:9092" ]
  n: -1
  sasl: { mechanism: PLAIN }
`))
	require.NoError(t, err)
	var msgs []string
	for _, l := range lints {
		msgs = append(msgs, l.What)
	}
	assert.ElementsMatch(t, []string{"sasl.user must be set when sasl.mechanism is PLAIN", "n must not be negative"}, msgs)
}
