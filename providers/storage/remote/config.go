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
	// MaxOpen bounds the open connections; 0 is unlimited.
	MaxOpen int `yaml:"maxOpen"`
	// MaxIdle bounds the idle connections kept for reuse; at most maxOpen.
	MaxIdle int `yaml:"maxIdle"`
	// MaxLifetime is the age at which a connection is closed and replaced; 0 keeps connections
	// however old.
	MaxLifetime provider.Duration `yaml:"maxLifetime"`
	// MaxIdleTime is how long a connection may stay idle before it is closed; 0 keeps idle
	// connections.
	MaxIdleTime provider.Duration `yaml:"maxIdleTime"`
}

// Dynamic selects credentials issued by the secrets provider: Vault's database secrets engine.
type Dynamic struct {
	// Path is the credentials endpoint of the Vault or OpenBao database secrets engine,
	// <mount>/creds/<role>, e.g. database/creds/eim-runtime. The secrets provider (type vault,
	// whose dynamicPrefixes must cover the path) issues the user and password as a lease,
	// renews it and reads new credentials before it ends; the pool switches to them without a
	// restart and the old user's connections drain.
	Path string `yaml:"path"`
}

// IAM selects AWS RDS IAM authentication: a token signed with the AWS credentials of the
// process (the SDK's default chain: IRSA, instance profile, environment) for every new
// connection.
type IAM struct {
	// Region is the AWS region of the database instance, e.g. us-east-1.
	Region string `yaml:"region"`
}

// Migration names a separate role for schema migrations: it owns the tables, the runtime role
// only gets DML privileges on them.
type Migration struct {
	// User is the role migrations run as; it owns the tables and grants the runtime role its
	// privileges.
	User string `yaml:"user"`
	// Password is the migration role's password, a secret reference read once at startup.
	Password provider.SecretRef `yaml:"password,omitempty"`
}

// Replica is a read replica reached with the primary's credentials and TLS settings.
type Replica struct {
	// Host is the read replica's host name (required with replica).
	Host string `yaml:"host"`
	// Port is the read replica's port (required with replica).
	Port int `yaml:"port"`
}

// Common is the part of the postgres and mysql configurations they share.
type Common struct {
	// Host is the host name of the primary server (required).
	Host string `yaml:"host"`
	// Port is the primary server's port.
	Port int `yaml:"port"`
	// Database is the name of the database to connect to (required).
	Database string `yaml:"database"`
	// User is the runtime role EIM connects as; with iam, the IAM database user; unset with
	// dynamic, which issues it.
	User string `yaml:"user"`
	// Password is the runtime role's password, a secret reference; unset with dynamic or iam.
	// A {secret: "path#key"} reference is watched: each new value becomes the password of new
	// connections and those logged in with the old one drain (change the password at the
	// database first, then the secret). {env} and {file} references are read once at startup.
	Password provider.SecretRef `yaml:"password,omitempty"`
	// Dynamic takes the runtime user and password from the secrets provider (Vault or OpenBao
	// dynamic database credentials), rotated without a restart; exclusive with user, password
	// and iam.
	Dynamic *Dynamic `yaml:"dynamic,omitempty"`
	// IAM authenticates with AWS RDS IAM tokens instead of a password: a token is signed for
	// every new connection with the SDK's default AWS credential chain (IRSA, instance
	// profile, environment). It needs TLS.
	IAM *IAM `yaml:"iam,omitempty"`
	// RuntimeRole is the role migrations grant the runtime privileges to; user when unset.
	// With dynamic credentials, set it to the role the issued users are members of.
	RuntimeRole string `yaml:"runtimeRole,omitempty"`
	// Migration is the role migrations run as, owner of the tables; when unset migrations run
	// as the runtime user and grant nothing.
	Migration *Migration `yaml:"migration,omitempty"`
	// TLS secures the connections to the primary and the replica (mode verify-full unless
	// set).
	TLS provider.TLS `yaml:"tls"`
	// Pool tunes the connection pool.
	Pool Pool `yaml:"pool"`
	// ConnectTimeout bounds establishing one connection.
	ConnectTimeout provider.Duration `yaml:"connectTimeout"`
	// Replica is an optional read replica for OnReplica() transactions, reached with the
	// primary's credentials and TLS settings. While it is down those transactions fail with
	// Unavailable: there is no fallback to the primary.
	Replica *Replica `yaml:"replica,omitempty"`
}

// Defaults returns the shared defaults with the given port.
func Defaults(port int) Common {
	return Common{
		Port: port,
		TLS:  provider.TLS{Mode: provider.TLSVerifyFull},
		Pool: Pool{
			MaxOpen: 20, MaxIdle: 20, // idle = open: under load a smaller idle pool closes and reopens connections (a SCRAM handshake and a server process each)
			MaxLifetime: provider.Duration(30 * time.Minute), MaxIdleTime: provider.Duration(5 * time.Minute),
		},
		ConnectTimeout: provider.Duration(10 * time.Second),
	}
}
