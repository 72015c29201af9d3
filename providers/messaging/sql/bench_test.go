package sql_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/eim-byoi/eim/providers/messaging"
	_ "github.com/eim-byoi/eim/providers/messaging/memory"
	"github.com/eim-byoi/eim/providers/messaging/outbox"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/test/msgtest"
)

// BenchmarkThroughput compares publish+consume through the adapter on PostgreSQL with
// hand-written SQL on the same database, in the same run, against three baselines:
//
//   - same-message: SQL a careful engineer would write for the same contract — the message's
//     id, key and headers stored with the payload; one multi-row INSERT per batch with a
//     wake-up NOTIFY; a consumer claiming 32 rows under a visibility timeout and a claim token
//     (UPDATE ... SKIP LOCKED ... RETURNING), handling them outside any transaction and
//     deleting them with one statement. The adapter's overhead is this ratio.
//   - payload-only: the same without id, key, headers, claim token or NOTIFY: what the
//     messaging contract itself costs on top of the cheapest queue.
//   - held-tx: a consumer holding its claim transaction open while it handles the batch
//     (SELECT ... FOR UPDATE SKIP LOCKED, handle, DELETE, COMMIT): one write per message fewer,
//     but a slow handler holds a connection, row locks and an open transaction, and a failing
//     message cannot be retried on its own. What the visibility timeout costs.
func BenchmarkThroughput(b *testing.B) {
	for _, c := range []struct {
		name    string
		publish func(*storage.DB) func([][]byte) error
		claim   rawClaim
	}{
		{"same-message", publishMessages, claimMessages},
		{"payload-only", publishPayloads, claimPayloads},
		{"held-tx", publishPayloads, claimHeldTx},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				db := msgtest.Postgres(b)
				adapter := msgtest.BusRun(b, open(b, db), "bench")
				raw := msgtest.Run(b, rawConsumer(db, c.claim), c.publish(db))
				msgtest.Report(b, adapter, raw)
			}
		})
	}
}

// rawClaim claims, hands over and deletes one batch of the raw queue, returning its size.
type rawClaim func(ctx context.Context, db *storage.DB, c *msgtest.Clock) (int, error)

// rawConsumer runs claim in a loop, pausing 5ms whenever the queue is empty.
func rawConsumer(db *storage.DB, claim rawClaim) func(*msgtest.Clock) func() {
	return func(clock *msgtest.Clock) func() {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			for ctx.Err() == nil {
				if n, _ := claim(ctx, db, clock); n == 0 {
					time.Sleep(5 * time.Millisecond)
				}
			}
		}()
		return func() { cancel(); <-done }
	}
}

func publishMessages(db *storage.DB) func([][]byte) error {
	return func(batch [][]byte) error {
		ids, keys, headers := make([]string, len(batch)), make([]string, len(batch)), make([]string, len(batch))
		for i := range batch {
			ids[i], headers[i] = messaging.NewID(), "{}"
		}
		_, err := db.SQL().ExecContext(context.Background(), "WITH ins AS (INSERT INTO eim_queue "+
			"(topic, grp, message_id, msg_key, payload, headers, visible_us) SELECT 'raw', 'raw', m.id, m.k, m.p, m.h, "+rawNow+
			" FROM unnest($1::text[], $2::text[], $3::bytea[], $4::text[]) WITH ORDINALITY AS m(id, k, p, h, n) ORDER BY m.n) "+
			"SELECT pg_notify('raw', 'raw')", ids, keys, batch, headers)
		return err
	}
}

func publishPayloads(db *storage.DB) func([][]byte) error {
	return func(batch [][]byte) error {
		_, err := db.SQL().ExecContext(context.Background(), "INSERT INTO eim_queue (topic, grp, message_id, msg_key, payload, headers, visible_us) "+
			"SELECT 'raw', 'raw', '', '', p, '{}', 0 FROM unnest($1::bytea[]) AS p", batch)
		return err
	}
}

// rawNow is the database clock in microseconds.
const rawNow = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)"

// rawReady selects the oldest 32 visible rows of the raw queue.
const rawReady = "SELECT id FROM eim_queue WHERE topic = 'raw' AND grp = 'raw' " +
	"AND visible_us <= CAST(EXTRACT(EPOCH FROM statement_timestamp()) * 1000000 AS BIGINT) ORDER BY id LIMIT 32 FOR UPDATE SKIP LOCKED"

func claimMessages(ctx context.Context, db *storage.DB, clock *msgtest.Clock) (int, error) {
	token := rand.Int64N(1<<62) + 1
	rows, err := db.SQL().QueryContext(ctx, "UPDATE eim_queue SET visible_us = "+rawNow+" + 30000000, attempts = attempts + 1, claim = $1 "+
		"WHERE id = ANY(ARRAY("+rawReady+")) RETURNING id, payload, message_id, msg_key, headers, attempts", token)
	if err != nil {
		return 0, err
	}
	ids, err := handOver(rows, clock, new(string), new(string), new(string), new(int))
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	tokens := make([]int64, len(ids))
	for i := range tokens {
		tokens[i] = token
	}
	_, err = db.SQL().ExecContext(ctx, "DELETE FROM eim_queue q USING unnest($1::bigint[], $2::bigint[]) AS a(id, claim) "+
		"WHERE q.id = a.id AND q.claim = a.claim", ids, tokens)
	return len(ids), err
}

func claimPayloads(ctx context.Context, db *storage.DB, clock *msgtest.Clock) (int, error) {
	rows, err := db.SQL().QueryContext(ctx, "UPDATE eim_queue SET visible_us = "+rawNow+" + 30000000, attempts = attempts + 1 "+
		"WHERE id = ANY(ARRAY("+rawReady+")) RETURNING id, payload")
	if err != nil {
		return 0, err
	}
	ids, err := handOver(rows, clock)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	_, err = db.SQL().ExecContext(ctx, "DELETE FROM eim_queue WHERE id = ANY($1)", ids)
	return len(ids), err
}

func claimHeldTx(ctx context.Context, db *storage.DB, clock *msgtest.Clock) (n int, err error) {
	err = db.InTx(ctx, func(tx *storage.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT id, payload FROM eim_queue WHERE topic = 'raw' AND grp = 'raw' ORDER BY id LIMIT 32 FOR UPDATE SKIP LOCKED")
		if err != nil {
			return err
		}
		ids, err := handOver(rows, clock)
		if err != nil || len(ids) == 0 {
			return err
		}
		n = len(ids)
		_, err = tx.ExecContext(ctx, "DELETE FROM eim_queue WHERE id = ANY($1)", ids)
		return err
	})
	return n, err
}

// handOver scans rows of (id, payload, extra...), hands each payload to clock and returns
// the ids.
func handOver(rows *sql.Rows, clock *msgtest.Clock, extra ...any) ([]int64, error) {
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		var p []byte
		if err := rows.Scan(append([]any{&id, &p}, extra...)...); err != nil {
			return nil, err
		}
		ids = append(ids, id)
		clock.Received(p)
	}
	return ids, rows.Err()
}

// BenchmarkOutboxRelay measures how fast the relay drains an outbox of PostgreSQL events to
// a bus (the in-process one, so that the relay itself is measured).
func BenchmarkOutboxRelay(b *testing.B) {
	const events = 5000
	ctx := context.Background()
	for b.Loop() {
		db := msgtest.Postgres(b)
		bus, err := messaging.Open(ctx, "memory", nil, messaging.Env{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = bus.Close() })
		for i := 0; i < events; i += 100 {
			err := db.InTx(ctx, func(tx *storage.Tx) error {
				msgs := make([]messaging.Message, 100)
				for j := range msgs {
					msgs[j] = messaging.Message{Key: fmt.Sprintf("k%d", (i+j)%50), Payload: []byte(strings.Repeat("x", 256))}
				}
				return outbox.Append(ctx, db, tx, "bench", msgs...)
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		relay := outbox.NewRelay(db, bus, outbox.RelayOptions{})
		start := time.Now()
		for {
			n, err := relay.Flush(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		b.ReportMetric(events/time.Since(start).Seconds(), "relayed-events/s")
	}
}
