// Package pgnotify keeps a PostgreSQL LISTEN open on a connection of a storage pool and turns
// notifications into wake-ups, so that pollers do not spin: the sql adapter's consumers and
// the outbox relay use it.
package pgnotify

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/eim-byoi/eim/providers/provider"
)

// Listen holds a dedicated connection of db listening on channel and calls wake with the
// payload of every notification, and with "" after each (re)connection, since notifications
// sent while it was away are lost. It reconnects with backoff until ctx ends. db must be a
// pgx (stdlib) pool.
func Listen(ctx context.Context, db *sql.DB, channel string, wake func(payload string), log *slog.Logger) {
	b := provider.Backoff{Min: 100 * time.Millisecond, Max: 5 * time.Second}
	for failures := 1; ctx.Err() == nil; failures++ {
		err := listenOnce(ctx, db, channel, wake)
		if ctx.Err() != nil {
			return
		}
		log.Warn("LISTEN connection lost; reconnecting", "channel", channel, "error", err)
		if provider.Sleep(ctx, b.Delay(failures)) != nil {
			return
		}
	}
}

func listenOnce(ctx context.Context, db *sql.DB, channel string, wake func(string)) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return err
	}
	wake("")
	return conn.Raw(func(dc any) error {
		pc, err := pgxConn(dc)
		if err != nil {
			return err
		}
		for {
			n, err := pc.WaitForNotification(ctx)
			if err != nil {
				if ctx.Err() != nil {
					_, _ = pc.Exec(context.Background(), "UNLISTEN *")
					return ctx.Err()
				}
				return fmt.Errorf("%w: %w", driver.ErrBadConn, err)
			}
			wake(n.Payload)
		}
	})
}

// pgxConn finds the pgx connection under a database/sql driver connection, through the
// wrappers that expose Unwrap (the storage kind's credential-generation wrapper).
func pgxConn(dc any) (*pgx.Conn, error) {
	for range 4 {
		switch c := dc.(type) {
		case *stdlib.Conn:
			return c.Conn(), nil
		case interface{ Unwrap() driver.Conn }:
			dc = c.Unwrap()
		default:
			return nil, fmt.Errorf("connection %T is not a pgx connection", dc)
		}
	}
	return nil, fmt.Errorf("connection %T is not a pgx connection", dc)
}
