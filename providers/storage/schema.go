package storage

import (
	"embed"
	"fmt"
	"io/fs"
	"regexp"
)

// Schema is one owner's set of tables: its versioned migrations per dialect and the names of
// its tenant-scoped tables. Each EIM service declares one; the storage kind declares its own
// (OwnSchema), which Migrate always applies first.
//
// Migrations holds one directory per dialect (postgres/, mysql/, sqlite/) of goose SQL files
// named <version>_<description>.sql. A tenant-scoped table has a tenant_id text column; on
// PostgreSQL the migrations create it under its name, on MySQL and SQLite under <name>_all
// (see BaseSuffix) and Migrate creates the view that services query by the plain name.
type Schema struct {
	// Name identifies the schema; its migration versions are kept in eim_migrations_<name>.
	Name string
	// Migrations holds postgres/, mysql/ and sqlite/ directories.
	Migrations fs.FS
	// TenantTables are the plain names of the tenant-scoped tables.
	TenantTables []string
}

var identifier = regexp.MustCompile(`^[a-z][a-z0-9_]{0,40}$`)

// validate checks the names, so that they can be spliced into DDL unquoted.
func (s Schema) validate() error {
	if !identifier.MatchString(s.Name) {
		return fmt.Errorf("schema name %q must be lower-case letters, digits and underscores", s.Name)
	}
	if s.Migrations == nil {
		return fmt.Errorf("schema %s has no migrations", s.Name)
	}
	for _, t := range s.TenantTables {
		if !identifier.MatchString(t) {
			return fmt.Errorf("schema %s: tenant table name %q must be lower-case letters, digits and underscores", s.Name, t)
		}
	}
	return nil
}

func (s Schema) versionTable() string { return "eim_migrations_" + s.Name }

// dir returns the schema's migrations for dialect d.
func (s Schema) dir(d Dialect) (fs.FS, error) {
	return fs.Sub(s.Migrations, string(d))
}

//go:embed migrations
var ownMigrations embed.FS

// OwnSchema is the storage kind's own schema: the registry of tenant-scoped tables.
func OwnSchema() Schema {
	sub, _ := fs.Sub(ownMigrations, "migrations")
	return Schema{Name: "storage", Migrations: sub}
}
