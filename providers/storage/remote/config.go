// Package remote holds what the network database adapters (postgres, mysql) share: the
// configuration blocks for TLS, pool, credentials (static, Vault dynamic, AWS RDS IAM),
// migration role and read replica, and their translation to a TLS configuration and a
// storage.CredentialSource.
package remote

import (
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// Pool configures the connection pool of database/sql.
type Pool struct {
	// MaxOpen bounds open connections (0: unlimited).
	MaxOpen int `yaml:"maxOpen"`
	// MaxIdle bounds idle connections kept for reuse.
	MaxIdle int `yaml:"maxIdle"`
	// MaxLifetime closes connections older than this (0: never).
	MaxLifetime provider.Duration `yaml:"maxLifetime"`
	// MaxIdleTime closes connections idle for longer than this (0: never).
	MaxIdleTime provider.Duration `yaml:"maxIdleTime"`
}

// Dynamic selects credentials issued by the secrets provider: Vault's database secrets engine.
type Dynamic struct {
	// Path is the credentials endpoint, e.g. database/creds/eim-runtime.
	Path string `yaml:"path"`
}

// IAM selects AWS RDS IAM authentication: a token signed with the AWS credentials of the
// process (the SDK's default chain: IRSA, instance profile, environment) for every new
// connection.
type IAM struct {
	// Region of the database instance, e.g. us-east-1.
	Region string `yaml:"region"`
}

// Migration names a separate role for schema migrations: it owns the tables, the runtime role
// only gets DML privileges on them.
type Migration struct {
	User     string             `yaml:"user"`
	Password provider.SecretRef `yaml:"password,omitempty"`
}

// Replica is a read replica reached with the primary's credentials and TLS settings.
type Replica struct {
	Host string `yaml:"host"`
	Port int    `yaml:"port"`
}

// Common is the part of the postgres and mysql configurations they share.
type Common struct {
	// Host and Port of the primary.
	Host string `yaml:"host"`
	Port int    `yaml:"port"`
	// Database to connect to.
	Database string `yaml:"database"`
	// User is the runtime role (with iam: the IAM database user).
	User string `yaml:"user"`
	// Password of User; unset with dynamic or iam.
	Password provider.SecretRef `yaml:"password,omitempty"`
	// Dynamic takes user and password from the secrets provider instead.
	Dynamic *Dynamic `yaml:"dynamic,omitempty"`
	// IAM authenticates with AWS RDS IAM tokens instead of a password.
	IAM *IAM `yaml:"iam,omitempty"`
	// RuntimeRole receives the runtime privileges when migrations run; the user when unset.
	// With dynamic credentials set it to the role the issued users are members of.
	RuntimeRole string `yaml:"runtimeRole,omitempty"`
	// Migration is the role migrations run as; the runtime user when unset.
	Migration *Migration `yaml:"migration,omitempty"`
	// TLS secures the connections.
	TLS provider.TLS `yaml:"tls"`
	// Pool tunes the connection pool.
	Pool Pool `yaml:"pool"`
	// ConnectTimeout bounds establishing one connection.
	ConnectTimeout provider.Duration `yaml:"connectTimeout"`
	// Replica is an optional read replica.
	Replica *Replica `yaml:"replica,omitempty"`
}

// Defaults returns the shared defaults with the given port.
func Defaults(port int) Common {
	return Common{
		Port: port,
		TLS:  provider.TLS{Mode: provider.TLSVerifyFull},
		Pool: Pool{
			MaxOpen: 20, MaxIdle: 10,
			MaxLifetime: provider.Duration(30 * time.Minute), MaxIdleTime: provider.Duration(5 * time.Minute),
		},
		ConnectTimeout: provider.Duration(10 * time.Second),
	}
}
