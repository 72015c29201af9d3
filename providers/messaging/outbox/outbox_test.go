package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/messaging"
	_ "github.com/eim-byoi/eim/providers/messaging/memory"
	"github.com/eim-byoi/eim/providers/messaging/outbox"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/test/msgtest"
)

var databases = []struct {
	name string
	open func(t *testing.T) *storage.DB
}{
	{"PostgreSQL", func(t *testing.T) *storage.DB { return msgtest.Postgres(t) }},
	{"MariaDB", func(t *testing.T) *storage.DB { return msgtest.MariaDB(t) }},
	{"SQLite", func(t *testing.T) *storage.DB { return msgtest.SQLite(t, t.TempDir()) }},
}

func memoryBus(t *testing.T) *messaging.Bus {
	bus, err := messaging.Open(context.Background(), "memory", nil, messaging.Env{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Close() })
	return bus
}

// TestRelay appends events in many transactions (one rolled back) and relays them with two
// relays at once, as two replicas would: every committed event arrives, in order per key, and
// the rolled-back ones never do.
func TestRelay(t *testing.T) {
	for _, d := range databases {
		t.Run(d.name, func(t *testing.T) {
			ctx := t.Context()
			db, bus := d.open(t), memoryBus(t)
			var mu sync.Mutex
			got := map[string][]int{}
			ids := map[string]int{}
			_, err := bus.Subscribe(ctx, "hosts.changed", "test", func(_ context.Context, m messaging.Message) error {
				mu.Lock()
				defer mu.Unlock()
				n, _ := strconv.Atoi(string(m.Payload))
				got[m.Key] = append(got[m.Key], n)
				ids[m.ID]++
				return nil
			}, messaging.Ordered())
			require.NoError(t, err)
			const total = 300
			for i := 0; i < total; i += 10 {
				require.NoError(t, db.InTx(ctx, func(tx *storage.Tx) error {
					for j := i; j < i+10; j++ {
						m := messaging.Message{Key: fmt.Sprintf("host-%d", j%7), Payload: []byte(strconv.Itoa(j))}
						if err := outbox.Append(ctx, db, tx, "hosts.changed", m); err != nil {
							return err
						}
					}
					return nil
				}))
			}
			rollback := errors.New("roll back")
			err = db.InTx(ctx, func(tx *storage.Tx) error {
				require.NoError(t, outbox.Append(ctx, db, tx, "hosts.changed", messaging.Message{Key: "ghost", Payload: []byte("-1")}))
				return rollback
			})
			require.ErrorIs(t, err, rollback)
			for range 2 {
				r := outbox.NewRelay(db, bus, outbox.RelayOptions{Batch: 17, PollInterval: 50 * time.Millisecond})
				r.Start()
				t.Cleanup(func() { _ = r.Close() })
			}
			require.Eventually(t, func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(ids) >= total
			}, time.Minute, 20*time.Millisecond)
			// A relay marks a batch sent once the bus has confirmed it, which may be just after
			// its consumers received it.
			pending := outbox.NewRelay(db, bus, outbox.RelayOptions{})
			assert.Eventually(t, func() bool {
				n, err := pending.Pending(ctx)
				return err == nil && n == 0
			}, time.Minute, 20*time.Millisecond, "every event is marked sent")
			mu.Lock()
			defer mu.Unlock()
			assert.Len(t, ids, total, "every committed event arrives")
			assert.NotContains(t, got, "ghost", "a rolled-back event is never published")
			for key, seq := range got {
				assert.IsIncreasing(t, seq, "events of %s arrive in the order they were appended", key)
			}
		})
	}
}

// TestInbox: a message handled twice changes the state once; a failed handling leaves no
// record, so the redelivery is processed.
func TestInbox(t *testing.T) {
	for _, d := range databases {
		t.Run(d.name, func(t *testing.T) {
			ctx := t.Context()
			db := d.open(t)
			in := outbox.NewInbox(db, "billing")
			calls, fail := 0, true
			h := in.Handle(func(ctx context.Context, tx *storage.Tx, m messaging.Message) error {
				calls++
				if fail {
					fail = false
					return errors.New("transient")
				}
				return nil
			})
			m := messaging.Message{ID: messaging.NewID()}
			tests := []struct {
				name      string
				wantErr   bool
				wantCalls int
			}{
				{"first delivery fails", true, 1},
				{"redelivery is processed", false, 2},
				{"duplicate is skipped", false, 2},
			}
			for _, tt := range tests {
				err := h(ctx, m)
				assert.Equal(t, tt.wantErr, err != nil, "%s: %v", tt.name, err)
				assert.Equal(t, tt.wantCalls, calls, tt.name)
			}
			n, err := in.Prune(ctx, -time.Hour)
			require.NoError(t, err)
			assert.EqualValues(t, 1, n, "prune forgets processed IDs")
		})
	}
}
