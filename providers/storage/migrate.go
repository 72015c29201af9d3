package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/pressly/goose/v3"

	"github.com/eim-byoi/eim/providers/provider"
)

// SchemaStatus is the migration state of one schema.
type SchemaStatus struct {
	Name    string  // schema name
	Current int64   // version applied in the database (0: none)
	Latest  int64   // newest version built into this binary
	Pending []int64 // versions built in but not applied, in order
}

// Migrate applies OwnSchema and then schemas, in order, as the migration role, holding a
// database-wide lock so that replicas starting together apply each migration once. It is
// idempotent. It refuses, with FailedPrecondition, a database whose schema is newer than this
// binary. After the migrations it (re)creates the tenant isolation objects and grants the
// runtime role its privileges.
func (db *DB) Migrate(ctx context.Context, schemas ...Schema) error {
	return db.Err("migrate", db.withMigrator(ctx, func(m *sql.DB) error {
		all := append([]Schema{OwnSchema()}, schemas...)
		for _, s := range all {
			if err := db.migrateOne(ctx, m, s); err != nil {
				return err
			}
		}
		if err := db.isolate(ctx, m, all); err != nil {
			return fmt.Errorf("tenant isolation: %w", err)
		}
		if w, ok := db.drv.(SchemaWatcher); ok {
			return w.AfterMigrate(ctx)
		}
		return nil
	}))
}

// Status reports, per schema (OwnSchema first), the version applied and what is pending. It
// takes no lock and changes nothing.
func (db *DB) Status(ctx context.Context, schemas ...Schema) ([]SchemaStatus, error) {
	var out []SchemaStatus
	err := db.withConn(ctx, func(m *sql.DB) error {
		for _, s := range append([]Schema{OwnSchema()}, schemas...) {
			st, err := db.status(ctx, m, s)
			if err != nil {
				return err
			}
			out = append(out, st)
		}
		return nil
	})
	return out, db.Err("migration status", err)
}

func (db *DB) withConn(ctx context.Context, fn func(*sql.DB) error) error {
	m, done, err := db.drv.Migrator(ctx)
	if err != nil {
		return err
	}
	return errors.Join(fn(m), done())
}

func (db *DB) withMigrator(ctx context.Context, fn func(*sql.DB) error) error {
	return db.withConn(ctx, func(m *sql.DB) error {
		unlock, err := db.lock(ctx, m)
		if err != nil {
			return fmt.Errorf("take the migration lock: %w", err)
		}
		return errors.Join(fn(m), unlock())
	})
}

func (db *DB) goose(m *sql.DB, s Schema) (*goose.Provider, error) {
	if err := s.validate(); err != nil {
		return nil, provider.WithCode(provider.InvalidArgument, err)
	}
	dir, err := s.dir(db.Dialect())
	if err != nil {
		return nil, err
	}
	dialect := map[Dialect]goose.Dialect{Postgres: goose.DialectPostgres, MySQL: goose.DialectMySQL, SQLite: goose.DialectSQLite3}[db.Dialect()]
	return goose.NewProvider(dialect, m, dir,
		goose.WithTableName(s.versionTable()), goose.WithDisableGlobalRegistry(true))
}

func (db *DB) migrateOne(ctx context.Context, m *sql.DB, s Schema) error {
	st, err := db.status(ctx, m, s)
	if err != nil {
		return err
	}
	if st.Current > st.Latest {
		return provider.Errorf(provider.FailedPrecondition,
			"schema %s is at version %d, newer than the %d this binary knows; run the eim release that applied it, or a newer one", s.Name, st.Current, st.Latest)
	}
	p, err := db.goose(m, s)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("schema %s: %w", s.Name, err)
	}
	return nil
}

func (db *DB) status(ctx context.Context, m *sql.DB, s Schema) (SchemaStatus, error) {
	p, err := db.goose(m, s)
	if err != nil {
		return SchemaStatus{}, err
	}
	st := SchemaStatus{Name: s.Name}
	if st.Current, err = p.GetDBVersion(ctx); err != nil {
		return st, fmt.Errorf("schema %s: read version: %w", s.Name, err)
	}
	for _, src := range p.ListSources() {
		st.Latest = max(st.Latest, src.Version)
		if src.Version > st.Current {
			st.Pending = append(st.Pending, src.Version)
		}
	}
	return st, nil
}
