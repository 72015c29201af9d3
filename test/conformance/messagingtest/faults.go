package messagingtest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/outbox"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/test/conformance/storageschema"
)

// msgCaseCrash: a consumer dies in the middle of a handler; the message goes to another
// consumer of the group.
func msgCaseCrash(t T, h MessagingHarness) {
	victim, survivor, kill := h.Hooks.Killable(t)
	topic, group := name(h, "crash"), name(h, "g")
	got := make(chan messaging.Message, 1)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	subscribe(t, victim, topic, group, func(ctx context.Context, m messaging.Message) error {
		select {
		case got <- m:
		default:
		}
		select { // the handler hangs: the process is dead as far as the backend knows
		case <-release:
		case <-ctx.Done():
		}
		return fmt.Errorf("never acknowledged")
	})
	msg := messaging.Message{ID: messaging.NewID(), Payload: []byte("in flight")}
	publish(t, victim, topic, msg)
	select {
	case m := <-got:
		require.Equal(t, msg.ID, m.ID)
	case <-time.After(msgWait):
		t.Fatalf("the victim did not receive the message within %s", msgWait)
	}
	kill()
	rec := newRecorder(nil)
	subscribe(t, survivor, topic, group, rec.handle)
	rec.waitUnique(t, 1, msgWait)
	m := rec.calls()[0]
	assert.Equal(t, msg.ID, m.ID, "the survivor gets the message the victim was handling")
	assert.Equal(t, msg.Payload, m.Payload)
	assert.GreaterOrEqual(t, m.Attempt, 2, "it is a redelivery")
}

// restartTotal is how many messages the restart case publishes.
const restartTotal = 10000

// msgCaseRestart: the broker goes away and comes back while a publisher and a consumer run;
// both recover on the same Bus and no published message is lost.
func msgCaseRestart(t T, h MessagingHarness) {
	bus, cut, restore := h.Hooks.Interrupted(t)
	topic, group := name(h, "restart"), name(h, "g")
	rec := newRecorder(nil)
	subscribe(t, bus, topic, group, rec.handle, fast(), messaging.Concurrency(16))
	var published atomic.Int64
	var publishErrors atomic.Int64
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { publishAll(ctx, bus, topic, &published, &publishErrors) })
	msgWaitFor(t, func() bool { return published.Load() >= restartTotal/5 && rec.unique() > 0 },
		"a fifth of the messages published, and some received, before the cut")
	cut()
	time.Sleep(2 * time.Second)
	restore()
	t.Logf("broker cut and restored after %d published, %d received", published.Load(), rec.unique())
	wg.Wait()
	require.EqualValues(t, restartTotal, published.Load(), "the publisher recovered and published everything")
	rec.waitUnique(t, restartTotal, 2*time.Minute)
	t.Logf("published %d, received %d distinct, %d duplicates, %d publish errors retried during the outage",
		restartTotal, rec.unique(), rec.duplicates(), publishErrors.Load())
	assert.Equal(t, restartTotal, rec.unique(), "zero messages lost")
}

// publishAll publishes restartTotal messages in batches, retrying a batch that fails (as a
// publisher in front of an outage must); published counts the confirmed ones.
func publishAll(ctx context.Context, bus *messaging.Bus, topic string, published, errs *atomic.Int64) {
	const batch = 50
	msgs := numbered("r", restartTotal)
	for i := 0; i < len(msgs) && ctx.Err() == nil; {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := bus.Publish(pctx, topic, msgs[i:i+batch]...)
		cancel()
		if err != nil {
			errs.Add(1)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		i += batch
		published.Add(batch)
	}
}

func msgWaitFor(t T, cond func() bool, what string) {
	t.Helper()
	require.NoError(t, msgEventually(t.Context(), 2*time.Minute, func() error {
		if !cond() {
			return fmt.Errorf("waiting for %s", what)
		}
		return nil
	}))
}

// msgCaseDownAtStartup: the bus opens while its broker is down, reports it, and works once the
// broker is up, without being reopened.
func msgCaseDownAtStartup(t T, h MessagingHarness) {
	bus, up := h.Hooks.DownAtStartup(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	err := bus.CheckHealth(ctx)
	cancel()
	require.Error(t, err, "health reports the broker down")
	assert.True(t, provider.IsRetryable(err), "a retryable code: %v", err)
	topic, group := name(h, "late"), name(h, "g")
	ctx, cancel = context.WithTimeout(t.Context(), 10*time.Second)
	err = bus.Publish(ctx, topic, messaging.Message{})
	cancel()
	assert.True(t, provider.IsRetryable(err), "publishing while down fails with a retryable code: %v", err)
	up()
	require.NoError(t, msgEventually(t.Context(), time.Minute, func() error {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		return bus.CheckHealth(ctx)
	}), "healthy once the broker is up")
	rec := newRecorder(nil)
	var s *messaging.Subscription
	require.NoError(t, msgEventually(t.Context(), time.Minute, func() error {
		var err error
		s, err = bus.Subscribe(t.Context(), topic, group, rec.handle)
		return err
	}))
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	publish(t, bus, topic, messaging.Message{ID: messaging.NewID()})
	rec.waitUnique(t, 1, msgWait)
}

// outboxTotal is how many state changes the outbox case commits while the broker is down.
const outboxTotal = 1000

// msgCaseOutbox: state changes commit with their events while the broker is down; every
// event arrives once it is back.
func msgCaseOutbox(t T, h MessagingHarness) {
	db, bus, cut, restore := h.Hooks.Outbox(t)
	ctx := t.Context()
	require.NoError(t, db.Migrate(ctx, storageschema.Schema()))
	topic, group := name(h, "outbox"), name(h, "g")
	rec := newRecorder(nil)
	subscribe(t, bus, topic, group, rec.handle, messaging.Concurrency(16))
	relay := outbox.NewRelay(db, bus, outbox.RelayOptions{PollInterval: 100 * time.Millisecond, RetryMax: time.Second})
	relay.Start()
	t.Cleanup(func() { _ = relay.Close() })
	cut()
	insert := db.Dialect().Rebind("INSERT INTO counters (name, n) VALUES (?, ?)")
	for i := range outboxTotal {
		err := db.InTx(ctx, func(tx *storage.Tx) error {
			id := fmt.Sprintf("%s-%d", topic, i)
			if _, err := tx.ExecContext(ctx, insert, id, i); err != nil {
				return err
			}
			return outbox.Append(ctx, db, tx, topic, messaging.Message{ID: id, Key: fmt.Sprintf("k%d", i%10), Payload: fmt.Appendf(nil, "%d", i)})
		})
		require.NoError(t, err, "state change %d commits while the broker is down", i)
	}
	time.Sleep(time.Second)
	assert.Zero(t, rec.unique(), "nothing arrives while the broker is down")
	pending, err := relay.Pending(ctx)
	require.NoError(t, err)
	assert.Equal(t, outboxTotal, pending, "every event waits in the outbox")
	restore()
	rec.waitUnique(t, outboxTotal, 2*time.Minute)
	require.NoError(t, msgEventually(ctx, msgWait, func() error {
		n, err := relay.Pending(ctx)
		if err == nil && n > 0 {
			err = fmt.Errorf("%d events still pending", n)
		}
		return err
	}), "the relay marks every event sent")
	t.Logf("%d events delivered after the broker returned, %d duplicates", rec.unique(), rec.duplicates())
}
