package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"syscall"

	"github.com/eim-byoi/eim/providers/provider"
)

// Kind is the provider kind name used in errors.
const Kind = "storage"

// codeOf classifies err: the driver's mapping first, then the database/sql, network and
// context errors every dialect shares.
func codeOf(d Driver, err error) provider.Code {
	if c := provider.CodeOf(err); c != provider.Unknown {
		return c
	}
	if c, ok := d.Code(err); ok {
		return c
	}
	return commonCode(err)
}

func commonCode(err error) provider.Code {
	var netErr net.Error
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return provider.NotFound
	case errors.Is(err, context.Canceled):
		return provider.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return provider.DeadlineExceeded
	case errors.Is(err, sql.ErrConnDone), errors.Is(err, driver.ErrBadConn),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return provider.Unavailable
	case errors.Is(err, sql.ErrTxDone), err.Error() == "sql: database is closed":
		return provider.FailedPrecondition
	case errors.As(err, &netErr):
		if netErr.Timeout() {
			return provider.DeadlineExceeded
		}
		return provider.Unavailable
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return provider.Unavailable
	}
	return provider.Unknown
}

// Err returns err mapped to its Code and wrapped once as storage/<adapter>: op: code: cause.
// Services call it on errors of statements they run themselves; InTx, InTenant and the DB
// methods already return mapped errors. nil stays nil.
func (db *DB) Err(op string, err error) error {
	if err == nil {
		return nil
	}
	return provider.Wrap(Kind, db.adapter, op, provider.WithCode(codeOf(db.drv, err), err))
}
