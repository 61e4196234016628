package magento

import (
	"fmt"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/httpx"
)

// Config field names shared by the magento input and output.
const (
	FieldBaseURL           = "base_url"
	FieldStoreCode         = "store_code"
	FieldAuth              = "auth"
	fieldAuthMode          = "mode"
	fieldConsumerKey       = "consumer_key"
	fieldConsumerSecret    = "consumer_secret"
	fieldAccessToken       = "access_token"
	fieldAccessTokenSecret = "access_token_secret"
	fieldToken             = "token"
	fieldUsername          = "username"
	fieldPassword          = "password"
	fieldTokenLifetime     = "token_lifetime"
	fieldRenewBefore       = "renew_before"
)

// ConnectionFields returns the fields every magento component shares: the
// store's base URL, the store code of the route, the credentials and the
// `http` transport object.
func ConnectionFields() []*service.ConfigField {
	return []*service.ConfigField{
		service.NewURLField(FieldBaseURL).
			LintRule(httpx.BaseURLLint(FieldBaseURL)).
			Description("Base URL of the Magento store, without `/rest`. Requests go to `<base_url>/rest/<store_code>/V1/...` (Magento Open Source and Adobe Commerce on-premise or cloud PaaS).").
			Example("https://shop.example.com"),
		service.NewStringField(FieldStoreCode).
			Description("Store view code in the route. `default` reads and writes the default store view; `all` writes global (admin) scope values; another code writes that store view's scope.").
			Default(DefaultStoreCode).
			Examples("default", "all", "de"),
		authField(),
		httpx.ConfigField(),
	}
}

func authField() *service.ConfigField {
	return service.NewObjectField(FieldAuth,
		service.NewStringAnnotatedEnumField(fieldAuthMode, map[string]string{
			AuthOAuth1: "Sign every request with OAuth 1.0a (HMAC-SHA256) using an integration's consumer key/secret and access token/secret. The recommended mode: integration tokens do not expire, and Magento disables their use as bearer tokens by default.",
			AuthBearer: "Send `token` as a bearer token (an integration access token where *Allow OAuth Access Tokens to be used as standalone Bearer tokens* is on, or a token issued elsewhere).",
			AuthAdmin:  "Exchange `username` and `password` for an admin token (`POST /V1/integration/admin/token`), renewed `renew_before` ahead of `token_lifetime` and again whenever Magento answers 401. Not usable with two-factor authentication on.",
		}).Description("How requests are authenticated.").Default(AuthOAuth1),
		service.NewStringField(fieldConsumerKey).Description("Integration consumer key (`oauth1`).").Default("").Secret(),
		service.NewStringField(fieldConsumerSecret).Description("Integration consumer secret (`oauth1`).").Default("").Secret(),
		service.NewStringField(fieldAccessToken).Description("Integration access token (`oauth1`).").Default("").Secret(),
		service.NewStringField(fieldAccessTokenSecret).Description("Integration access token secret (`oauth1`).").Default("").Secret(),
		service.NewStringField(fieldToken).Description("Bearer token (`bearer`).").Default("").Secret(),
		service.NewStringField(fieldUsername).Description("Admin user name (`admin`).").Default(""),
		service.NewStringField(fieldPassword).Description("Admin password (`admin`).").Default("").Secret(),
		service.NewDurationField(fieldTokenLifetime).
			Description("Lifetime of an admin token as configured in the store (*Stores > Configuration > Services > OAuth > Access Token Expiration > Admin Token Lifetime*) (`admin`).").
			Default(DefaultAdminTokenLifetime.String()).Advanced(),
		service.NewDurationField(fieldRenewBefore).
			Description("How long before its expiry an admin token is replaced (`admin`).").
			Default("5m").Advanced(),
	).Description("Credentials. Every secret accepts `${ENV_VAR}` interpolation; keep secrets out of config files.")
}

// AuthLint is a Bloblang statement for a component-level lint rule: it
// binds $auth_errors to the problems of the `auth` object (the fields its
// mode needs). Components end their rule with
// `root = $auth_errors.merge(<their own list>)`. (Lint rules on the object
// field itself are not run by Benthos for nested objects.)
const AuthLint = `let auth = this.auth.or({})
let auth_errors = match $auth.mode.or("oauth1") {
  "oauth1" => if $auth.consumer_key.or("") == "" || $auth.consumer_secret.or("") == "" || $auth.access_token.or("") == "" || $auth.access_token_secret.or("") == "" { [ "auth mode oauth1 needs consumer_key, consumer_secret, access_token and access_token_secret" ] } else { [] },
  "bearer" => if $auth.token.or("") == "" { [ "auth mode bearer needs token" ] } else { [] },
  "admin" => if $auth.username.or("") == "" || $auth.password.or("") == "" { [ "auth mode admin needs username and password" ] } else { [] },
  _ => [],
}
`

// ConfigFromParsed reads the fields of ConnectionFields into a Config.
// Metrics, Logger and Transport are left for the caller.
func ConfigFromParsed(conf *service.ParsedConfig) (Config, error) {
	var (
		cfg Config
		err error
	)
	if cfg.BaseURL, err = conf.FieldString(FieldBaseURL); err != nil {
		return cfg, err
	}
	if cfg.StoreCode, err = conf.FieldString(FieldStoreCode); err != nil {
		return cfg, err
	}
	a := conf.Namespace(FieldAuth)
	strs := []struct {
		name string
		dst  *string
	}{
		{fieldAuthMode, &cfg.Auth.Mode},
		{fieldConsumerKey, &cfg.Auth.ConsumerKey},
		{fieldConsumerSecret, &cfg.Auth.ConsumerSecret},
		{fieldAccessToken, &cfg.Auth.AccessToken},
		{fieldAccessTokenSecret, &cfg.Auth.AccessTokenSecret},
		{fieldToken, &cfg.Auth.Token},
		{fieldUsername, &cfg.Auth.Username},
		{fieldPassword, &cfg.Auth.Password},
	}
	for _, s := range strs {
		if *s.dst, err = a.FieldString(s.name); err != nil {
			return cfg, err
		}
	}
	if cfg.Auth.TokenLifetime, err = a.FieldDuration(fieldTokenLifetime); err != nil {
		return cfg, err
	}
	if cfg.Auth.RenewBefore, err = a.FieldDuration(fieldRenewBefore); err != nil {
		return cfg, err
	}
	if cfg.HTTP, err = httpx.ParseSettings(conf); err != nil {
		return cfg, fmt.Errorf("field %s: %w", httpx.FieldHTTP, err)
	}
	return cfg, nil
}
