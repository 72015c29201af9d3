package messagingtest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/provider"
)

// messagingCases are the cases every adapter runs, with no hook.
func messagingCases() []Case[MessagingHarness] {
	return []Case[MessagingHarness]{
		{Name: "Health", Run: msgCaseHealth},
		{Name: "PublishReceive", Run: msgCasePublishReceive},
		{Name: "HeadersAndBinaryPayload", Run: msgCaseHeadersBinary},
		{Name: "LargePayload", Run: msgCaseLargePayload},
		{Name: "InvalidInput", Run: msgCaseInvalid},
		{Name: "TwoGroupsEachGetAll", Run: msgCaseTwoGroups},
		{Name: "CompetingConsumersExactlyOnce", Run: msgCaseCompeting},
		{Name: "NackRedelivered", Run: msgCaseNack},
		{Name: "PanicRedelivered", Run: msgCasePanic},
		{Name: "PoisonDeadLettered", Run: msgCasePoison},
		{Name: "CapabilitiesBothWays", Run: msgCaseCapabilities},
		{Name: "OrderedKeys", Run: msgCaseOrdered},
		{Name: "GracefulDrain", Run: msgCaseDrain},
		{Name: "TraceContext", Run: msgCaseTraceContext},
		{Name: "Metrics", Run: msgCaseMetrics},
	}
}

func msgCaseHealth(t T, h MessagingHarness) {
	require.NoError(t, h.Open(t).CheckHealth(t.Context()))
}

func msgCasePublishReceive(t T, h MessagingHarness) {
	bus := h.Open(t)
	topic, group := name(h, "orders.created"), name(h, "g")
	rec := newRecorder(nil)
	subscribe(t, bus, topic, group, rec.handle)
	msgs := numbered("pr", 5)
	msgs = append(msgs, messaging.Message{Payload: []byte("no id given")})
	publish(t, bus, topic, msgs...)
	rec.waitUnique(t, len(msgs), msgWait)
	byPayload := map[string]messaging.Message{}
	for _, m := range rec.calls() {
		byPayload[string(m.Payload)] = m
	}
	for _, want := range msgs[:5] {
		got, ok := byPayload[string(want.Payload)]
		if assert.True(t, ok, "message %s received", want.Payload) {
			assert.Equal(t, want.ID, got.ID)
			assert.Equal(t, want.Key, got.Key)
			assert.Equal(t, topic, got.Topic)
			assert.Equal(t, 1, got.Attempt)
		}
	}
	assert.NotEmpty(t, byPayload["no id given"].ID, "Publish gives a message without an ID one")
}

func msgCaseHeadersBinary(t T, h MessagingHarness) {
	bus := h.Open(t)
	topic, group := name(h, "bin"), name(h, "g")
	rec := newRecorder(nil)
	subscribe(t, bus, topic, group, rec.handle)
	all := make([]byte, 512)
	for i := range all {
		all[i] = byte(i)
	}
	headers := map[string]string{"content-type": "application/octet-stream", "X-Mixed-Case": "Value With Spaces",
		"unicode": "héllo ✓ 世界", "empty": "", "trace.id": "00-abc-01"}
	msgs := []messaging.Message{
		{ID: messaging.NewID(), Key: "bin", Payload: all, Headers: headers},
		{ID: messaging.NewID(), Key: "empty", Payload: nil},
		{ID: messaging.NewID(), Payload: []byte{0, 0, 0}},
	}
	publish(t, bus, topic, msgs...)
	rec.waitUnique(t, len(msgs), msgWait)
	got := map[string]messaging.Message{}
	for _, m := range rec.calls() {
		got[m.ID] = m
	}
	assert.Equal(t, all, got[msgs[0].ID].Payload, "every byte value survives")
	assert.Equal(t, headers, got[msgs[0].ID].Headers, "headers survive exactly, case and empty values included")
	assert.Empty(t, got[msgs[1].ID].Payload, "an empty payload stays empty")
	assert.Equal(t, []byte{0, 0, 0}, got[msgs[2].ID].Payload)
}

func msgCaseLargePayload(t T, h MessagingHarness) {
	bus := h.Open(t)
	max := bus.MaxPayload()
	require.Positive(t, max, "the adapter declares its maximum payload")
	size := min(1<<20, max)
	t.Logf("payload size %d bytes (declared maximum %d)", size, max)
	topic, group := name(h, "large"), name(h, "g")
	rec := newRecorder(nil)
	subscribe(t, bus, topic, group, rec.handle)
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = byte(i*7 + i>>8)
	}
	publish(t, bus, topic, messaging.Message{ID: messaging.NewID(), Payload: payload})
	rec.waitUnique(t, 1, msgWait)
	got := rec.calls()[0].Payload
	assert.Equal(t, sha256.Sum256(payload), sha256.Sum256(got), "the payload arrives intact (%d bytes received)", len(got))
	err := bus.Publish(t.Context(), topic, messaging.Message{Payload: make([]byte, max+1)})
	assert.Equal(t, provider.InvalidArgument, provider.CodeOf(err), "a payload above the declared maximum is refused: %v", err)
}

func msgCaseInvalid(t T, h MessagingHarness) {
	bus := h.Open(t)
	ok := func(messaging.Message) error { return nil }
	tests := []struct {
		name string
		err  error
	}{
		{"wildcard topic", bus.Publish(t.Context(), "orders.*", messaging.Message{})},
		{"empty topic", bus.Publish(t.Context(), "", messaging.Message{})},
		{"bad group", subscribeErr(t, bus, name(h, "t"), "a.b", ok)},
		{"nil handler", subscribeErr(t, bus, name(h, "t"), name(h, "g"), nil)},
		{"bad header", bus.Publish(t.Context(), name(h, "t"), messaging.Message{Headers: map[string]string{"a:b": "x"}})},
	}
	for _, tt := range tests {
		assert.Equal(t, provider.InvalidArgument, provider.CodeOf(tt.err), "%s: %v", tt.name, tt.err)
		var pe *provider.Error
		if assert.ErrorAs(t, tt.err, &pe, tt.name) {
			assert.Equal(t, messaging.Kind, pe.Kind)
		}
	}
}

func subscribeErr(t T, bus *messaging.Bus, topic, group string, f func(messaging.Message) error) error {
	var h messaging.Handler
	if f != nil {
		h = newRecorder(f).handle
	}
	s, err := bus.Subscribe(t.Context(), topic, group, h)
	if s != nil {
		_ = s.Close(t.Context())
	}
	return err
}

func msgCaseTwoGroups(t T, h MessagingHarness) {
	bus := h.Open(t)
	topic := name(h, "fanout")
	a, b := newRecorder(nil), newRecorder(nil)
	subscribe(t, bus, topic, name(h, "ga"), a.handle)
	subscribe(t, bus, topic, name(h, "gb"), b.handle)
	msgs := numbered("fan", 30)
	publish(t, bus, topic, msgs...)
	a.waitUnique(t, len(msgs), msgWait)
	b.waitUnique(t, len(msgs), msgWait)
}

func msgCaseCompeting(t T, h MessagingHarness) {
	bus := h.Open(t)
	topic, group := name(h, "work"), name(h, "workers")
	slow := func(messaging.Message) error { time.Sleep(2 * time.Millisecond); return nil }
	a, b := newRecorder(slow), newRecorder(slow)
	subscribe(t, bus, topic, group, a.handle, messaging.Concurrency(2))
	subscribe(t, bus, topic, group, b.handle, messaging.Concurrency(2))
	msgs := numbered("work", 200)
	for i := 0; i < len(msgs); i += 20 {
		publish(t, bus, topic, msgs[i:i+20]...)
	}
	require.NoError(t, msgEventually(t.Context(), msgWait, func() error {
		if n := a.unique() + b.unique(); n < len(msgs) {
			return fmt.Errorf("%d of %d received", n, len(msgs))
		}
		return nil
	}))
	time.Sleep(500 * time.Millisecond) // let a stray duplicate show
	seen := map[string]int{}
	for _, r := range []*recorder{a, b} {
		for _, m := range r.calls() {
			seen[m.ID]++
		}
	}
	assert.Len(t, seen, len(msgs))
	for id, n := range seen {
		assert.Equal(t, 1, n, "message %s handled once in the happy path", id)
	}
	assert.NotEmpty(t, a.calls(), "the first consumer got a share")
	assert.NotEmpty(t, b.calls(), "the second consumer got a share")
	t.Logf("split: %d / %d", len(a.calls()), len(b.calls()))
}

func msgCaseNack(t T, h MessagingHarness) {
	bus := h.Open(t)
	topic, group := name(h, "nack"), name(h, "g")
	rec := newRecorder(func(m messaging.Message) error {
		if m.Attempt == 1 {
			return errors.New("transient failure")
		}
		return nil
	})
	subscribe(t, bus, topic, group, rec.handle, fast())
	msg := messaging.Message{ID: messaging.NewID(), Payload: []byte("again")}
	publish(t, bus, topic, msg)
	rec.waitUnique(t, 1, msgWait)
	calls := rec.calls()
	require.Len(t, calls, 2, "delivered, nacked, redelivered")
	for i, c := range calls {
		assert.Equal(t, msg.ID, c.ID)
		assert.Equal(t, i+1, c.Attempt, "attempt number of delivery %d", i+1)
		assert.Equal(t, msg.Payload, c.Payload)
	}
}

func msgCasePanic(t T, h MessagingHarness) {
	bus := h.Open(t)
	topic, group := name(h, "panic"), name(h, "g")
	var panicked atomic.Bool
	rec := newRecorder(nil)
	subscribe(t, bus, topic, group, func(ctx context.Context, m messaging.Message) error {
		if panicked.CompareAndSwap(false, true) {
			panic("handler bug")
		}
		return rec.handle(ctx, m)
	}, fast())
	publish(t, bus, topic, messaging.Message{ID: messaging.NewID()})
	rec.waitUnique(t, 1, msgWait)
	assert.Equal(t, 2, rec.calls()[0].Attempt, "a panicking handler nacks: the message comes again")
}

func msgCasePoison(t T, h MessagingHarness) {
	bus := h.Open(t)
	topic, group := name(h, "poison"), name(h, "g")
	rec := newRecorder(func(m messaging.Message) error { return fmt.Errorf("cannot parse %s", m.Payload) })
	subscribe(t, bus, topic, group, rec.handle, fast(), messaging.MaxDeliveries(3))
	dead := newRecorder(nil)
	subscribe(t, bus, messaging.DeadLetterTopic(topic), group, dead.handle)
	msg := messaging.Message{ID: messaging.NewID(), Key: "p", Payload: []byte("garbage"), Headers: map[string]string{"origin": "case"}}
	publish(t, bus, topic, msg)
	dead.waitUnique(t, 1, msgWait)
	d := dead.calls()[0]
	assert.Equal(t, msg.ID, d.ID)
	assert.Equal(t, msg.Payload, d.Payload)
	assert.Equal(t, "case", d.Headers["origin"])
	assert.Equal(t, "cannot parse garbage", d.Headers[messaging.HeaderError], "the last error travels with it")
	assert.Equal(t, "3", d.Headers[messaging.HeaderAttempts])
	assert.Equal(t, topic, d.Headers[messaging.HeaderTopic])
	assert.Equal(t, group, d.Headers[messaging.HeaderGroup])
	var attempts []int
	for _, c := range rec.calls() {
		attempts = append(attempts, c.Attempt)
	}
	assert.Equal(t, []int{1, 2, 3}, attempts, "exactly maxDeliveries attempts before dead-lettering")
}

func msgCaseCapabilities(t T, h MessagingHarness) {
	bus := h.Open(t)
	known := provider.Capabilities{messaging.CapOrderedKeys}
	for _, c := range bus.Capabilities() {
		assert.True(t, known.Has(c), "declared capability %s is one the suite knows", c)
	}
	s, err := bus.Subscribe(t.Context(), name(h, "caps"), name(h, "g"), newRecorder(nil).handle, messaging.Ordered())
	if bus.Capabilities().Has(messaging.CapOrderedKeys) {
		require.NoError(t, err, "a declared capability works")
		require.NoError(t, s.Close(t.Context()))
		return
	}
	assert.Equal(t, provider.Unimplemented, provider.CodeOf(err), "an undeclared capability reports Unimplemented: %v", err)
}
