package storage

import (
	"context"
	"database/sql"
)

// Tx is a transaction opened by InTx or InTenant: a *sql.Tx whose results mean the same on
// every dialect.
type Tx struct {
	*sql.Tx
	tenant string
	// countChanges makes Exec count affected rows with total_changes(): on SQLite, statements
	// on tenant-scoped tables go through INSTEAD OF triggers, which sqlite3_changes() ignores.
	countChanges bool
}

// TenantID returns the tenant the transaction is scoped to, or "" for InTx.
func (tx *Tx) TenantID() string { return tx.tenant }

// ExecContext runs a statement in the transaction. RowsAffected counts the rows changed in
// tenant-scoped tables on every dialect.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if !tx.countChanges {
		return tx.Tx.ExecContext(ctx, query, args...)
	}
	before, err := tx.totalChanges(ctx)
	if err != nil {
		return nil, err
	}
	res, err := tx.Tx.ExecContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	after, err := tx.totalChanges(ctx)
	if err != nil {
		return nil, err
	}
	return countedResult{Result: res, n: after - before}, nil
}

// Exec runs a statement in the transaction; see ExecContext.
func (tx *Tx) Exec(query string, args ...any) (sql.Result, error) {
	return tx.ExecContext(context.Background(), query, args...)
}

func (tx *Tx) totalChanges(ctx context.Context) (int64, error) {
	var n int64
	err := tx.Tx.QueryRowContext(ctx, "SELECT total_changes()").Scan(&n)
	return n, err
}

type countedResult struct {
	sql.Result
	n int64
}

func (r countedResult) RowsAffected() (int64, error) { return r.n, nil }
