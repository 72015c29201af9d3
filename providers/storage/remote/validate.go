package remote

import (
	"fmt"

	"github.com/eim-byoi/eim/providers/provider"
)

// Validate checks the shared fields without I/O.
func (c *Common) Validate() error {
	var v provider.Validation
	v.Required("host", c.Host, "set the database server's host name")
	v.Check(c.Port > 0 && c.Port < 65536, "port", fmt.Sprintf("%d is not a TCP port", c.Port), "set a port between 1 and 65535")
	v.Required("database", c.Database, "set the database name")
	c.validateAuth(&v)
	c.validateTLS(&v)
	v.Check(c.Pool.MaxOpen >= 0 && c.Pool.MaxIdle >= 0, "pool", "negative sizes", "use 0 or more")
	v.Check(c.Pool.MaxOpen == 0 || c.Pool.MaxIdle <= c.Pool.MaxOpen, "pool.maxIdle", "exceeds pool.maxOpen", "set maxIdle at most maxOpen")
	v.Check(c.ConnectTimeout > 0, "connectTimeout", "must be positive", `set e.g. "10s"`)
	if c.Migration != nil {
		v.Required("migration.user", c.Migration.User, "name the role that owns the tables")
		if !c.Migration.Password.IsZero() {
			v.Nest("migration.password", c.Migration.Password.Validate())
		}
	}
	if c.Replica != nil {
		v.Required("replica.host", c.Replica.Host, "set the replica's host name")
		v.Check(c.Replica.Port > 0 && c.Replica.Port < 65536, "replica.port", "is not a TCP port", "set the replica's port")
	}
	return v.Err()
}

func (c *Common) validateAuth(v *provider.Validation) {
	modes := 0
	for _, set := range []bool{!c.Password.IsZero(), c.Dynamic != nil, c.IAM != nil} {
		if set {
			modes++
		}
	}
	v.Check(modes <= 1, "password", "password, dynamic and iam are mutually exclusive", "keep exactly one way to authenticate")
	switch {
	case c.Dynamic != nil:
		v.Required("dynamic.path", c.Dynamic.Path, `set the secrets engine path, e.g. "database/creds/eim"`)
		v.Check(c.User == "", "user", "is issued by the secrets provider with dynamic credentials", "remove user")
		v.Check(c.Dynamic == nil || c.Migration == nil || c.RuntimeRole != "", "runtimeRole", "is required with dynamic credentials and a migration role",
			"name the role the issued users are members of")
	case c.IAM != nil:
		v.Required("user", c.User, "set the IAM database user")
		v.Required("iam.region", c.IAM.Region, "set the AWS region of the database, e.g. us-east-1")
		v.Check(c.TLS.ModeOr(provider.TLSVerifyFull) != provider.TLSDisable, "tls.mode", "must not be disable with iam", "RDS IAM tokens are only accepted over TLS: set verify-full")
	default:
		v.Required("user", c.User, "set the database user")
		if !c.Password.IsZero() {
			v.Nest("password", c.Password.Validate())
		}
	}
}

func (c *Common) validateTLS(v *provider.Validation) {
	v.Nest("tls", c.TLS.Validate())
	v.Check(c.TLS.ModeOr(provider.TLSVerifyFull) != provider.TLSVerifyCA || !c.TLS.CA.IsZero(), "tls.ca", "is required with verify-ca",
		"set ca to the PEM bundle of the server's CA")
}
