// Package dbtest prepares databases and roles on the test bed's servers for the storage
// adapters' tests and benchmarks: a fresh database per test, owned by a migration role, and a
// runtime role that may only use it, as a production installation is set up.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/test/testenv"
)

// Login is a role's name and password.
type Login struct {
	User     string
	Password string
}

// Secret returns the password as a SecretValue.
func (l Login) Secret() provider.SecretValue { return provider.NewSecretValue([]byte(l.Password)) }

// Database is a fresh database with its two roles.
type Database struct {
	Name      string
	Migration Login // owns the database and its tables
	Runtime   Login // what the application connects as
}

func password() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "pw-" + hex.EncodeToString(b[:])
}

func adminCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}

func exec(t testenv.TB, db *sql.DB, stmts ...string) {
	t.Helper()
	ctx, cancel := adminCtx()
	defer cancel()
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatalf("dbtest: %s: %v", s, err)
		}
	}
}
