package messagingtest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/messaging"
)

// msgCaseOrdered checks per-key ordering across two competing subscriptions, with a failure
// in the middle of one key's sequence: the key's later messages wait for its retry.
func msgCaseOrdered(t T, h MessagingHarness) {
	bus := h.Open(t)
	if !bus.Capabilities().Has(messaging.CapOrderedKeys) {
		t.Logf("the adapter does not declare %s; CapabilitiesBothWays checked that Ordered() is refused", messaging.CapOrderedKeys)
		return
	}
	topic, group := name(h, "ordered"), name(h, "g")
	const keys, perKey = 5, 20
	var (
		mu       sync.Mutex
		handled  = map[string][]int{}
		inFlight = map[string]bool{}
		overlap  []string
		failed   atomic.Bool
	)
	handler := func(_ context.Context, m messaging.Message) error {
		seq, _ := strconv.Atoi(m.Headers["seq"])
		mu.Lock()
		if inFlight[m.Key] {
			overlap = append(overlap, fmt.Sprintf("%s#%d", m.Key, seq))
		}
		inFlight[m.Key] = true
		mu.Unlock()
		time.Sleep(time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		inFlight[m.Key] = false
		if m.Key == "key-0" && seq == 3 && failed.CompareAndSwap(false, true) {
			return errors.New("fail once in the middle of the sequence")
		}
		handled[m.Key] = append(handled[m.Key], seq)
		return nil
	}
	subscribe(t, bus, topic, group, handler, messaging.Ordered(), messaging.Concurrency(4), fast())
	subscribe(t, bus, topic, group, handler, messaging.Ordered(), messaging.Concurrency(4), fast())
	var msgs []messaging.Message
	for i := range perKey {
		for k := range keys {
			msgs = append(msgs, messaging.Message{ID: messaging.NewID(), Key: fmt.Sprintf("key-%d", k),
				Headers: map[string]string{"seq": strconv.Itoa(i)}})
		}
	}
	publish(t, bus, topic, msgs...)
	require.NoError(t, msgEventually(t.Context(), msgWait, func() error {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, s := range handled {
			n += len(s)
		}
		if n < keys*perKey {
			return fmt.Errorf("%d of %d handled", n, keys*perKey)
		}
		return nil
	}))
	mu.Lock()
	defer mu.Unlock()
	want := make([]int, perKey)
	for i := range want {
		want[i] = i
	}
	for k := range keys {
		assert.Equal(t, want, handled[fmt.Sprintf("key-%d", k)], "key-%d handled in publish order", k)
	}
	assert.Empty(t, overlap, "no two messages of one key are handled at once")
	assert.True(t, failed.Load())
}

// msgCaseDrain checks that closing a subscription lets the running handler finish and
// acknowledges its message: the group does not get it again.
func msgCaseDrain(t T, h MessagingHarness) {
	bus := h.Open(t)
	topic, group := name(h, "drain"), name(h, "g")
	started := make(chan struct{})
	var finished atomic.Bool
	s, err := bus.Subscribe(t.Context(), topic, group, func(context.Context, messaging.Message) error {
		close(started)
		time.Sleep(500 * time.Millisecond)
		finished.Store(true)
		return nil
	})
	require.NoError(t, err)
	publish(t, bus, topic, messaging.Message{ID: messaging.NewID()})
	select {
	case <-started:
	case <-time.After(msgWait):
		t.Fatalf("the message was not delivered within %s", msgWait)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.Close(ctx))
	assert.True(t, finished.Load(), "Close returned only after the running handler finished")
	again := newRecorder(nil)
	subscribe(t, bus, topic, group, again.handle)
	second := messaging.Message{ID: messaging.NewID()}
	publish(t, bus, topic, second)
	again.waitUnique(t, 1, msgWait)
	time.Sleep(time.Second)
	for _, m := range again.calls() {
		assert.Equal(t, second.ID, m.ID, "the drained message was acknowledged, not redelivered")
	}
}
