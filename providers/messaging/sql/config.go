package sql

import (
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// Config configures the sql adapter. It has no connection settings: it uses the database
// configured in providers.database, which must be PostgreSQL or MySQL/MariaDB.
type Config struct {
	// VisibilityTimeout is how long a delivered message stays invisible to the group's other
	// consumers before it is delivered again, when its consumer neither acknowledges nor
	// gives it back (it crashed or hangs).
	VisibilityTimeout provider.Duration `yaml:"visibilityTimeout"`
	// PollInterval is how often consumers look for messages when nothing woke them. On
	// PostgreSQL, LISTEN/NOTIFY wakes them as soon as a message is published.
	PollInterval provider.Duration `yaml:"pollInterval"`
}

// NewConfig returns the defaults: a 30s visibility timeout, a 1s poll interval.
func NewConfig() *Config {
	return &Config{VisibilityTimeout: provider.Duration(30 * time.Second), PollInterval: provider.Duration(time.Second)}
}

// Validate checks the configuration without I/O.
func (c *Config) Validate() error {
	var v provider.Validation
	v.Check(c.VisibilityTimeout.Std() >= time.Second, "visibilityTimeout", "must be at least 1s", `set it to e.g. "30s"`)
	v.Check(c.PollInterval.Std() >= 10*time.Millisecond, "pollInterval", "must be at least 10ms", `set it to e.g. "1s"`)
	return v.Err()
}
