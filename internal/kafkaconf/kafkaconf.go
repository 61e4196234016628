// Package kafkaconf holds the connection fields shared by the kafka input and
// output (seed brokers, client id, TLS and SASL) and turns them into franz-go
// client options. It knows nothing of consuming or producing.
package kafkaconf

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// Field names shared by the kafka input and output.
const (
	FieldSeedBrokers   = "seed_brokers"
	FieldClientID      = "client_id"
	FieldTLS           = "tls"
	FieldSASL          = "sasl"
	FieldSASLMechanism = "mechanism"
	FieldSASLUser      = "user"
	FieldSASLPassword  = "password"
)

// SASL mechanisms accepted in the sasl.mechanism field.
const (
	MechanismNone        = "none"
	MechanismPlain       = "PLAIN"
	MechanismScramSHA256 = "SCRAM-SHA-256"
	MechanismScramSHA512 = "SCRAM-SHA-512"
)

// ErrNoSeedBrokers is returned when seed_brokers holds no address.
var ErrNoSeedBrokers = errors.New("seed_brokers must list at least one broker address")

// Fields returns the connection fields, in the order they are documented.
func Fields() []*service.ConfigField {
	return []*service.ConfigField{
		service.NewStringListField(FieldSeedBrokers).
			Description("Addresses (host:port) of Kafka brokers to bootstrap from. An entry may hold several comma-separated addresses.").
			Example([]string{"localhost:9092"}).
			Example([]string{"broker-1:9092,broker-2:9092"}),
		service.NewStringField(FieldClientID).
			Description("Client id sent to the brokers, visible in broker logs and quotas.").
			Default("datawald"),
		service.NewTLSToggledField(FieldTLS),
		service.NewObjectField(FieldSASL,
			service.NewStringEnumField(FieldSASLMechanism, MechanismNone, MechanismPlain, MechanismScramSHA256, MechanismScramSHA512).
				Description("SASL mechanism; `none` disables SASL.").
				Default(MechanismNone),
			service.NewStringField(FieldSASLUser).
				Description("SASL user name.").
				Default(""),
			service.NewStringField(FieldSASLPassword).
				Description("SASL password.").
				Default("").
				Secret(),
		).Description("SASL authentication.").Advanced(),
	}
}

// LintRule returns a component lint rule (for ConfigSpec.LintRule, which
// keeps only one rule per spec) combining the connection checks with the
// component's own. Each check is a Bloblang expression that evaluates to an
// error message or null.
func LintRule(checks ...string) string {
	all := append([]string{
		`if this.sasl.mechanism.or("none") != "none" && this.sasl.user.or("") == "" { "sasl.user must be set when sasl.mechanism is " + this.sasl.mechanism } else { null }`,
	}, checks...)
	return "root = [\n  " + strings.Join(all, ",\n  ") + "\n].filter(e -> e != null)"
}

// Conn is the parsed connection configuration.
type Conn struct {
	SeedBrokers []string
	ClientID    string
	// opts hold the TLS and SASL options; they may carry secrets and are
	// therefore never printed.
	opts []kgo.Opt
}

// ParseConn reads the fields returned by Fields.
func ParseConn(conf *service.ParsedConfig) (*Conn, error) {
	raw, err := conf.FieldStringList(FieldSeedBrokers)
	if err != nil {
		return nil, err
	}
	c := &Conn{}
	for _, entry := range raw {
		for _, addr := range strings.Split(entry, ",") {
			if addr = strings.TrimSpace(addr); addr != "" {
				c.SeedBrokers = append(c.SeedBrokers, addr)
			}
		}
	}
	if len(c.SeedBrokers) == 0 {
		return nil, ErrNoSeedBrokers
	}
	if c.ClientID, err = conf.FieldString(FieldClientID); err != nil {
		return nil, err
	}
	tlsConf, tlsOn, err := conf.FieldTLSToggled(FieldTLS)
	if err != nil {
		return nil, err
	}
	if tlsOn {
		c.opts = append(c.opts, kgo.DialTLSConfig(tlsConf))
	}
	mech, err := parseSASL(conf.Namespace(FieldSASL))
	if err != nil {
		return nil, err
	}
	if mech != nil {
		c.opts = append(c.opts, kgo.SASL(mech))
	}
	return c, nil
}

func parseSASL(conf *service.ParsedConfig) (sasl.Mechanism, error) {
	name, err := conf.FieldString(FieldSASLMechanism)
	if err != nil {
		return nil, err
	}
	if name == MechanismNone {
		return nil, nil
	}
	user, err := conf.FieldString(FieldSASLUser)
	if err != nil {
		return nil, err
	}
	pass, err := conf.FieldString(FieldSASLPassword)
	if err != nil {
		return nil, err
	}
	if user == "" {
		return nil, fmt.Errorf("parsing sasl: user must be set for mechanism %s", name)
	}
	switch name {
	case MechanismPlain:
		return plain.Auth{User: user, Pass: pass}.AsMechanism(), nil
	case MechanismScramSHA256:
		return scram.Auth{User: user, Pass: pass}.AsSha256Mechanism(), nil
	case MechanismScramSHA512:
		return scram.Auth{User: user, Pass: pass}.AsSha512Mechanism(), nil
	}
	return nil, fmt.Errorf("parsing sasl: unknown mechanism %q", name)
}

// ClientOpts returns the franz-go options for this connection. extra options
// (consumer or producer specific) are appended after the connection ones.
func (c *Conn) ClientOpts(extra ...kgo.Opt) []kgo.Opt {
	opts := []kgo.Opt{
		kgo.SeedBrokers(c.SeedBrokers...),
		kgo.ClientID(c.ClientID),
		kgo.DialTimeout(10 * time.Second),
	}
	opts = append(opts, c.opts...)
	return append(opts, extra...)
}

// UnreachableError reports that no seed broker answered (or accepted the
// client, e.g. after a SASL failure) during Connect. It names the brokers,
// never the credentials.
type UnreachableError struct {
	Brokers []string
	Err     error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("reaching kafka seed brokers %s: %v", strings.Join(e.Brokers, ","), e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }
