package storage

import (
	"context"
	"database/sql/driver"
)

// Dial opens one driver connection logged in with c.
type Dial func(ctx context.Context, c Credentials) (driver.Conn, error)

// NewConnector returns a connector for sql.OpenDB that asks src for credentials on every new
// connection and drains connections when src's Generation changes: a connection opened with
// older credentials is closed when it is next returned to or taken from the pool, never while
// a statement runs on it. d is the driver dial belongs to.
func NewConnector(d driver.Driver, dial Dial, src CredentialSource) driver.Connector {
	return &connector{drv: d, dial: dial, src: src}
}

type connector struct {
	drv  driver.Driver
	dial Dial
	src  CredentialSource
}

func (c *connector) Driver() driver.Driver { return c.drv }

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	gen := c.src.Generation()
	creds, err := c.src.Credentials(ctx)
	if err != nil {
		return nil, err
	}
	conn, err := c.dial(ctx, creds)
	if err != nil {
		return nil, err
	}
	return &genConn{Conn: conn, gen: gen, src: c.src, system: dbSystem(c.drv)}, nil
}

// genConn is a driver connection that remembers the credential generation it was opened with.
// It forwards every optional interface database/sql uses.
type genConn struct {
	driver.Conn
	gen    uint64
	src    CredentialSource
	system string // db.system of the spans
}

// Unwrap returns the driver's own connection, for sql.Conn.Raw users.
func (c *genConn) Unwrap() driver.Conn { return c.Conn }

func (c *genConn) stale() bool { return c.src.Generation() != c.gen }

func (c *genConn) ResetSession(ctx context.Context) error {
	if c.stale() {
		return driver.ErrBadConn
	}
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *genConn) IsValid() bool {
	if c.stale() {
		return false
	}
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *genConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return c.Conn.Begin() //nolint:staticcheck // fallback for drivers without BeginTx
}

func (c *genConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return c.Conn.Prepare(query)
}

func (c *genConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (res driver.Result, err error) {
	e, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	ctx, end := startStatement(ctx, c.system, query)
	defer func() { end(err) }()
	return e.ExecContext(ctx, query, args)
}

func (c *genConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (rows driver.Rows, err error) {
	q, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	ctx, end := startStatement(ctx, c.system, query)
	defer func() { end(err) }()
	return q.QueryContext(ctx, query, args)
}

func (c *genConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *genConn) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := c.Conn.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}
