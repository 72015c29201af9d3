package sql_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/testlog"
	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/sql"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/test/conformance/faultproxy"
	"github.com/eim-byoi/eim/test/msgtest"
)

// openWith opens the adapter on db with cfg and logs.
func openWith(t *testing.T, db *storage.DB, cfg *sql.Config, log *slog.Logger) *messaging.Bus {
	t.Helper()
	bus, err := messaging.Open(context.Background(), "sql", cfg, messaging.Env{Storage: db, Logger: log})
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Close() })
	return bus
}

// received collects deliveries by message id.
type received struct {
	mu    sync.Mutex
	order map[string][]string // key -> payloads in delivery order
	seen  map[string][]int    // id -> attempts
	n     int
}

func newReceived() *received {
	return &received{order: map[string][]string{}, seen: map[string][]int{}}
}

func (r *received) handler(_ context.Context, m messaging.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.order[m.Key] = append(r.order[m.Key], string(m.Payload[:min(len(m.Payload), 16)]))
	r.seen[m.ID] = append(r.seen[m.ID], m.Attempt)
	r.n++
	return nil
}

func (r *received) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// TestLargePublishKeepsOrder publishes batches that take several INSERT statements (more rows
// than one statement carries, more bytes than one statement carries) to a topic with two
// groups: every group gets every message once, each key in publish order.
func TestLargePublishKeepsOrder(t *testing.T) {
	for _, s := range databases() {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			bus := open(t, s.fresh(t))
			groups := map[string]*received{"a": newReceived(), "b": newReceived()}
			for g, r := range groups {
				sub, err := bus.Subscribe(ctx, "big", g, r.handler, messaging.Ordered(), messaging.Concurrency(4))
				require.NoError(t, err)
				t.Cleanup(func() { _ = sub.Close(ctx) })
			}
			many := make([]messaging.Message, 1200)
			for i := range many {
				many[i] = messaging.Message{Key: fmt.Sprintf("k%d", i%7), Payload: fmt.Appendf(nil, "%016d", i)}
			}
			large := make([]messaging.Message, 6)
			for i := range large {
				large[i] = messaging.Message{Key: "large", Payload: append(fmt.Appendf(nil, "%016d", i), bytes.Repeat([]byte{'x'}, 1<<20)...)}
			}
			require.NoError(t, bus.Publish(ctx, "big", many...))
			require.NoError(t, bus.Publish(ctx, "big", large...))
			for g, r := range groups {
				require.Eventually(t, func() bool { return r.count() >= len(many)+len(large) }, time.Minute, 50*time.Millisecond, "group %s", g)
				r.mu.Lock()
				assert.Len(t, r.seen, len(many)+len(large), "group %s: every message once", g)
				for key, got := range r.order {
					assert.IsIncreasing(t, got, "group %s, key %s: publish order", g, key)
				}
				r.mu.Unlock()
			}
		})
	}
}

// TestOrderedNextOfKeyWithoutPolling: with per-key ordering the next message of a key becomes
// claimable when the previous one's acknowledgement is written, and the adapter wakes its
// receivers then rather than leaving them to the poll interval (an hour here).
func TestOrderedNextOfKeyWithoutPolling(t *testing.T) {
	for _, s := range databases() {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			cfg := sql.NewConfig()
			cfg.PollInterval = provider.Duration(time.Hour)
			bus := openWith(t, s.fresh(t), cfg, nil)
			r := newReceived()
			sub, err := bus.Subscribe(ctx, "chain", "g", r.handler, messaging.Ordered())
			require.NoError(t, err)
			t.Cleanup(func() { _ = sub.Close(ctx) })
			msgs := make([]messaging.Message, 5)
			for i := range msgs {
				msgs[i] = messaging.Message{Key: "device-1", Payload: fmt.Appendf(nil, "%016d", i)}
			}
			require.NoError(t, bus.Publish(ctx, "chain", msgs...))
			require.Eventually(t, func() bool { return r.count() == len(msgs) }, 30*time.Second, 20*time.Millisecond,
				"the messages after the first wait for the poll interval")
		})
	}
}

// TestCloseWritesQueuedAcknowledgements: acknowledgements are written in the background, and
// closing the bus writes those still queued, so that nothing handled is delivered again.
func TestCloseWritesQueuedAcknowledgements(t *testing.T) {
	for _, s := range databases() {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			db := s.fresh(t)
			bus := open(t, db)
			r := newReceived()
			_, err := bus.Subscribe(ctx, "close", "g", r.handler, messaging.Concurrency(16))
			require.NoError(t, err)
			msgs := make([]messaging.Message, 500)
			for i := range msgs {
				msgs[i] = messaging.Message{Payload: []byte("m")}
			}
			require.NoError(t, bus.Publish(ctx, "close", msgs...))
			require.Eventually(t, func() bool { return r.count() == len(msgs) }, time.Minute, 10*time.Millisecond)
			require.NoError(t, bus.Close())
			var left int
			require.NoError(t, db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM eim_queue").Scan(&left))
			assert.Zero(t, left, "messages handled and acknowledged are still queued after Close")
		})
	}
}

// TestLostAcknowledgementRedelivers: an acknowledgement that cannot be written while the
// database is unreachable is dropped with a warning, and the message is delivered again
// after its visibility timeout — at least once, never lost.
func TestLostAcknowledgementRedelivers(t *testing.T) {
	for _, s := range databases() {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			p := msgtest.Proxy(t, s.addr(t))
			via, direct := s.via(t, p)
			logs := &testlog.Buffer{}
			cfg := sql.NewConfig()
			cfg.VisibilityTimeout = provider.Duration(2 * time.Second)
			cfg.PollInterval = provider.Duration(100 * time.Millisecond)
			bus := openWith(t, via, cfg, logs.Logger())
			var once sync.Once
			r := newReceived()
			sub, err := bus.Subscribe(ctx, "lost", "g", func(ctx context.Context, m messaging.Message) error {
				once.Do(func() { _ = p.Set(faultproxy.Refuse) }) // the database goes away mid-handler
				return r.handler(ctx, m)
			})
			require.NoError(t, err)
			t.Cleanup(func() { _ = sub.Close(ctx) })
			require.NoError(t, open(t, direct).Publish(ctx, "lost", messaging.Message{ID: "m-1", Payload: []byte("once")}))
			require.Eventually(t, func() bool { return strings.Contains(logs.String(), "acknowledgements not written") }, time.Minute, 20*time.Millisecond)
			msgtest.Set(t, p, faultproxy.Forward)
			require.Eventually(t, func() bool { return r.count() >= 2 }, time.Minute, 50*time.Millisecond)
			r.mu.Lock()
			defer r.mu.Unlock()
			assert.Equal(t, []int{1, 2}, r.seen["m-1"], "delivered again after the lost acknowledgement")
		})
	}
}
