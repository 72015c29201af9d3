package postgres

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage/remote"
)

// sqlstateCodes maps SQLSTATE values; classes are looked up by their first two characters.
var sqlstateCodes = map[string]provider.Code{
	"23505": provider.AlreadyExists,      // unique_violation
	"23503": provider.FailedPrecondition, // foreign_key_violation
	"40001": provider.Aborted,            // serialization_failure
	"40P01": provider.Aborted,            // deadlock_detected
	"42501": provider.PermissionDenied,   // insufficient_privilege, row-level security violations
	"3D000": provider.NotFound,           // invalid_catalog_name: no such database
	"42P01": provider.FailedPrecondition, // undefined_table: schema not migrated
	"57014": provider.Canceled,           // query_canceled
	"55P03": provider.Aborted,            // lock_not_available
	"25006": provider.FailedPrecondition, // read_only_sql_transaction
}

var classCodes = map[string]provider.Code{
	"08": provider.Unavailable,        // connection exception
	"22": provider.InvalidArgument,    // data exception
	"23": provider.InvalidArgument,    // other integrity constraints: not null, check
	"28": provider.Unauthenticated,    // invalid authorization
	"40": provider.Aborted,            // transaction rollback
	"53": provider.Unavailable,        // insufficient resources: too many connections
	"57": provider.Unavailable,        // operator intervention: shutdown, cannot connect now
	"58": provider.Unavailable,        // system error
	"42": provider.InvalidArgument,    // syntax error or access rule violation
	"0A": provider.Unimplemented,      // feature not supported
	"XX": provider.Internal,           // internal error
	"P0": provider.FailedPrecondition, // raised by PL/pgSQL
}

// code maps a pgx error to a Code.
func code(err error) (provider.Code, bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		if c, ok := sqlstateCodes[pgErr.Code]; ok {
			return c, true
		}
		if c, ok := classCodes[pgErr.Code[:2]]; ok {
			return c, true
		}
		return provider.Unknown, true
	}
	if c, ok := remote.TLSCode(err); ok {
		return c, true
	}
	if pgconn.Timeout(err) {
		return provider.DeadlineExceeded, true
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) || strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "unexpected EOF") {
		return provider.Unavailable, true
	}
	return 0, false
}
