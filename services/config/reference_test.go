package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/config"
)

// Common is inlined into shapes.
type Common struct {
	Host string `yaml:"host"`
}

// Rule is an item of a list of blocks.
type Rule struct {
	Claim   string `yaml:"claim"`
	Pattern string `yaml:"pattern,omitempty"`
}

type shapes struct {
	Common `yaml:",inline"`
	Mode   *Common             `yaml:"mode,omitempty"`
	Rules  []Rule              `yaml:"rules"`
	Wait   provider.Duration   `yaml:"wait"`
	Token  *provider.SecretRef `yaml:"token,omitempty"`
	Names  []string            `yaml:"names"`
	On     bool                `yaml:"on"`
	TLS    provider.TLS        `yaml:"tls"`
	Skip   string              `yaml:"-"`
}

func (*shapes) Validate() error { return nil }

func TestReferenceTableShapes(t *testing.T) {
	cfg := &shapes{Common: Common{Host: "%"}, Rules: []Rule{{Claim: "roles", Pattern: "{tenant}_{role}"}},
		Wait: provider.Duration(168 * time.Hour), Names: []string{"a", "b"}, On: true, TLS: provider.TLS{Mode: provider.TLSVerifyFull}}
	got := config.ReferenceTable(cfg)
	rows := strings.Split(got, "\n")
	assert.Equal(t, []string{
		"| key | type | default | description |",
		"|---|---|---|---|",
		"| `host` | string | `%` |  |",
		"| `mode` | optional block |  |  |",
		"| `mode.host` | string |  |  |",
		"| `rules` | list of blocks | `[{claim: roles, pattern: \"{tenant}_{role}\"}]` |  |",
		"| `rules[].claim` | string |  |  |",
		"| `rules[].pattern` | string |  |  |",
		"| `wait` | duration | `168h` |  |",
		"| `token` | optional secret reference |  |  |",
		"| `names` | list of strings | `[a, b]` |  |",
		"| `on` | boolean | `true` |  |",
	}, rows[:12], "inline keys are the embedding struct's; blocks are followed by their keys; defaults in YAML flow")
	assert.Contains(t, got, "| `tls` | block |  |  |\n", "a block's defaults are in its keys' rows")
	assert.Contains(t, got, "| `tls.mode` | string | `verify-full` | disable (plain TCP), require", "descriptions are the fields' doc comments")
	assert.Contains(t, got, "| `tls.ca` | secret reference |  | the PEM bundle")
	assert.NotContains(t, got, "skip")
}
