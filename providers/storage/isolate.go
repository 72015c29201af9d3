package storage

import (
	"context"
	"database/sql"
	"fmt"
)

// isolate records every schema's tenant tables, creates the dialect's isolation objects for
// them and grants the runtime role its privileges. Every step is idempotent.
func (db *DB) isolate(ctx context.Context, m *sql.DB, schemas []Schema) error {
	for _, s := range schemas {
		for _, t := range s.TenantTables {
			if err := db.recordTenantTable(ctx, m, s.Name, t); err != nil {
				return err
			}
			if err := db.isolateTable(ctx, m, t); err != nil {
				return fmt.Errorf("table %s: %w", t, err)
			}
		}
	}
	if g := db.drv.Grantee(); g != "" {
		return db.grant(ctx, m, g, schemas)
	}
	return nil
}

func (db *DB) recordTenantTable(ctx context.Context, m *sql.DB, schema, table string) error {
	q := map[Dialect]string{
		Postgres: "INSERT INTO eim_tenant_tables(table_name, schema_name) VALUES ($1, $2) ON CONFLICT (table_name) DO UPDATE SET schema_name = EXCLUDED.schema_name",
		MySQL:    "INSERT INTO eim_tenant_tables(table_name, schema_name) VALUES (?, ?) ON DUPLICATE KEY UPDATE schema_name = VALUES(schema_name)",
		SQLite:   "INSERT INTO eim_tenant_tables(table_name, schema_name) VALUES (?, ?) ON CONFLICT (table_name) DO UPDATE SET schema_name = excluded.schema_name",
	}[db.Dialect()]
	_, err := m.ExecContext(ctx, q, table, schema)
	return err
}

func (db *DB) isolateTable(ctx context.Context, m *sql.DB, t string) error {
	base := t
	if db.Dialect() != Postgres {
		base = t + BaseSuffix
	}
	if err := db.checkTenantColumn(ctx, m, base); err != nil {
		return err
	}
	switch db.Dialect() {
	case Postgres:
		return postgresPolicy(ctx, m, t)
	case MySQL:
		return mysqlView(ctx, m, t)
	}
	return nil // SQLite: every connection builds its temporary view from eim_tenant_tables
}

func (db *DB) checkTenantColumn(ctx context.Context, m *sql.DB, base string) error {
	q := map[Dialect]string{
		Postgres: "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = '" + TenantColumn + "'",
		MySQL:    "SELECT count(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? AND column_name = '" + TenantColumn + "'",
		SQLite:   "SELECT count(*) FROM pragma_table_info(?) WHERE name = '" + TenantColumn + "'",
	}[db.Dialect()]
	var n int
	if err := m.QueryRowContext(ctx, q, base).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("table %s has no %s column; a tenant-scoped table needs one (created by the schema's migrations)", base, TenantColumn)
	}
	return nil
}

// postgresPolicy enables and forces Row Level Security on t (forced: the owner is subject to
// it too) and creates the tenant policy when it is missing.
func postgresPolicy(ctx context.Context, m *sql.DB, t string) error {
	var enabled, forced bool
	if err := m.QueryRowContext(ctx, "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = to_regclass($1)", t).Scan(&enabled, &forced); err != nil {
		return err
	}
	if !enabled || !forced {
		if _, err := m.ExecContext(ctx, "ALTER TABLE "+t+" ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY"); err != nil {
			return err
		}
	}
	var n int
	if err := m.QueryRowContext(ctx, "SELECT count(*) FROM pg_policies WHERE schemaname = current_schema() AND tablename = $1 AND policyname = 'eim_tenant_isolation'", t).Scan(&n); err != nil || n > 0 {
		return err
	}
	cond := TenantColumn + " = current_setting('" + PostgresSetting + "', true)"
	_, err := m.ExecContext(ctx, "CREATE POLICY eim_tenant_isolation ON "+t+" USING ("+cond+") WITH CHECK ("+cond+")")
	return err
}

// mysqlFunction reads the tenant session variable; views call it because a view may not read
// a variable itself.
const mysqlFunction = "CREATE FUNCTION eim_tenant() RETURNS VARCHAR(255) CHARSET utf8mb4 DETERMINISTIC NO SQL SQL SECURITY INVOKER RETURN " + MySQLVariable

// mysqlView creates the tenant view t over t_all. It runs as its definer (the migration role),
// so the runtime role needs privileges on the view only, and WITH CHECK OPTION refuses writes
// of rows the view would not show.
func mysqlView(ctx context.Context, m *sql.DB, t string) error {
	var n int
	if err := m.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.routines WHERE routine_schema = DATABASE() AND routine_name = 'eim_tenant'").Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		if _, err := m.ExecContext(ctx, mysqlFunction); err != nil {
			return fmt.Errorf("create function eim_tenant: %w", err)
		}
	}
	q := "CREATE OR REPLACE SQL SECURITY DEFINER VIEW `" + t + "` AS SELECT * FROM `" + t + BaseSuffix +
		"` WHERE `" + TenantColumn + "` = eim_tenant() WITH CASCADED CHECK OPTION"
	_, err := m.ExecContext(ctx, q)
	return err
}
