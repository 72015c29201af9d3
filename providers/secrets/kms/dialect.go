package kms

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/eim-byoi/eim/providers/provider"
)

// dialect holds what differs between PostgreSQL and MySQL for the store's few statements.
type dialect struct {
	driver      string
	createTable string
	dollar      bool // $1 placeholders instead of ?
}

var dialects = map[string]dialect{
	"postgres": {driver: "pgx", dollar: true, createTable: `CREATE TABLE IF NOT EXISTS {t} (
	name        TEXT PRIMARY KEY,
	version     BIGINT NOT NULL,
	wrapped_key BYTEA NOT NULL,
	sealed      BYTEA NOT NULL,
	updated_at  TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP)`},
	"mysql": {driver: "mysql", createTable: `CREATE TABLE IF NOT EXISTS {t} (
	name        VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
	version     BIGINT NOT NULL,
	wrapped_key BLOB NOT NULL,
	sealed      LONGBLOB NOT NULL,
	updated_at  TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))`},
}

// rebind turns ? placeholders into $n for PostgreSQL.
func (d dialect) rebind(q string) string {
	if !d.dollar {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (d dialect) undefinedTable(err error) bool {
	var pe *pgconn.PgError
	var me *mysql.MySQLError
	return (errors.As(err, &pe) && pe.Code == "42P01") || (errors.As(err, &me) && me.Number == 1146)
}

// mapError gives a database error its provider.Code.
func (d dialect) mapError(err error) error {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return provider.WithCode(pgCode(pe.Code), err)
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return provider.WithCode(mysqlCode(me.Number), err)
	}
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return provider.WithCode(provider.DeadlineExceeded, err)
	case errors.Is(err, errDeadline()):
		return provider.WithCode(provider.DeadlineExceeded, err)
	case errors.As(err, &ne), errors.Is(err, driver.ErrBadConn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, mysql.ErrInvalidConn), pgconn.SafeToRetry(err), isConnectError(err):
		return provider.WithCode(provider.Unavailable, err)
	}
	return provider.WithCode(provider.Internal, err)
}

func isConnectError(err error) bool {
	var ce *pgconn.ConnectError
	return errors.As(err, &ce) || strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "connection reset")
}

func pgCode(code string) provider.Code {
	switch {
	case code == "42501":
		return provider.PermissionDenied
	case code == "28P01" || code == "28000":
		return provider.Unauthenticated
	case code == "23505" || code == "40001" || code == "40P01":
		return provider.Aborted
	case code == "57014":
		return provider.DeadlineExceeded
	case strings.HasPrefix(code, "08") || strings.HasPrefix(code, "57P") || strings.HasPrefix(code, "53"):
		return provider.Unavailable
	}
	return provider.Internal
}

func mysqlCode(n uint16) provider.Code {
	switch n {
	case 1044, 1142, 1143, 1227:
		return provider.PermissionDenied
	case 1045:
		return provider.Unauthenticated
	case 1062, 1213, 1205:
		return provider.Aborted
	case 1040, 1053, 2002, 2003, 2006, 2013:
		return provider.Unavailable
	}
	return provider.Internal
}
