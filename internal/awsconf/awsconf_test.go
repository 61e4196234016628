package awsconf

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parse(t *testing.T, yaml string) (*Session, error) {
	t.Helper()
	conf, err := service.NewConfigSpec().Fields(Fields()...).ParseYAML(yaml, nil)
	require.NoError(t, err)
	return ParseSession(conf)
}

func TestSessionWithStaticCredentialsAndEndpoint(t *testing.T) {
	s, err := parse(t, `
region: eu-central-1
endpoint: http://127.0.0.1:4566
credentials: { id: AKIDTEST, secret: s3cret, token: tok }
`)
	require.NoError(t, err)
	cfg, err := s.Config(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, "eu-central-1", cfg.Region)
	assert.Equal(t, "http://127.0.0.1:4566", aws.ToString(cfg.BaseEndpoint))
	creds, err := cfg.Credentials.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "AKIDTEST", creds.AccessKeyID)
	assert.Equal(t, "s3cret", creds.SecretAccessKey)
	assert.Equal(t, "tok", creds.SessionToken)
}

func TestSessionReadsANamedProfileFromTheSharedFiles(t *testing.T) {
	dir := t.TempDir()
	credsFile := filepath.Join(dir, "credentials")
	require.NoError(t, os.WriteFile(credsFile, []byte("[datawald]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = fromfile\n"), 0o600))
	configFile := filepath.Join(dir, "config")
	require.NoError(t, os.WriteFile(configFile, []byte("[profile datawald]\nregion = ap-southeast-2\n"), 0o600))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", credsFile)
	t.Setenv("AWS_CONFIG_FILE", configFile)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_PROFILE", "")

	s, err := parse(t, `credentials: { profile: datawald }`)
	require.NoError(t, err)
	cfg, err := s.Config(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, "ap-southeast-2", cfg.Region)
	creds, err := cfg.Credentials.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "AKIDPROFILE", creds.AccessKeyID)
}

func TestParseSessionRejectsAnIDWithoutASecret(t *testing.T) {
	_, err := parse(t, `credentials: { id: AKID }`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "credentials.id and credentials.secret must be set together")
}
