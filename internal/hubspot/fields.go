package hubspot

import (
	"fmt"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/httpx"
)

// Connection field names shared by the hubspot input and output.
const (
	FieldBaseURL     = "base_url"
	FieldAPIPrefix   = "api_prefix"
	FieldAccessToken = "access_token"
	FieldObject      = "object"
)

// ConnectionFields returns the fields every hubspot component shares: the
// API host and version prefix, the access token and the `http` transport
// object.
func ConnectionFields() []*service.ConfigField {
	return []*service.ConfigField{
		service.NewURLField(FieldBaseURL).
			LintRule(httpx.BaseURLLint(FieldBaseURL)).
			Description("HubSpot API host. Change it only for a proxy or the datawald sandbox.").
			Default(DefaultBaseURL).Example("http://127.0.0.1:8481").Advanced(),
		service.NewStringField(FieldAPIPrefix).
			Description("Path before `/objects/{objectType}`: the CRM objects API version. HubSpot files `/crm/v3` under legacy and also serves date-versioned paths such as `/crm/objects/2026-03`.").
			Default(DefaultAPIPrefix).Example("/crm/objects/2026-03").
			LintRule(`root = if !this.re_match("^(/[A-Za-z0-9._-]+)+/?$") { [ "api_prefix must be a path such as /crm/v3" ] }`).
			Advanced(),
		service.NewStringField(FieldAccessToken).
			Description("Access token of a private app (a static auth token) with the CRM scopes of the object read or written, sent as `Authorization: Bearer`. Use an `${ENV}` reference; it never appears in logs or errors.").
			Example("${HUBSPOT_ACCESS_TOKEN}").Secret().
			LintRule(`root = if this.trim() == "" { [ "access_token must not be empty" ] }`),
		httpx.ConfigField(),
	}
}

// ObjectField returns the `object` enum field.
func ObjectField(description string) *service.ConfigField {
	return service.NewStringAnnotatedEnumField(FieldObject, map[string]string{
		"contacts":  "Contacts (`dw_tx_type` customer; cursor property `lastmodifieddate`).",
		"companies": "Companies (`dw_tx_type` company; cursor property `hs_lastmodifieddate`).",
		"deals":     "Deals (`dw_tx_type` deal; cursor property `hs_lastmodifieddate`).",
		"products":  "Products (`dw_tx_type` product; cursor property `hs_lastmodifieddate`).",
	}).Description(description).Example("contacts")
}

// ConfigFromParsed reads the fields of ConnectionFields into a Config.
// Metrics, Logger and Transport are left for the caller.
func ConfigFromParsed(conf *service.ParsedConfig) (c Config, err error) {
	if c.BaseURL, err = conf.FieldString(FieldBaseURL); err != nil {
		return
	}
	if c.APIPrefix, err = conf.FieldString(FieldAPIPrefix); err != nil {
		return
	}
	if _, err = cleanPrefix(c.APIPrefix); err != nil {
		err = fmt.Errorf("field %s: %w", FieldAPIPrefix, err)
		return
	}
	if c.Token, err = conf.FieldString(FieldAccessToken); err != nil {
		return
	}
	if c.HTTP, err = httpx.ParseSettings(conf); err != nil {
		err = fmt.Errorf("field %s: %w", httpx.FieldHTTP, err)
	}
	return
}

// ObjectTypeFromParsed reads the `object` field.
func ObjectTypeFromParsed(conf *service.ParsedConfig) (ObjectType, error) {
	name, err := conf.FieldString(FieldObject)
	if err != nil {
		return ObjectType{}, err
	}
	t, ok := LookupObjectType(name)
	if !ok {
		return ObjectType{}, fmt.Errorf("field %s: unknown object type %q (want one of %v)", FieldObject, name, ObjectTypeNames())
	}
	return t, nil
}
