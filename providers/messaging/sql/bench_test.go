package sql_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/internal/msgtest"
	_ "github.com/eim-byoi/eim/providers/messaging/memory"
	"github.com/eim-byoi/eim/providers/messaging/outbox"
	"github.com/eim-byoi/eim/providers/storage"
)

// BenchmarkThroughput compares publish+consume through the adapter on PostgreSQL with raw SQL
// doing the same work (insert per message, SKIP LOCKED claim, delete per message) on the same
// database, in the same run.
func BenchmarkThroughput(b *testing.B) {
	for b.Loop() {
		db := msgtest.Postgres(b)
		adapter := msgtest.BusRun(b, open(b, db), "bench")
		raw := msgtest.Run(b, rawConsumer(db), rawPublisher(db))
		msgtest.Report(b, adapter, raw)
	}
}

func rawPublisher(db *storage.DB) func([][]byte) error {
	return func(batch [][]byte) error {
		ctx := context.Background()
		return db.InTx(ctx, func(tx *storage.Tx) error {
			for _, p := range batch {
				if _, err := tx.ExecContext(ctx, "INSERT INTO eim_queue (topic, grp, message_id, msg_key, payload, headers, visible_us) VALUES ('raw', 'raw', '', '', $1, '{}', 0)", p); err != nil {
					return err
				}
			}
			return nil
		})
	}
}

func rawConsumer(db *storage.DB) func(*msgtest.Clock) func() {
	return func(clock *msgtest.Clock) func() {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			for ctx.Err() == nil {
				var payloads [][]byte
				var ids []string
				_ = db.InTx(ctx, func(tx *storage.Tx) error {
					rows, err := tx.QueryContext(ctx, "SELECT id, payload FROM eim_queue WHERE topic = 'raw' AND grp = 'raw' ORDER BY id LIMIT 32 FOR UPDATE SKIP LOCKED")
					if err != nil {
						return err
					}
					defer rows.Close()
					for rows.Next() {
						var id int64
						var p []byte
						if err := rows.Scan(&id, &p); err != nil {
							return err
						}
						ids, payloads = append(ids, strconv.FormatInt(id, 10)), append(payloads, p)
					}
					return rows.Err()
				})
				for i, p := range payloads {
					clock.Received(p)
					_, _ = db.SQL().ExecContext(ctx, "DELETE FROM eim_queue WHERE id = "+ids[i])
				}
				if len(payloads) == 0 {
					time.Sleep(5 * time.Millisecond)
				}
			}
		}()
		return func() { cancel(); <-done }
	}
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
