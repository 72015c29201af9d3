package local

import (
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// Config configures the local adapter. Every field is optional.
type Config struct {
	// Dir is the directory of the key and the encrypted secrets; <dataDir>/secrets when empty.
	Dir string `yaml:"dir,omitempty"`
	// RefreshInterval is how often watched secrets are re-read from disk, to notice writes by
	// another process (eim CLI) sharing the directory.
	RefreshInterval provider.Duration `yaml:"refreshInterval"`
}

// NewConfig returns the defaults.
func NewConfig() *Config {
	return &Config{RefreshInterval: provider.Duration(10 * time.Second)}
}

// Validate checks the configuration without I/O.
func (c *Config) Validate() error {
	var v provider.Validation
	v.Check(c.RefreshInterval > 0, "refreshInterval", "must be positive", `e.g. "10s"`)
	return v.Err()
}
