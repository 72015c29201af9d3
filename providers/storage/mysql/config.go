package mysql

import (
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage/remote"
)

// DefaultPort is MySQL's port.
const DefaultPort = 3306

// Config configures the mysql adapter (MySQL 8 and MariaDB 10.6 and later).
type Config struct {
	remote.Common `yaml:",inline"`
	// GranteeHost is the host part of the account migrations grant runtime privileges to:
	// 'runtimeRole'@'granteeHost'. A runtimeRole with the default % is named without a host
	// ('runtimeRole'): the MariaDB role of that name when one exists, else 'runtimeRole'@'%'.
	GranteeHost string `yaml:"granteeHost"`
	// SetRole activates runtimeRole (SET ROLE) on every new runtime connection, for dynamic
	// credentials whose issued users are granted runtimeRole as a MySQL/MariaDB role (an
	// issued user has no default role: without it the user holds none of the role's
	// privileges). Needs dynamic, runtimeRole and migration. Leave it false when runtimeRole
	// is an account whose grants the engine's creation statements copy.
	SetRole bool `yaml:"setRole,omitempty"`
}

// NewConfig returns the defaults: port 3306, TLS verify-full, a pool of 20, grantee host %.
func NewConfig() *Config {
	return &Config{Common: remote.Defaults(DefaultPort), GranteeHost: "%"}
}

// Validate checks the configuration without I/O.
func (c *Config) Validate() error {
	var v provider.Validation
	v.Nest("", c.Common.Validate())
	v.Required("granteeHost", c.GranteeHost, `set the host part of the runtime account, e.g. "%"`)
	if c.SetRole {
		v.Check(c.Dynamic != nil, "setRole", "needs dynamic credentials", "remove setRole, or give a static or IAM account runtimeRole as its default role (SET DEFAULT ROLE)")
		v.Required("runtimeRole", c.RuntimeRole, "name the role the issued users are granted (setRole activates it)")
		v.Check(c.GranteeHost == "%", "granteeHost", "must be % with setRole: a role has no host", "remove granteeHost")
		v.Check(c.Migration != nil, "migration", "is required with setRole: the role gets DML, the migration account owns the tables",
			"set migration.user and migration.password")
	}
	return v.Err()
}
