package outbox

import (
	"context"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
)

// Partitions is the number of outbox partitions; events of one key share a partition.
const Partitions = 16

// notifyChannel is the PostgreSQL channel Append notifies and the relay listens on.
const notifyChannel = "eim_outbox"

// Append records msgs for topic in tx, the transaction that makes the change they describe;
// the relay publishes them once tx commits, and never if it rolls back. Messages without an
// ID get one.
func Append(ctx context.Context, db *storage.DB, tx *storage.Tx, topic string, msgs ...messaging.Message) error {
	op := "append to outbox for " + strconv.Quote(topic)
	if err := messaging.ValidateTopic(topic); err != nil {
		return provider.Wrap(messaging.Kind, "outbox", op, provider.WithCode(provider.InvalidArgument, err))
	}
	q := db.Dialect().Rebind("INSERT INTO eim_outbox (part, topic, message_id, msg_key, payload, headers, created_us) VALUES (?, ?, ?, ?, ?, ?, ?)")
	now := time.Now().UnixMicro()
	for _, m := range msgs {
		if m.ID == "" {
			m.ID = messaging.NewID()
		}
		messaging.InjectTrace(ctx, topic, &m)
		payload := m.Payload
		if payload == nil {
			payload = []byte{}
		}
		if _, err := tx.ExecContext(ctx, q, partition(m), topic, m.ID, m.Key, payload, messaging.EncodeHeaders(m.Headers), now); err != nil {
			return db.Err(op, err)
		}
	}
	if db.Dialect() == storage.Postgres && len(msgs) > 0 {
		if _, err := tx.ExecContext(ctx, "SELECT pg_notify($1, '')", notifyChannel); err != nil {
			return db.Err(op, err)
		}
	}
	return nil
}

// partition places a message by its key (by its ID when it has none).
func partition(m messaging.Message) int {
	h := fnv.New32a()
	if m.Key != "" {
		_, _ = h.Write([]byte(m.Key))
	} else {
		_, _ = h.Write([]byte(m.ID))
	}
	return int(h.Sum32() % Partitions)
}
