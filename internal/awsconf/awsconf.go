// Package awsconf holds the AWS session fields shared by datawald's AWS
// components (region, endpoint, credentials) and builds an aws.Config from
// them.
package awsconf

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/redpanda-data/benthos/v4/public/service"
)

// Field names of the session fields.
const (
	FieldRegion         = "region"
	FieldEndpoint       = "endpoint"
	FieldCredentials    = "credentials"
	FieldProfile        = "profile"
	FieldID             = "id"
	FieldSecret         = "secret"
	FieldToken          = "token"
	FieldRole           = "role"
	FieldRoleExternalID = "role_external_id"
)

// Fields returns the session fields, in the order they are documented.
func Fields() []*service.ConfigField {
	return []*service.ConfigField{
		service.NewStringField(FieldRegion).
			Description("AWS region. Empty uses the default chain (AWS_REGION, the shared config file).").
			Default("").
			Example("eu-central-1"),
		service.NewStringField(FieldEndpoint).
			Description("Custom endpoint URL, for VPC endpoints and emulators (moto, fauxqs). Empty uses AWS's endpoint for the region.").
			Default("").
			Example("http://127.0.0.1:4566").
			Advanced(),
		service.NewObjectField(FieldCredentials,
			service.NewStringField(FieldProfile).
				Description("Named profile from the shared credentials file.").
				Default(""),
			service.NewStringField(FieldID).
				Description("Static access key id.").
				Default(""),
			service.NewStringField(FieldSecret).
				Description("Static secret access key.").
				Default("").
				Secret(),
			service.NewStringField(FieldToken).
				Description("Session token for temporary static credentials.").
				Default("").
				Secret(),
			service.NewStringField(FieldRole).
				Description("ARN of a role to assume with the credentials above (or the default chain).").
				Default("").
				Example("arn:aws:iam::123456789012:role/datawald"),
			service.NewStringField(FieldRoleExternalID).
				Description("External id to present when assuming `role`.").
				Default(""),
		).
			Description("Credentials. With every field empty the default chain is used (environment, shared files, ECS/EC2 roles, web identity).").
			Advanced(),
	}
}

// LintChecks are Bloblang expressions (each an error message or null) for
// impossible credential combinations, for inclusion in a component's lint
// rule.
var LintChecks = []string{
	`if (this.credentials.id.or("") == "") != (this.credentials.secret.or("") == "") { "credentials.id and credentials.secret must be set together" } else { null }`,
	`if this.credentials.profile.or("") != "" && this.credentials.id.or("") != "" { "credentials.profile and credentials.id are mutually exclusive" } else { null }`,
	`if this.credentials.role.or("") == "" && this.credentials.role_external_id.or("") != "" { "credentials.role_external_id requires credentials.role" } else { null }`,
}

// Session is the parsed session configuration.
type Session struct {
	Region   string
	Endpoint string

	profile, id, secret, token string // secret and token are never printed
	role, roleExternalID       string
}

// ParseSession reads the fields returned by Fields.
func ParseSession(conf *service.ParsedConfig) (*Session, error) {
	s := &Session{}
	var err error
	if s.Region, err = conf.FieldString(FieldRegion); err != nil {
		return nil, err
	}
	if s.Endpoint, err = conf.FieldString(FieldEndpoint); err != nil {
		return nil, err
	}
	cc := conf.Namespace(FieldCredentials)
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{FieldProfile, &s.profile}, {FieldID, &s.id}, {FieldSecret, &s.secret},
		{FieldToken, &s.token}, {FieldRole, &s.role}, {FieldRoleExternalID, &s.roleExternalID},
	} {
		if *f.dst, err = cc.FieldString(f.name); err != nil {
			return nil, err
		}
	}
	if (s.id == "") != (s.secret == "") {
		return nil, errors.New("credentials.id and credentials.secret must be set together")
	}
	return s, nil
}

// Config loads an aws.Config: the default chain, narrowed by the configured
// region, profile, static keys and assumed role. httpClient may be nil.
func (s *Session) Config(ctx context.Context, httpClient *http.Client) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if s.Region != "" {
		opts = append(opts, config.WithRegion(s.Region))
	}
	if s.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(s.profile))
	}
	if s.id != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(s.id, s.secret, s.token)))
	}
	if httpClient != nil {
		opts = append(opts, config.WithHTTPClient(httpClient))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading aws config: %w", err)
	}
	if s.role != "" {
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), s.role, func(o *stscreds.AssumeRoleOptions) {
			if s.roleExternalID != "" {
				o.ExternalID = aws.String(s.roleExternalID)
			}
		}))
	}
	if s.Endpoint != "" {
		cfg.BaseEndpoint = aws.String(s.Endpoint)
	}
	return cfg, nil
}
