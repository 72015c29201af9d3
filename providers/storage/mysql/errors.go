package mysql

import (
	"errors"

	"github.com/go-sql-driver/mysql"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage/remote"
)

// errorCodes maps MySQL/MariaDB server error numbers.
var errorCodes = map[uint16]provider.Code{
	1062: provider.AlreadyExists,      // ER_DUP_ENTRY
	1451: provider.FailedPrecondition, // ER_ROW_IS_REFERENCED_2
	1452: provider.FailedPrecondition, // ER_NO_REFERENCED_ROW_2
	1213: provider.Aborted,            // ER_LOCK_DEADLOCK
	1205: provider.Aborted,            // ER_LOCK_WAIT_TIMEOUT
	1045: provider.Unauthenticated,    // ER_ACCESS_DENIED_ERROR: bad user or password
	1698: provider.Unauthenticated,    // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
	1044: provider.PermissionDenied,   // ER_DBACCESS_DENIED_ERROR
	1142: provider.PermissionDenied,   // ER_TABLEACCESS_DENIED_ERROR
	1143: provider.PermissionDenied,   // ER_COLUMNACCESS_DENIED_ERROR
	1227: provider.PermissionDenied,   // ER_SPECIFIC_ACCESS_DENIED_ERROR
	1369: provider.PermissionDenied,   // ER_VIEW_CHECK_FAILED: a row of another tenant
	1049: provider.NotFound,           // ER_BAD_DB_ERROR
	1146: provider.FailedPrecondition, // ER_NO_SUCH_TABLE: schema not migrated
	1040: provider.Unavailable,        // ER_CON_COUNT_ERROR
	1053: provider.Unavailable,        // ER_SERVER_SHUTDOWN
	1927: provider.Unavailable,        // ER_CONNECTION_KILLED (MariaDB)
	1048: provider.InvalidArgument,    // ER_BAD_NULL_ERROR
	1406: provider.InvalidArgument,    // ER_DATA_TOO_LONG
	1264: provider.InvalidArgument,    // ER_WARN_DATA_OUT_OF_RANGE
	3819: provider.InvalidArgument,    // ER_CHECK_CONSTRAINT_VIOLATED (MySQL)
	4025: provider.InvalidArgument,    // ER_CONSTRAINT_FAILED (MariaDB)
	1064: provider.InvalidArgument,    // ER_PARSE_ERROR
}

func code(err error) (provider.Code, bool) {
	var myErr *mysql.MySQLError
	if errors.As(err, &myErr) {
		if c, ok := errorCodes[myErr.Number]; ok {
			return c, true
		}
		return provider.Unknown, true
	}
	if c, ok := remote.TLSCode(err); ok {
		return c, true
	}
	if errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, mysql.ErrPktSync) || errors.Is(err, mysql.ErrPktSyncMul) {
		return provider.Unavailable, true
	}
	return 0, false
}
