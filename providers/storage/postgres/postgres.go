// Package postgres is the storage adapter for PostgreSQL (12 and later, and the managed
// services built on it: RDS, Aurora, Cloud SQL, Azure Database) over pgx/v5. It registers
// itself as "postgres".
//
// Every new connection asks the credential source for its login, so rotated passwords, Vault
// dynamic users and RDS IAM tokens apply without a restart; when the credentials are replaced,
// connections opened with the old ones drain. The runtime role must not bypass Row Level
// Security: CheckHealth refuses a superuser or BYPASSRLS role.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/providers/storage/remote"
)

// Interface guards: the adapter's types implement the kind's driver interfaces.
var (
	_ storage.Driver = (*pgDriver)(nil)
)

func init() { provider.Register(storage.Registry, "postgres", NewConfig, Open) }

// Open opens the pools without connecting: a server that is down makes CheckHealth and
// statements fail with Unavailable until it is up.
func Open(ctx context.Context, cfg *Config, env storage.Env) (*storage.DB, error) {
	r, err := cfg.resolved()
	if err != nil {
		return nil, provider.WithCode(provider.InvalidArgument, fmt.Errorf("url %w", err))
	}
	d := &pgDriver{cfg: r, app: cfg.ApplicationName}
	if d.src, err = r.Source(ctx, env, endpoint(r.Host, r.Port)); err != nil {
		return nil, err
	}
	if d.primary, err = d.pool(r.Host, r.Port, d.src, r.Pool); err != nil {
		return nil, err
	}
	if r.Replica != nil {
		if d.replica, err = d.pool(r.Replica.Host, r.Replica.Port, d.src, r.Pool); err != nil {
			d.primary.Close()
			return nil, err
		}
	}
	return storage.New("postgres", d), nil
}

func endpoint(host string, port int) string { return net.JoinHostPort(host, strconv.Itoa(port)) }

// pgDriver implements storage.Driver.
type pgDriver struct {
	cfg              remote.Common
	app              string
	src              storage.CredentialSource
	primary, replica *sql.DB
}

// connConfig builds the pgx configuration of one server, without credentials.
func (d *pgDriver) connConfig(host string, port int) (*pgx.ConnConfig, error) {
	dsn := fmt.Sprintf("host=%s port=%d dbname=%s sslmode=disable connect_timeout=%d application_name=%s",
		quote(host), port, quote(d.cfg.Database), max(1, int(d.cfg.ConnectTimeout.Std().Seconds())), quote(d.app))
	cc, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, provider.WithCode(provider.InvalidArgument, err)
	}
	if cc.TLSConfig, err = d.cfg.TLS.Config(host, provider.TLSVerifyFull); err != nil {
		return nil, err
	}
	cc.Fallbacks = nil
	return cc, nil
}

func quote(s string) string { return "'" + escape(s) + "'" }

func escape(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '\'' || r == '\\' {
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return string(out)
}

// pool opens a *sql.DB whose connections log in with src.
func (d *pgDriver) pool(host string, port int, src storage.CredentialSource, p remote.Pool) (*sql.DB, error) {
	base, err := d.connConfig(host, port)
	if err != nil {
		return nil, err
	}
	dial := func(ctx context.Context, c storage.Credentials) (driver.Conn, error) {
		cc := base.Copy()
		cc.User, cc.Password = c.User, c.Password.Reveal()
		return stdlib.GetConnector(*cc).Connect(ctx)
	}
	db := sql.OpenDB(storage.NewConnector(stdlib.GetDefaultDriver(), dial, src))
	db.SetMaxOpenConns(p.MaxOpen)
	db.SetMaxIdleConns(p.MaxIdle)
	db.SetConnMaxLifetime(p.MaxLifetime.Std())
	db.SetConnMaxIdleTime(p.MaxIdleTime.Std())
	return db, nil
}

func (d *pgDriver) Dialect() storage.Dialect { return storage.Postgres }
func (d *pgDriver) Primary() *sql.DB         { return d.primary }
func (d *pgDriver) Replica() *sql.DB         { return d.replica }
func (d *pgDriver) Grantee() string          { return d.cfg.Grantee() }

func (d *pgDriver) Code(err error) (provider.Code, bool) { return code(err) }

// Target names user, server and database; with dynamic credentials the user is the current one.
func (d *pgDriver) Target() string {
	user := d.cfg.User
	if c, err := d.src.Credentials(context.Background()); err == nil && d.cfg.IAM == nil {
		user = c.User
	}
	return user + "@" + endpoint(d.cfg.Host, d.cfg.Port) + "/" + d.cfg.Database
}

// Migrator opens a small pool logged in as the migration role.
func (d *pgDriver) Migrator(context.Context) (*sql.DB, func() error, error) {
	db, err := d.pool(d.cfg.Host, d.cfg.Port, d.cfg.MigrationSource(d.src), remote.Pool{MaxOpen: 4, MaxIdle: 2})
	if err != nil {
		return nil, nil, err
	}
	return db, db.Close, nil
}

// Verify refuses a runtime role that can bypass Row Level Security.
func (d *pgDriver) Verify(ctx context.Context) error {
	var user string
	var bypass bool
	err := d.primary.QueryRowContext(ctx, "SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user").Scan(&user, &bypass)
	if err != nil {
		return err
	}
	if bypass {
		return provider.Errorf(provider.FailedPrecondition,
			"runtime role %q can bypass row level security (superuser or BYPASSRLS), so tenant isolation would not hold; connect as a role created NOSUPERUSER NOBYPASSRLS and run migrations as the owner (migration.user)", user)
	}
	return nil
}

// Close closes the pools.
func (d *pgDriver) Close() error {
	err := d.primary.Close()
	if d.replica != nil {
		err = errors.Join(err, d.replica.Close())
	}
	return err
}
