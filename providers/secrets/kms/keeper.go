package kms

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awskmsapi "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"
	"gocloud.dev/gcerrors"
	"gocloud.dev/gcp"
	gcsecrets "gocloud.dev/secrets"
	"gocloud.dev/secrets/awskms"
	"gocloud.dev/secrets/azurekeyvault"
	"gocloud.dev/secrets/gcpkms"
	"golang.org/x/oauth2/google"

	"github.com/eim-byoi/eim/providers/provider"
)

// keeper is the keeper driver over a gocloud.dev keeper.
type keeper struct {
	k       *gcsecrets.Keeper
	timeout time.Duration
	cleanup func()
}

func openKeeper(ctx context.Context, cfg *Config) (*keeper, error) {
	kp := &keeper{timeout: cfg.Timeout.Std(), cleanup: func() {}}
	var err error
	switch cfg.Provider {
	case ProviderAWS:
		kp.k, err = openAWS(ctx, cfg)
	case ProviderGCP:
		kp.k, kp.cleanup, err = openGCP(ctx, cfg)
	case ProviderAzure:
		kp.k, err = azurekeyvault.OpenKeeper(azurekeyvault.DefaultClientMaker, cfg.Key, nil)
	}
	if err != nil {
		return nil, provider.WithCode(provider.InvalidArgument, err)
	}
	return kp, nil
}

// awsContextKey binds AWS ciphertext to the configured key through the encryption context.
const awsContextKey = "eim:key"

func openAWS(ctx context.Context, cfg *Config) (*gcsecrets.Keeper, error) {
	// Calls made inside a trace get a client span and carry the trace context (provider.TracedTransport).
	httpClient := &http.Client{Timeout: cfg.Timeout.Std(), Transport: provider.TracedTransport(&http.Transport{
		Proxy: nil, DialContext: (&net.Dialer{Timeout: cfg.Timeout.Std()}).DialContext, MaxIdleConnsPerHost: 4})}
	var opts awskmsapi.Options
	if cfg.AWS.AccessKeyID != nil {
		opts = awskmsapi.Options{Region: cfg.AWS.Region, Credentials: credentials.NewStaticCredentialsProvider(
			cfg.AWS.AccessKeyID.Value().Reveal(), cfg.AWS.SecretAccessKey.Value().Reveal(), "")}
	} else {
		// The SDK's default chain (IRSA web identity, ECS/EC2 roles, shared config) reads its
		// own environment: the one place this adapter lets a library do so (docs/adr/0003).
		ac, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(cfg.AWS.Region))
		if err != nil {
			return nil, err
		}
		opts = awskmsapi.Options{Region: ac.Region, Credentials: ac.Credentials}
	}
	opts.HTTPClient = httpClient
	opts.RetryMaxAttempts = 2
	if cfg.AWS.Endpoint != "" {
		opts.BaseEndpoint = aws.String(cfg.AWS.Endpoint)
	}
	client := awskmsapi.New(opts)
	return awskms.OpenKeeper(client, cfg.Key, &awskms.KeeperOptions{EncryptionContext: map[string]string{awsContextKey: cfg.Key}}), nil
}

func openGCP(ctx context.Context, cfg *Config) (*gcsecrets.Keeper, func(), error) {
	var ts gcp.TokenSource
	if cfg.GCP.Credentials != nil {
		creds, err := google.CredentialsFromJSON(ctx, cfg.GCP.Credentials.Value().Bytes(), "https://www.googleapis.com/auth/cloudkms")
		if err != nil {
			return nil, nil, err
		}
		ts = creds.TokenSource
	} else {
		creds, err := gcp.DefaultCredentials(ctx)
		if err != nil {
			return nil, nil, err
		}
		ts = gcp.CredentialsTokenSource(creds)
	}
	client, done, err := gcpkms.Dial(ctx, ts)
	if err != nil {
		return nil, nil, err
	}
	return gcpkms.OpenKeeper(client, cfg.Key, nil), done, nil
}

// Encrypt encrypts with the KMS key.
func (k *keeper) Encrypt(ctx context.Context, plaintext []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, k.timeout)
	defer cancel()
	ct, err := k.k.Encrypt(ctx, plaintext)
	return ct, mapError(err)
}

// Decrypt decrypts with the KMS key; ciphertext of another key is InvalidArgument.
func (k *keeper) Decrypt(ctx context.Context, ciphertext []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, k.timeout)
	defer cancel()
	pt, err := k.k.Decrypt(ctx, ciphertext)
	return pt, mapError(err)
}

// As exposes the gocloud keeper (target **secrets.Keeper of gocloud.dev/secrets).
func (k *keeper) As(target any) bool {
	p, ok := target.(**gcsecrets.Keeper)
	if ok {
		*p = k.k
	}
	return ok
}

func (k *keeper) close() error {
	err := k.k.Close()
	k.cleanup()
	return err
}

// mapError gives a gocloud error its provider.Code.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return provider.WithCode(provider.DeadlineExceeded, err)
	case errors.Is(err, context.Canceled):
		return provider.WithCode(provider.Canceled, err)
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return provider.WithCode(awsCode(ae), err)
	}
	code, ok := gcCodes[gcerrors.Code(err)]
	if !ok {
		var ne net.Error
		if errors.As(err, &ne) {
			return provider.WithCode(provider.Unavailable, err)
		}
		code = provider.Unavailable
	}
	return provider.WithCode(code, err)
}

// awsCode classifies an AWS KMS API error. Ciphertext that names a key this principal cannot
// use (garbage, or another account's key) is AccessDeniedException at AWS: for a decrypt that
// is bad input, not a missing permission.
func awsCode(ae smithy.APIError) provider.Code {
	switch ae.ErrorCode() {
	case "InvalidCiphertextException", "IncorrectKeyException", "InvalidKeyUsageException", "ValidationException":
		return provider.InvalidArgument
	case "AccessDeniedException":
		if strings.Contains(ae.ErrorMessage(), "ciphertext refers to") {
			return provider.InvalidArgument
		}
		return provider.PermissionDenied
	case "NotFoundException":
		return provider.NotFound
	case "DisabledException", "KMSInvalidStateException":
		return provider.FailedPrecondition
	case "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException":
		return provider.Unauthenticated
	case "ThrottlingException", "LimitExceededException":
		return provider.ResourceExhausted
	case "KeyUnavailableException", "DependencyTimeoutException", "KMSInternalException":
		return provider.Unavailable
	}
	return provider.Internal
}

var gcCodes = map[gcerrors.ErrorCode]provider.Code{
	gcerrors.NotFound:           provider.NotFound,
	gcerrors.InvalidArgument:    provider.InvalidArgument,
	gcerrors.FailedPrecondition: provider.FailedPrecondition,
	gcerrors.PermissionDenied:   provider.PermissionDenied,
	gcerrors.ResourceExhausted:  provider.ResourceExhausted,
	gcerrors.DeadlineExceeded:   provider.DeadlineExceeded,
	gcerrors.Internal:           provider.Internal,
	gcerrors.Unimplemented:      provider.Unimplemented,
	gcerrors.Canceled:           provider.Canceled,
	gcerrors.AlreadyExists:      provider.AlreadyExists,
}
