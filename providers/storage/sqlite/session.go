package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/eim-byoi/eim/providers/storage"
)

// session builds, on one new connection, the temporary objects of tenant isolation: the
// eim_session table InTenant writes the tenant to, and for every tenant-scoped table a
// temporary view of the tenant's rows with INSTEAD OF triggers that write through to
// <name>_all and refuse rows of another tenant.
type session struct {
	conn driver.Conn
}

const sessionTable = "CREATE TEMP TABLE IF NOT EXISTS eim_session (k INTEGER PRIMARY KEY, tenant_id TEXT)"

const current = "(SELECT tenant_id FROM " + storage.SQLiteSession + " WHERE k = 1)"

func (s session) setup(ctx context.Context) error {
	if err := s.exec(ctx, sessionTable); err != nil {
		return err
	}
	tables, err := s.strings(ctx, "SELECT table_name FROM main.eim_tenant_tables ORDER BY table_name")
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return nil // not migrated yet: AfterMigrate renews the connections
		}
		return err
	}
	for _, t := range tables {
		if err := s.table(ctx, t); err != nil {
			return fmt.Errorf("tenant view %s: %w", t, err)
		}
	}
	return nil
}

type column struct {
	name, dflt string
	pk         bool
}

func (s session) table(ctx context.Context, t string) error {
	cols, err := s.columns(ctx, t+storage.BaseSuffix)
	if err != nil {
		return err
	}
	var names, values, sets, keys []string
	for _, c := range cols {
		names = append(names, c.name)
		v := "NEW." + c.name
		if c.dflt != "" {
			v = "COALESCE(NEW." + c.name + ", " + c.dflt + ")"
		}
		values = append(values, v)
		sets = append(sets, c.name+" = NEW."+c.name)
		if c.pk {
			keys = append(keys, c.name+" = OLD."+c.name)
		}
	}
	if len(keys) == 0 {
		return errors.New("has no primary key; a tenant-scoped table needs one")
	}
	base := "main." + t + storage.BaseSuffix
	guard := "SELECT RAISE(ABORT, 'eim: row belongs to another tenant') WHERE NEW." + storage.TenantColumn + " IS NOT " + current + ";"
	stmts := []string{
		"CREATE TEMP VIEW IF NOT EXISTS " + t + " AS SELECT * FROM " + base + " WHERE " + storage.TenantColumn + " = " + current,
		"CREATE TEMP TRIGGER IF NOT EXISTS " + t + "_eim_insert INSTEAD OF INSERT ON " + t + " BEGIN " + guard +
			" INSERT INTO " + base + " (" + strings.Join(names, ", ") + ") VALUES (" + strings.Join(values, ", ") + "); END",
		"CREATE TEMP TRIGGER IF NOT EXISTS " + t + "_eim_update INSTEAD OF UPDATE ON " + t + " BEGIN " + guard +
			" UPDATE " + base + " SET " + strings.Join(sets, ", ") + " WHERE " + strings.Join(keys, " AND ") + "; END",
		"CREATE TEMP TRIGGER IF NOT EXISTS " + t + "_eim_delete INSTEAD OF DELETE ON " + t + " BEGIN" +
			" DELETE FROM " + base + " WHERE " + strings.Join(keys, " AND ") + "; END",
	}
	for _, q := range stmts {
		if err := s.exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

func (s session) columns(ctx context.Context, table string) ([]column, error) {
	rows, err := s.query(ctx, "SELECT name, COALESCE(dflt_value, ''), pk FROM pragma_table_info('"+table+"')")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []column
	vals := make([]driver.Value, 3)
	for {
		if err := rows.Next(vals); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		out = append(out, column{name: asString(vals[0]), dflt: asString(vals[1]), pk: asString(vals[2]) != "0"})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("table %s does not exist", table)
	}
	return out, nil
}

func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func (s session) strings(ctx context.Context, q string) ([]string, error) {
	rows, err := s.query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	vals := make([]driver.Value, 1)
	for {
		if err := rows.Next(vals); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		out = append(out, asString(vals[0]))
	}
}

func (s session) exec(ctx context.Context, q string) error {
	_, err := s.conn.(driver.ExecerContext).ExecContext(ctx, q, nil)
	return err
}

func (s session) query(ctx context.Context, q string) (driver.Rows, error) {
	return s.conn.(driver.QueryerContext).QueryContext(ctx, q, nil)
}
