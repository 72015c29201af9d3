package memory

import (
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// Config configures the memory adapter.
type Config struct {
	// VisibilityTimeout is how long a delivered message stays invisible to the group's other
	// subscriptions before it is delivered again, when its handler neither succeeds nor fails.
	VisibilityTimeout provider.Duration `yaml:"visibilityTimeout"`
	// MaxQueued bounds the messages kept per consumer group; Publish fails with
	// ResourceExhausted when a group's queue is full.
	MaxQueued int `yaml:"maxQueued"`
}

// NewConfig returns the defaults: a 30s visibility timeout, 100000 messages per group.
func NewConfig() *Config {
	return &Config{VisibilityTimeout: provider.Duration(30 * time.Second), MaxQueued: 100000}
}

// Validate checks the configuration without I/O.
func (c *Config) Validate() error {
	var v provider.Validation
	v.Check(c.VisibilityTimeout.Std() > 0, "visibilityTimeout", "must be positive", `set a duration such as "30s"`)
	v.Check(c.MaxQueued > 0, "maxQueued", "must be positive", "set the number of messages a group may hold, e.g. 100000")
	return v.Err()
}
