package config_test

import (
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/services/config"
)

// draft is what `eim migrate helm-values --format eim-config` leaves for the operator: two
// NEEDS-INPUT placeholders, one of them a list item, in an adapter's configuration.
const draft = `target: day2
providers:
  database:
    type: testdb
    config:
      host: 'NEEDS-INPUT: PGHOST of Secret inventory-aurora-postgresql'
      port: 'NEEDS-INPUT: PGPORT'
  secrets: {type: nope, config: {roles: ['NEEDS-INPUT: the Vault role']}}
`

// TestPlaceholdersFailByDefault (issue 24, item 2): each placeholder is a problem naming its
// path, line and the input it needs, wherever it is.
func TestPlaceholdersFailByDefault(t *testing.T) {
	_, err := config.Load([]byte(draft), config.Options{File: "eim.yaml", Sources: sources()})
	var ps *config.Problems
	require.ErrorAs(t, err, &ps)
	msg := ps.Error()
	assert.Contains(t, msg, "eim.yaml:6:13: providers.database.config.host: needs input: PGHOST of Secret inventory-aurora-postgresql (a NEEDS-INPUT placeholder left by eim migrate) "+
		"(fix: replace the value with the real one, or set it from the environment (EIM_PROVIDERS_DATABASE_CONFIG_HOST); eim config validate --allow-placeholders accepts a draft)")
	assert.Contains(t, msg, "eim.yaml:8:42: providers.secrets.config.roles[0]: needs input: the Vault role", "list items, and blocks whatever their adapter")
	assert.Contains(t, msg, `eim.yaml:8:13: providers.secrets.type: unknown secrets type "nope"`)
	assert.Contains(t, msg, "eim.yaml:7:13: providers.database.config.port: needs input: PGPORT")
	assert.NotContains(t, msg, "expected an integer", "the placeholder is the problem at its path, not its type")
	assert.Len(t, ps.List, 4, "three placeholders and the unknown secrets adapter: %s", msg)
}

// TestPlaceholdersAllowedAsDraft: with AllowPlaceholders they are listed, not problems, and a
// problem the placeholder itself causes (here: the port is not a number) is not reported either.
func TestPlaceholdersAllowedAsDraft(t *testing.T) {
	doc := strings.Replace(draft, "  secrets: {type: nope, config: {roles: ['NEEDS-INPUT: the Vault role']}}\n", "", 1)
	cfg, err := config.Load([]byte(doc), config.Options{File: "eim.yaml", Sources: sources(), AllowPlaceholders: true})
	require.NoError(t, err)
	require.Len(t, cfg.Placeholders, 2)
	assert.Equal(t, "providers.database.config.port", cfg.Placeholders[1].Path)
	assert.Equal(t, config.Placeholder{Path: "providers.database.config.host", Line: 6, Column: 13, Needs: "PGHOST of Secret inventory-aurora-postgresql"}, cfg.Placeholders[0])
	assert.Equal(t, "6:13: providers.database.config.host: needs input: PGHOST of Secret inventory-aurora-postgresql", cfg.Placeholders[0].String())
}

// TestPlaceholdersSuppliedFromEnvironment: an environment variable that overrides the value (or
// the whole list holding it) supplies the input; the placeholder no longer counts.
func TestPlaceholdersSuppliedFromEnvironment(t *testing.T) {
	doc := "providers:\n  database:\n    type: testdb\n    config: {host: 'NEEDS-INPUT: PGHOST', port: 1}\ntarget: 'NEEDS-INPUT: the modules'\n"
	_, err := config.Load([]byte(doc), config.Options{Sources: sources(), Environ: []string{"EIM_PROVIDERS_DATABASE_CONFIG_HOST=db.example", "EIM_TARGET=all"}})
	require.NoError(t, err)

	_, err = config.Load([]byte(doc), config.Options{Sources: sources(), Environ: []string{"EIM_TARGET=all"}})
	require.ErrorContains(t, err, "providers.database.config.host: needs input: PGHOST")
	assert.NotContains(t, err.Error(), "target")
}

// TestPlaceholderFormIsExact: only values that start with the migration's exact prefix are
// placeholders; keys, other spellings and text that merely mentions it are not.
func TestPlaceholderFormIsExact(t *testing.T) {
	for _, s := range []string{"NEEDS-INPUT: x", "NEEDS-INPUT: "} {
		_, ok := config.IsPlaceholder(s)
		assert.True(t, ok, s)
	}
	for _, s := range []string{"needs-input: x", "NEEDS-INPUT:x", " NEEDS-INPUT: x", "see NEEDS-INPUT: x", "NEEDS-INPUT"} {
		_, ok := config.IsPlaceholder(s)
		assert.False(t, ok, s)
	}
	cfg, err := config.Load([]byte("log: {level: info}\ndataDir: 'NEEDS-INPUT:x'\n"), config.Options{})
	require.NoError(t, err)
	assert.Empty(t, cfg.Placeholders)
}

// TestTenancy (issue 24, item 5): tenancy.defaultProject is empty by default (multi-tenancy) and,
// when set, a project name.
func TestTenancy(t *testing.T) {
	cfg, err := config.Load(nil, config.Options{})
	require.NoError(t, err)
	assert.Empty(t, cfg.Tenancy.DefaultProject)

	cfg, err = config.Load([]byte("tenancy: {defaultProject: default}\n"), config.Options{})
	require.NoError(t, err)
	assert.Equal(t, "default", cfg.Tenancy.DefaultProject)

	for _, bad := range []string{"Default", "my project", "a_b", strings.Repeat("a", 64)} {
		_, err := config.Load([]byte("tenancy: {defaultProject: '"+bad+"'}\n"), config.Options{File: "eim.yaml"})
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "tenancy.defaultProject: ", bad)
		assert.Contains(t, err.Error(), "is not a project name (fix: use 1 to 63 lower-case letters, digits and '-'", bad)
	}
	_, err = config.Load([]byte("tenancy: {defaultProject: "+strings.Repeat("a", 63)+"}\n"), config.Options{})
	assert.NoError(t, err)

	s := compileSchema(t)
	for src, valid := range map[string]bool{
		`{"tenancy": {"defaultProject": "default"}}`: true,
		`{"tenancy": {}}`: true,
		`{"tenancy": {"defaultProject": "Default"}}`: false,
		`{"tenancy": {"project": "default"}}`:        false,
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(src))
		require.NoError(t, err)
		if valid {
			assert.NoError(t, s.Validate(inst), src)
		} else {
			assert.Error(t, s.Validate(inst), src)
		}
	}
}
