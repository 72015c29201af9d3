package sqlite

import (
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// DefaultFile is the database file under the data directory when Path is unset.
const DefaultFile = "eim.db"

// Config configures the sqlite adapter.
type Config struct {
	// Path is the database file; <dataDir>/eim.db when unset. Its directory must exist (the
	// data directory itself is created).
	Path string `yaml:"path,omitempty"`
	// BusyTimeout is how long a statement waits for another connection's write lock.
	BusyTimeout provider.Duration `yaml:"busyTimeout"`
	// MaxOpen bounds the open connections (WAL allows concurrent readers and one writer).
	MaxOpen int `yaml:"maxOpen"`
}

// NewConfig returns the defaults: <dataDir>/eim.db, a 5 s busy timeout, 8 connections.
func NewConfig() *Config {
	return &Config{BusyTimeout: provider.Duration(5 * time.Second), MaxOpen: 8}
}

// Validate checks the configuration without I/O.
func (c *Config) Validate() error {
	var v provider.Validation
	v.Check(c.BusyTimeout >= 0, "busyTimeout", "is negative", `set e.g. "5s"`)
	v.Check(c.MaxOpen > 0, "maxOpen", "must be at least 1", "set e.g. 8")
	return v.Err()
}
