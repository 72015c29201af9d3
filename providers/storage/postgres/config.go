package postgres

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage/remote"
)

// DefaultPort is PostgreSQL's port.
const DefaultPort = 5432

// Config configures the postgres adapter: the shared network-database settings, or a URL
// naming host, port, database and user.
type Config struct {
	remote.Common `yaml:",inline"`
	// URL is postgres://user@host:port/database, an alternative to host, port, database and
	// user (fields set explicitly win). It must not hold a password.
	URL string `yaml:"url,omitempty"`
	// ApplicationName is the name the server shows for EIM's connections (pg_stat_activity).
	ApplicationName string `yaml:"applicationName"`
}

// NewConfig returns the defaults: port 5432, TLS verify-full, a pool of 20.
func NewConfig() *Config {
	return &Config{Common: remote.Defaults(DefaultPort), ApplicationName: "eim"}
}

// Validate checks the configuration without I/O.
func (c *Config) Validate() error {
	r, err := c.resolved()
	if err != nil {
		var v provider.Validation
		v.Add("url", err.Error(), "write it as postgres://user@host:port/database, with the password in password")
		return v.Err()
	}
	return r.Validate()
}

// resolved returns the shared settings with the URL's parts filled in.
func (c *Config) resolved() (remote.Common, error) {
	r := c.Common
	if c.URL == "" {
		return r, nil
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return r, fmt.Errorf("is not a postgres:// URL")
	}
	if _, has := u.User.Password(); has {
		return r, fmt.Errorf("holds a password")
	}
	if r.Host == "" {
		r.Host = u.Hostname()
	}
	if p := u.Port(); p != "" && (r.Port == 0 || r.Port == DefaultPort) {
		if r.Port, err = strconv.Atoi(p); err != nil {
			return r, fmt.Errorf("port %q is not a number", p)
		}
	}
	if r.Database == "" && len(u.Path) > 1 {
		r.Database = u.Path[1:]
	}
	if r.User == "" && u.User != nil {
		r.User = u.User.Username()
	}
	return r, nil
}
