package e2e_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	_ "modernc.org/sqlite" // the outbox of the embedded defaults is read from eim's SQLite file

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/test/proc"
	"github.com/eim-byoi/eim/test/testenv"
)

// newEmbeddedBed is b on the embedded defaults: no configuration file, so SQLite in the data
// directory, the in-memory bus, the embedded issuer and the local secrets provider. Nothing of
// it runs outside the process: the one fault that applies is the process's own end.
func newEmbeddedBed(t *testing.T, b *faultBed) *faultBed {
	b.env = proc.Env(b.dir, "EIM_LISTEN_HTTP=127.0.0.1:"+strconv.Itoa(testenv.FreePort(t)),
		"EIM_SOUTHBOUND_ADDRESS=127.0.0.1:"+strconv.Itoa(testenv.FreePort(t)), "EIM_TARGET=all")
	b.id = &embedded{bin: b.bin, env: b.env}
	b.start(t)
	return b
}

// outboxDelivered counts, on the embedded defaults, the acknowledged writes whose created event
// the outbox (eim's SQLite file, read by the test) holds and marks relayed to the in-memory bus,
// waiting (up to a minute) for the relay. With no broker outside the process, the outbox is
// where an event is seen committed and published.
func outboxDelivered(t *testing.T, b *faultBed, acked map[string]string) int {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(b.dir, "eim.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	defer db.Close()
	n := 0
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Second) {
		sent := outboxCreated(t, db)
		n = 0
		for _, id := range acked {
			if sent[id] {
				n++
			}
		}
		if n == len(acked) || time.Now().After(deadline) {
			return n
		}
	}
}

// outboxCreated returns the resource ids of the created events the outbox marks sent.
func outboxCreated(t *testing.T, db *sql.DB) map[string]bool {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, `SELECT topic, payload FROM eim_outbox WHERE sent_us IS NOT NULL`)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var topic string
		var payload []byte
		require.NoError(t, rows.Scan(&topic, &payload))
		if !strings.HasPrefix(topic, "inventory.") || !strings.HasSuffix(topic, ".created") {
			continue
		}
		var c inventoryv1.Change
		if proto.Unmarshal(payload, &c) == nil {
			out[c.GetResourceId()] = true
		}
	}
	require.NoError(t, rows.Err())
	return out
}
