package sqlite

import (
	"errors"
	"strings"

	"modernc.org/sqlite"

	"github.com/eim-byoi/eim/providers/provider"
)

// extendedCodes maps SQLite extended result codes; primary codes are in primaryCodes.
var extendedCodes = map[int]provider.Code{
	2067: provider.AlreadyExists,      // SQLITE_CONSTRAINT_UNIQUE
	1555: provider.AlreadyExists,      // SQLITE_CONSTRAINT_PRIMARYKEY
	787:  provider.FailedPrecondition, // SQLITE_CONSTRAINT_FOREIGNKEY
	1811: provider.PermissionDenied,   // SQLITE_CONSTRAINT_TRIGGER: a row of another tenant
	1299: provider.InvalidArgument,    // SQLITE_CONSTRAINT_NOTNULL
	275:  provider.InvalidArgument,    // SQLITE_CONSTRAINT_CHECK
}

var primaryCodes = map[int]provider.Code{
	5:  provider.Aborted,            // SQLITE_BUSY (also BUSY_SNAPSHOT): retry the transaction
	6:  provider.Aborted,            // SQLITE_LOCKED
	8:  provider.FailedPrecondition, // SQLITE_READONLY
	10: provider.Unavailable,        // SQLITE_IOERR
	13: provider.ResourceExhausted,  // SQLITE_FULL
	14: provider.Unavailable,        // SQLITE_CANTOPEN: the file cannot be opened (yet)
	19: provider.InvalidArgument,    // SQLITE_CONSTRAINT, other kinds
	11: provider.DataLoss,           // SQLITE_CORRUPT
}

func code(err error) (provider.Code, bool) {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return 0, false
	}
	if c, ok := extendedCodes[e.Code()]; ok {
		return c, true
	}
	if c, ok := primaryCodes[e.Code()&0xff]; ok {
		return c, true
	}
	if strings.Contains(e.Error(), "no such table") {
		return provider.FailedPrecondition, true
	}
	return provider.Unknown, true
}
