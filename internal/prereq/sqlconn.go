package prereq

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/eim-byoi/eim/providers/provider"
)

// OpenSQL opens a single-connection pool to the configured server as user with password (its
// TLS settings, references resolved) on database (none for MySQL when empty) and pings it.
func (d *Database) OpenSQL(ctx context.Context, user, password, database string) (*sql.DB, error) {
	c := d.Common
	tc, err := c.TLS.Config(c.Host, provider.TLSVerifyFull)
	if err != nil {
		return nil, err
	}
	timeout := time.Duration(c.ConnectTimeout)
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	var db *sql.DB
	if d.Dialect == "mysql" {
		mc := mysql.NewConfig()
		mc.Net, mc.Addr, mc.User, mc.Passwd, mc.DBName = "tcp", net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), user, password, database
		mc.TLS, mc.Timeout, mc.AllowNativePasswords = tc, timeout, true
		conn, err := mysql.NewConnector(mc)
		if err != nil {
			return nil, provider.WithCode(provider.InvalidArgument, err)
		}
		db = sql.OpenDB(conn)
	} else {
		if database == "" {
			database = "postgres"
		}
		pc, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%d dbname=%s sslmode=disable", c.Host, c.Port, quoteConninfo(database)))
		if err != nil {
			return nil, provider.WithCode(provider.InvalidArgument, err)
		}
		pc.User, pc.Password, pc.TLSConfig, pc.ConnectTimeout = user, password, tc, timeout
		db = stdlib.OpenDB(*pc)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func quoteConninfo(s string) string {
	out := "'"
	for _, r := range s {
		if r == '\'' || r == '\\' {
			out += `\`
		}
		out += string(r)
	}
	return out + "'"
}
