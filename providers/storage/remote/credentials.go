package remote

import (
	"context"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
)

// Source returns the credential source the configuration describes: env.Credentials when
// set, dynamic credentials from the secrets provider, AWS RDS IAM tokens for endpoint
// (host:port), a password {secret} reference followed through env.Password, or the static
// user and password.
func (c *Common) Source(ctx context.Context, env storage.Env, endpoint string) (storage.CredentialSource, error) {
	switch {
	case env.Credentials != nil:
		return env.Credentials, nil
	case c.Dynamic != nil:
		if env.Dynamic == nil {
			return nil, provider.Errorf(provider.FailedPrecondition,
				"dynamic credentials (%s) need a secrets provider that issues leases; configure providers.secrets with type vault", c.Dynamic.Path)
		}
		return env.Dynamic(ctx, c.Dynamic.Path)
	case c.IAM != nil:
		return NewIAM(ctx, endpoint, c.IAM.Region, c.User)
	case c.Password.Secret != "" && env.Password != nil:
		return env.Password(ctx, c.User, &c.Password)
	}
	return storage.Static(c.User, c.Password.Value()), nil
}

// MigrationSource returns the credentials of the migration role, or runtime when none is
// configured.
func (c *Common) MigrationSource(runtime storage.CredentialSource) storage.CredentialSource {
	if c.Migration == nil {
		return runtime
	}
	return storage.Static(c.Migration.User, c.Migration.Password.Value())
}

// Grantee is the role migrations grant runtime privileges to: RuntimeRole, else the runtime
// user when a separate migration role is configured, else "" (nothing to grant).
func (c *Common) Grantee() string {
	switch {
	case c.RuntimeRole != "":
		return c.RuntimeRole
	case c.Migration != nil && c.Migration.User != c.User:
		return c.User
	}
	return ""
}
