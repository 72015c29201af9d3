// Package mysql is the storage adapter for MySQL 8 and MariaDB over go-sql-driver/mysql,
// including RDS/Aurora MySQL with IAM authentication. It registers itself as "mysql".
//
// Tenant-scoped tables are served through views restricted to the session's tenant (see
// package storage); the runtime account needs privileges on the views only.
package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/providers/storage/remote"
)

// Interface guards: the adapter's types implement the kind's driver interfaces.
var (
	_ storage.Driver = (*myDriver)(nil)
)

func init() { provider.Register(storage.Registry, "mysql", NewConfig, Open) }

// Open opens the pools without connecting.
func Open(ctx context.Context, cfg *Config, env storage.Env) (*storage.DB, error) {
	d := &myDriver{cfg: cfg, log: env.Log()}
	var err error
	if d.src, err = cfg.Source(ctx, env, endpoint(cfg.Host, cfg.Port)); err != nil {
		return nil, err
	}
	role := ""
	if cfg.SetRole {
		role = cfg.RuntimeRole
	}
	if d.primary, err = d.pool(cfg.Host, cfg.Port, d.src, cfg.Pool, role); err != nil {
		return nil, err
	}
	if cfg.Replica != nil {
		if d.replica, err = d.pool(cfg.Replica.Host, cfg.Replica.Port, d.src, cfg.Pool, role); err != nil {
			d.primary.Close()
			return nil, err
		}
	}
	return storage.New("mysql", d), nil
}

func endpoint(host string, port int) string { return net.JoinHostPort(host, strconv.Itoa(port)) }

type myDriver struct {
	cfg              *Config
	log              *slog.Logger
	src              storage.CredentialSource
	primary, replica *sql.DB
}

// base returns the driver configuration of one server, without credentials.
func (d *myDriver) base(host string, port int) (*mysql.Config, error) {
	mc := mysql.NewConfig()
	mc.Net, mc.Addr, mc.DBName = "tcp", endpoint(host, port), d.cfg.Database
	mc.ParseTime, mc.Loc = true, time.UTC
	mc.Timeout = d.cfg.ConnectTimeout.Std()
	mc.Logger = driverLog{d.log}
	mc.Params = map[string]string{"time_zone": "'+00:00'"}
	mc.AllowCleartextPasswords = d.cfg.IAM != nil // RDS IAM sends the token as a cleartext password over TLS
	tc, err := d.cfg.TLS.Config(host, provider.TLSVerifyFull)
	if err != nil {
		return nil, err
	}
	mc.TLS = tc
	return mc, nil
}

// pool opens a pool to one server; with role set every new connection activates it (SET ROLE)
// before database/sql uses it.
func (d *myDriver) pool(host string, port int, src storage.CredentialSource, p remote.Pool, role string) (*sql.DB, error) {
	base, err := d.base(host, port)
	if err != nil {
		return nil, err
	}
	dial := func(ctx context.Context, c storage.Credentials) (driver.Conn, error) {
		mc := base.Clone()
		mc.User, mc.Passwd = c.User, c.Password.Reveal()
		if role != "" {
			mc.DBName = "" // the user reaches the database through its role only: USE after SET ROLE
		}
		conn, err := mysql.NewConnector(mc)
		if err != nil {
			return nil, err
		}
		dc, err := conn.Connect(ctx)
		if err != nil || role == "" {
			return dc, err
		}
		return setRole(ctx, dc, c.User, role, base.DBName)
	}
	db := sql.OpenDB(storage.NewConnector(&mysql.MySQLDriver{}, dial, src))
	db.SetMaxOpenConns(p.MaxOpen)
	db.SetMaxIdleConns(p.MaxIdle)
	db.SetConnMaxLifetime(p.MaxLifetime.Std())
	db.SetConnMaxIdleTime(p.MaxIdleTime.Std())
	return db, nil
}

func (d *myDriver) Dialect() storage.Dialect             { return storage.MySQL }
func (d *myDriver) Primary() *sql.DB                     { return d.primary }
func (d *myDriver) Replica() *sql.DB                     { return d.replica }
func (d *myDriver) Code(err error) (provider.Code, bool) { return code(err) }

// Grantee is 'role'@'host', quoted, or "" when migrations run as the runtime user. A
// runtimeRole with granteeHost % is named without a host, 'role': MariaDB takes that for the
// role of that name when one exists, else for 'role'@'%' (a role has no host, and 'role'@'%'
// is another account); MySQL 8 always for 'role'@'%', where it keeps roles.
func (d *myDriver) Grantee() string {
	g := d.cfg.Grantee()
	switch {
	case g == "":
		return ""
	case d.cfg.RuntimeRole != "" && d.cfg.GranteeHost == "%":
		return quote(g)
	}
	return quote(g) + "@" + quote(d.cfg.GranteeHost)
}

// setRole activates role on a new connection of user, then selects database (the user itself
// may not reach it: the handshake checks the database before any role is active).
// go-sql-driver/mysql has no statement run on connect, so the dial does it before
// database/sql sees the connection.
func setRole(ctx context.Context, c driver.Conn, user, role, database string) (driver.Conn, error) {
	e, ok := c.(driver.ExecerContext)
	if !ok {
		c.Close()
		return nil, provider.Errorf(provider.Internal, "the mysql driver's connection cannot execute SET ROLE")
	}
	if _, err := e.ExecContext(ctx, "SET ROLE "+ident(role), nil); err != nil {
		c.Close()
		return nil, provider.Errorf(provider.PermissionDenied, "SET ROLE %s as %s: %v (setRole: the issued users must be granted the role: "+
			"GRANT %s TO '{{name}}'@'%%' in the creation statements of the secrets engine role; `eim bootstrap database` writes them)",
			role, user, err, ident(role))
	}
	if _, err := e.ExecContext(ctx, "USE "+ident(database), nil); err != nil {
		c.Close()
		return nil, provider.Errorf(provider.PermissionDenied, "USE %s as %s with role %s: %v (grant the role privileges on the database: "+
			"`eim bootstrap database` grants it EXECUTE, the migrations its tables)", database, user, role, err)
	}
	return c, nil
}

func ident(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

func quote(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' || s[i] == '\\' {
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}

// Target names user, server and database.
func (d *myDriver) Target() string {
	user := d.cfg.User
	if c, err := d.src.Credentials(context.Background()); err == nil && d.cfg.IAM == nil {
		user = c.User
	}
	return user + "@" + endpoint(d.cfg.Host, d.cfg.Port) + "/" + d.cfg.Database
}

// Migrator opens a small pool logged in as the migration account (setRole requires one).
func (d *myDriver) Migrator(context.Context) (*sql.DB, func() error, error) {
	db, err := d.pool(d.cfg.Host, d.cfg.Port, d.cfg.MigrationSource(d.src), remote.Pool{MaxOpen: 4, MaxIdle: 2}, "")
	if err != nil {
		return nil, nil, err
	}
	return db, db.Close, nil
}

// Close closes the pools.
func (d *myDriver) Close() error {
	err := d.primary.Close()
	if d.replica != nil {
		err = errors.Join(err, d.replica.Close())
	}
	return err
}

// driverLog sends the driver's own messages (dropped connections) to the process log.
type driverLog struct{ l *slog.Logger }

func (d driverLog) Print(v ...any) { d.l.Debug("mysql driver", "message", fmt.Sprint(v...)) }
