package remote

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/rds/auth"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
)

// TokenBuilder signs an RDS IAM authentication token; auth.BuildAuthToken in production.
type TokenBuilder func(ctx context.Context, endpoint, region, user string, creds aws.CredentialsProvider) (string, error)

// IAMSource is a CredentialSource that signs a fresh RDS IAM token (valid 15 minutes) for every
// new connection. Existing connections are unaffected by token expiry, so it never drains.
type IAMSource struct {
	Endpoint string // host:port of the database
	Region   string
	User     string
	Creds    aws.CredentialsProvider
	Build    TokenBuilder
}

// NewIAM returns an IAMSource using the AWS SDK's default credential chain.
func NewIAM(ctx context.Context, endpoint, region, user string) (*IAMSource, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region))
	if err != nil {
		return nil, provider.WithCode(provider.FailedPrecondition, fmt.Errorf("load AWS credentials for RDS IAM: %w", err))
	}
	return &IAMSource{Endpoint: endpoint, Region: region, User: user, Creds: cfg.Credentials, Build: buildToken}, nil
}

func buildToken(ctx context.Context, endpoint, region, user string, creds aws.CredentialsProvider) (string, error) {
	return auth.BuildAuthToken(ctx, endpoint, region, user, creds)
}

// Credentials signs a token for a new connection.
func (s *IAMSource) Credentials(ctx context.Context) (storage.Credentials, error) {
	tok, err := s.Build(ctx, s.Endpoint, s.Region, s.User, s.Creds)
	if err != nil {
		return storage.Credentials{}, provider.WithCode(provider.Unauthenticated, fmt.Errorf("sign RDS IAM token for %s@%s: %w", s.User, s.Endpoint, err))
	}
	return storage.Credentials{User: s.User, Password: provider.NewSecretValue([]byte(tok))}, nil
}

// Generation is constant: a token only matters when a connection is opened.
func (s *IAMSource) Generation() uint64 { return 0 }
