// Package sample holds configuration types for the tests of package configdoc: one with every
// shape of field configdoc walks, and one whose comments it refuses.
package sample

import "time"

// Config has every shape of field: inline, nested, optional, listed, skipped and unexported.
type Config struct {
	Inline `yaml:",inline"`
	// Name is the name of the thing.
	Name string `yaml:"name"`
	// Block tunes the thing.
	Block Block `yaml:"block"`
	// Optional is an optional block.
	Optional *Block `yaml:"optional,omitempty"`
	// Items are the thing's parts.
	Items []Item `yaml:"items"`
	// Timeout bounds one call. It is a duration.
	Timeout time.Duration `yaml:"timeout"`
	// Skipped is not configuration.
	Skipped string `yaml:"-"`
	hidden  string
}

// Inline is embedded inline in Config.
type Inline struct {
	// Shared is a key of every configuration embedding Inline.
	Shared string `yaml:"shared"`
}

// Block is a nested block.
type Block struct {
	// Size bounds the thing, in bytes.
	Size int `yaml:"size"`
}

// Item is a list item.
type Item struct {
	// Key names the item.
	Key string `yaml:"key"`
}

// Bad has fields whose comments configdoc refuses.
type Bad struct {
	// Host and Port of the server.
	Host string `yaml:"host"`
	Port int    `yaml:"port"`
	// the address, in lower case.
	Address string `yaml:"address"`
}

// Adapter is the configuration of an adapter.
type Adapter struct {
	// Level is how loud the adapter is.
	Level int `yaml:"level"`
}

// Validate accepts every configuration.
func (*Adapter) Validate() error { return nil }
