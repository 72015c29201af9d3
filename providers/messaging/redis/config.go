package redis

import (
	"net"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// Config configures the redis adapter (Redis Streams).
type Config struct {
	// Address is the server's host:port.
	Address string `yaml:"address"`
	// Username is the ACL user to log in as (Redis 6+), with password.
	Username string `yaml:"username,omitempty"`
	// Password is a secret reference to the password of username, or of the default user
	// when username is unset.
	Password provider.SecretRef `yaml:"password,omitempty"`
	// DB is the database number.
	DB int `yaml:"db"`
	// TLS secures the connection (mode disable unless set).
	TLS provider.TLS `yaml:"tls"`
	// KeyPrefix starts every key the adapter writes: topic t is the stream <keyPrefix>t.
	KeyPrefix string `yaml:"keyPrefix"`
	// MaxLen trims each stream to about this many entries (XADD MAXLEN ~), acknowledged or not:
	// size it above the backlog you must survive; 0 keeps every entry.
	MaxLen int64 `yaml:"maxLen"`
	// ClaimTimeout is how long a delivered message may stay unacknowledged before another
	// consumer of the group claims it (XAUTOCLAIM): the consumer crashed or hangs.
	ClaimTimeout provider.Duration `yaml:"claimTimeout"`
	// DialTimeout bounds one connection attempt.
	DialTimeout provider.Duration `yaml:"dialTimeout"`
}

// NewConfig returns the defaults: 127.0.0.1:6379, prefix "eim:", streams of about a million
// entries, a 30s claim timeout.
func NewConfig() *Config {
	return &Config{Address: "127.0.0.1:6379", KeyPrefix: "eim:", MaxLen: 1_000_000,
		ClaimTimeout: provider.Duration(30 * time.Second), DialTimeout: provider.Duration(5 * time.Second)}
}

// Validate checks the configuration without I/O.
func (c *Config) Validate() error {
	var v provider.Validation
	if _, _, err := net.SplitHostPort(c.Address); err != nil {
		v.Add("address", "is not host:port", "set it to e.g. redis.example.com:6379")
	}
	v.Check(c.Username == "" || !c.Password.IsZero(), "password", "is required with username", "set password to a secret reference")
	if !c.Password.IsZero() {
		v.Nest("password", c.Password.Validate())
	}
	v.Nest("tls", c.TLS.Validate())
	v.Check(c.DB >= 0 && c.DB < 16384, "db", "is out of range", "set a database number such as 0")
	v.Check(c.MaxLen >= 0, "maxLen", "must not be negative", "set 0 to keep every entry, or a bound such as 1000000")
	v.Check(c.ClaimTimeout.Std() >= time.Second, "claimTimeout", "must be at least 1s", `set it to e.g. "30s"`)
	v.Check(c.DialTimeout.Std() > 0, "dialTimeout", "must be positive", `set it to e.g. "5s"`)
	return v.Err()
}
