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
	// 'runtimeRole'@'granteeHost'.
	GranteeHost string `yaml:"granteeHost"`
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
	return v.Err()
}
