package storage

import (
	"context"
	"database/sql"
	"slices"
	"strings"
)

// runtimeTables lists the tables and views the runtime role may read and write: every table
// of the database except the migration bookkeeping and, on MySQL, the <name>_all tables behind
// tenant views.
func (db *DB) runtimeTables(ctx context.Context, m *sql.DB, schemas []Schema) ([]string, error) {
	q := "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
	if db.Dialect() == MySQL {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
	}
	rows, err := m.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hidden []string
	for _, s := range schemas {
		for _, t := range s.TenantTables {
			hidden = append(hidden, t+BaseSuffix)
		}
	}
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		if strings.HasPrefix(name, "eim_migrations_") || name == "eim_tenant_tables" ||
			(db.Dialect() == MySQL && slices.Contains(hidden, name)) {
			continue
		}
		out = append(out, name)
	}
	return out, rows.Err()
}

// grant gives the runtime role DML on the runtime tables (SQLite has no roles).
func (db *DB) grant(ctx context.Context, m *sql.DB, grantee string, schemas []Schema) error {
	if db.Dialect() == SQLite {
		return nil
	}
	tables, err := db.runtimeTables(ctx, m, schemas)
	if err != nil {
		return err
	}
	var stmts []string
	if db.Dialect() == Postgres {
		g, lit := quoteIdent(grantee), quoteLiteral(grantee)
		stmts = append(stmts, "DO $$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), "+lit+"); END $$")
		for _, t := range tables {
			stmts = append(stmts, "GRANT SELECT, INSERT, UPDATE, DELETE ON "+quoteIdent(t)+" TO "+g)
		}
		stmts = append(stmts, "DO $$ BEGIN EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', current_schema(), "+lit+"); END $$")
	} else {
		for _, t := range tables {
			stmts = append(stmts, "GRANT SELECT, INSERT, UPDATE, DELETE ON `"+strings.ReplaceAll(t, "`", "``")+"` TO "+grantee)
		}
	}
	for _, s := range stmts {
		if _, err := m.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
