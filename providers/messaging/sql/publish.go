package sql

import (
	"context"
	"database/sql"
	"strings"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/storage"
)

// Limits of one INSERT statement of a publish: payload bytes sent, and rows (on MySQL each
// carries publishColumns placeholders, and it allows 65,535).
const (
	maxInsertBytes = 4 << 20
	maxInsertRows  = 500
	publishColumns = 6
)

// pgPublish copies a batch of messages to every group of the topic, in message order (ids,
// and so delivery and per-key order, follow it), and notifies the consumers when it commits:
// one statement with fixed text, prepared once.
const pgPublish = "WITH ins AS (INSERT INTO eim_queue (topic, grp, message_id, msg_key, payload, headers, visible_us) " +
	"SELECT $1, g.grp, m.id, m.k, m.p, m.h, " + pgNow + " " +
	"FROM unnest($2::text[], $3::text[], $4::bytea[], $5::text[]) WITH ORDINALITY AS m(id, k, p, h, n) " +
	"JOIN eim_queue_groups g ON g.topic = $1 ORDER BY m.n, g.grp) " +
	"SELECT pg_notify($6, $1)"

// Publish stores a copy of every message for every group of topic, atomically, with
// multi-row INSERTs in message order. A topic without groups keeps nothing, as a broker would.
// On PostgreSQL a batch that fits one statement is that one statement.
func (d *driver) Publish(ctx context.Context, topic string, msgs []messaging.Message) error {
	var err error
	if d.db.Dialect() == storage.Postgres && chunk(msgs, 1) == len(msgs) {
		err = d.db.Err("publish", d.publishPostgres(ctx, d.db.SQL(), topic, msgs))
	} else {
		err = d.db.InTx(ctx, func(tx *storage.Tx) error {
			if d.db.Dialect() == storage.Postgres {
				return d.publishPostgres(ctx, tx, topic, msgs)
			}
			return d.publishMySQL(ctx, tx, topic, msgs)
		})
	}
	if err != nil {
		return coded(err)
	}
	d.notify() // this process's receivers at once (other processes: NOTIFY on PostgreSQL, the poll on MySQL)
	return nil
}

// execer is a *sql.DB or a *storage.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// publishPostgres inserts msgs in statements of up to maxInsertRows rows and maxInsertBytes
// (PostgreSQL sends one notification per transaction for identical ones).
func (d *driver) publishPostgres(ctx context.Context, db execer, topic string, msgs []messaging.Message) error {
	for len(msgs) > 0 {
		n := chunk(msgs, 1)
		ids, keys, payloads, headers := columns(msgs[:n])
		if _, err := db.ExecContext(ctx, pgPublish, topic, ids, keys, payloads, headers, notifyChannel); err != nil {
			return err
		}
		msgs = msgs[n:]
	}
	return nil
}

func (d *driver) publishMySQL(ctx context.Context, tx *storage.Tx, topic string, msgs []messaging.Message) error {
	groups, err := d.groups(ctx, tx, topic)
	if err != nil || len(groups) == 0 {
		return err
	}
	for len(msgs) > 0 {
		n := chunk(msgs, len(groups))
		if err := d.insert(ctx, tx, topic, groups, msgs[:n]); err != nil {
			return err
		}
		msgs = msgs[n:]
	}
	return nil
}

func (d *driver) groups(ctx context.Context, tx *storage.Tx, topic string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, d.q.groups, topic)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var groups []string
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return nil, err
		}
		groups = append(groups, g)
	}
	return groups, rows.Err()
}

// chunk returns how many of msgs the next INSERT carries: at least one, and as many more as
// fit the row and byte limits when each message is sent copies times.
func chunk(msgs []messaging.Message, copies int) int {
	rows, size := 0, 0
	for i, m := range msgs {
		rows, size = rows+copies, size+copies*len(m.Payload)
		if i > 0 && (rows > maxInsertRows || size > maxInsertBytes) {
			return i
		}
	}
	return len(msgs)
}

// columns splits msgs into the arrays pgPublish takes.
func columns(msgs []messaging.Message) (ids, keys []string, payloads [][]byte, headers []string) {
	ids, keys, headers = make([]string, len(msgs)), make([]string, len(msgs)), make([]string, len(msgs))
	payloads = make([][]byte, len(msgs))
	for i, m := range msgs {
		ids[i], keys[i], payloads[i], headers[i] = m.ID, m.Key, payload(m), messaging.EncodeHeaders(m.Headers)
	}
	return ids, keys, payloads, headers
}

// payload is m's payload, never nil (the column is NOT NULL; an empty payload is read back
// as nil).
func payload(m messaging.Message) []byte {
	if m.Payload == nil {
		return []byte{}
	}
	return m.Payload
}

// insert writes msgs for groups with one multi-row INSERT (MySQL).
func (d *driver) insert(ctx context.Context, tx *storage.Tx, topic string, groups []string, msgs []messaging.Message) error {
	var q strings.Builder
	q.WriteString(d.q.publish)
	args := make([]any, 0, len(msgs)*len(groups)*publishColumns)
	for i, m := range msgs {
		headers := messaging.EncodeHeaders(m.Headers)
		for j, g := range groups {
			if i+j > 0 {
				q.WriteString(", ")
			}
			q.WriteString(d.q.publishRow)
			args = append(args, topic, g, m.ID, m.Key, payload(m), headers)
		}
	}
	_, err := tx.ExecContext(ctx, q.String(), args...)
	return err
}
