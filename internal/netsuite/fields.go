package netsuite

import (
	"fmt"
	"strings"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/httpx"
)

// Connection field names shared by the netsuite input and output.
const (
	FieldAccountID        = "account_id"
	FieldBaseURL          = "base_url"
	FieldAuth             = "auth"
	fieldAuthMode         = "mode"
	fieldClientID         = "client_id"
	fieldCertificateID    = "certificate_id"
	fieldPrivateKey       = "private_key"
	fieldAlgorithm        = "algorithm"
	fieldScopes           = "scopes"
	fieldConsumerKey      = "consumer_key"
	fieldConsumerSecret   = "consumer_secret"
	fieldTokenID          = "token_id"
	fieldTokenSecret      = "token_secret"
	FieldConcurrencyLimit = "concurrency_limit"
	FieldRecovery         = "concurrency_recovery"
)

// ConnectionFields are the account, credentials, concurrency and `http`
// fields every netsuite component has.
func ConnectionFields() []*service.ConfigField {
	return []*service.ConfigField{
		service.NewStringField(FieldAccountID).
			Description("NetSuite account id, in either form: `1234567_SB1` (as the UI shows it, used as the OAuth realm) or `1234567-sb1` (as in the API host name). Sandbox accounts carry their `_SB<n>` suffix.").
			Example("1234567").Example("1234567_SB1"),
		service.NewURLField(FieldBaseURL).
			LintRule(httpx.BaseURLLint(FieldBaseURL)).
			Description("REST web services host. Empty means `https://<account id, host form>.suitetalk.api.netsuite.com`; set it only for a proxy or the datawald sandbox.").
			Default("").Example("http://127.0.0.1:8480").Advanced(),
		service.NewObjectField(FieldAuth,
			service.NewStringAnnotatedEnumField(fieldAuthMode, map[string]string{
				AuthOAuth2: "OAuth 2.0 client credentials (machine to machine): a JWT assertion signed with the private key of a certificate mapped to the integration, exchanged for an access token that is cached and renewed before it expires. Oracle's preferred method.",
				AuthTBA:    "Token-Based Authentication (OAuth 1.0a, HMAC-SHA256, realm = account id). Legacy, but still accepted by REST web services.",
			}).Description("Authentication method. REST web services accept no user name and password.").Default(AuthOAuth2),
			service.NewStringField(fieldClientID).Description("OAuth 2.0: the integration record's client id (the assertion's `iss`).").Default(""),
			service.NewStringField(fieldCertificateID).Description("OAuth 2.0: the certificate id shown in Setup > Integration > OAuth 2.0 Client Credentials (M2M) Setup (the assertion's `kid`). A sandbox refresh removes these mappings: map the certificate again in each account.").Default(""),
			service.NewStringField(fieldPrivateKey).Description("OAuth 2.0: the PEM private key of that certificate (RSA signs PS256, EC signs ES256/ES384/ES512).").Default("").Secret(),
			service.NewStringEnumField(fieldAlgorithm, append([]string{""}, AssertionAlgorithms...)...).
				Description("OAuth 2.0: the assertion's signing algorithm; empty picks it from the key. NetSuite does not accept RS256.").Default("").Advanced(),
			service.NewStringListField(fieldScopes).Description("OAuth 2.0: scopes to request.").Default([]any{"rest_webservices"}).Advanced(),
			service.NewStringField(fieldConsumerKey).Description("TBA: the integration record's consumer key.").Default(""),
			service.NewStringField(fieldConsumerSecret).Description("TBA: the integration record's consumer secret.").Default("").Secret(),
			service.NewStringField(fieldTokenID).Description("TBA: the access token id of the integration's user and role.").Default("").Secret(),
			service.NewStringField(fieldTokenSecret).Description("TBA: the access token secret.").Default("").Secret(),
		).Description("Credentials. Use `${ENV}` references for secrets."),
		service.NewIntField(FieldConcurrencyLimit).
			Description("Requests in flight to this account, shared by every netsuite input and output of the process (all streams) that names the same account: NetSuite's concurrency limit is per account, and a request over it is refused with 429. 0 reads the integration's limit from `/system/v1/governanceLimits` (administrators only; otherwise 5, the smallest account's). When components set different values the smallest wins.").
			Default(0).Example(15).
			LintRule(`root = if this < 0 { [ "concurrency_limit must not be negative" ] }`),
		service.NewDurationField(FieldRecovery).
			Description("After a 429 (another integration is using slots) the limit shrinks below the requests then in flight; it grows back by one slot per this period without a 429.").
			Default(DefaultRecovery.String()).Advanced(),
		httpx.ConfigField(),
	}
}

// LintCheck is one condition (a Bloblang query on the component's config)
// that makes a config invalid, and the message to report.
type LintCheck struct{ When, Message string }

// AuthLintChecks reject credentials missing for the chosen auth mode.
var AuthLintChecks = []LintCheck{
	{`this.auth.mode.or("oauth2") == "oauth2" && (this.auth.client_id.or("") == "" || this.auth.certificate_id.or("") == "" || this.auth.private_key.or("") == "")`,
		"auth mode oauth2 needs auth.client_id, auth.certificate_id and auth.private_key"},
	{`this.auth.mode.or("oauth2") == "tba" && (this.auth.consumer_key.or("") == "" || this.auth.consumer_secret.or("") == "" || this.auth.token_id.or("") == "" || this.auth.token_secret.or("") == "")`,
		"auth mode tba needs auth.consumer_key, auth.consumer_secret, auth.token_id and auth.token_secret"},
}

// LintRule composes checks into the one lint rule a Benthos spec holds
// (ConfigSpec.LintRule replaces, it does not add).
func LintRule(checks ...LintCheck) string {
	parts := make([]string, len(checks))
	for i, c := range checks {
		parts[i] = fmt.Sprintf("if %s { %q } else { null }", c.When, c.Message)
	}
	return "root = [" + strings.Join(parts, ", ") + "].filter(v -> v != null)"
}

// ConfigFromParsed reads the fields of ConnectionFields.
func ConfigFromParsed(conf *service.ParsedConfig) (Config, error) {
	var c Config
	raw, err := conf.FieldString(FieldAccountID)
	if err != nil {
		return c, err
	}
	if c.Account, err = ParseAccountID(raw); err != nil {
		return c, fmt.Errorf("field %s: %w", FieldAccountID, err)
	}
	if c.BaseURL, err = conf.FieldString(FieldBaseURL); err != nil {
		return c, err
	}
	a := conf.Namespace(FieldAuth)
	str := func(name string) string {
		if err != nil {
			return ""
		}
		var v string
		v, err = a.FieldString(name)
		return v
	}
	c.Auth.Mode = str(fieldAuthMode)
	c.Auth.OAuth2 = ClientCredentials{ClientID: str(fieldClientID), CertificateID: str(fieldCertificateID), PrivateKeyPEM: str(fieldPrivateKey), Algorithm: str(fieldAlgorithm)}
	c.Auth.TBA = TBA{ConsumerKey: str(fieldConsumerKey), ConsumerSecret: str(fieldConsumerSecret), TokenID: str(fieldTokenID), TokenSecret: str(fieldTokenSecret)}
	if err != nil {
		return c, err
	}
	if c.Auth.OAuth2.Scopes, err = a.FieldStringList(fieldScopes); err != nil {
		return c, err
	}
	if c.ConcurrencyLimit, err = conf.FieldInt(FieldConcurrencyLimit); err != nil {
		return c, err
	}
	if c.ConcurrencyLimit < 0 {
		return c, fmt.Errorf("field %s: must not be negative", FieldConcurrencyLimit)
	}
	if c.Recovery, err = conf.FieldDuration(FieldRecovery); err != nil {
		return c, err
	}
	if c.Recovery <= 0 {
		c.Recovery = time.Minute
	}
	if c.HTTP, err = httpx.ParseSettings(conf); err != nil {
		return c, err
	}
	return c, nil
}
