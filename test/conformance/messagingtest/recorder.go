package messagingtest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/messaging"
)

// recorder collects the messages a handler was given.
type recorder struct {
	mu    sync.Mutex
	all   []messaging.Message // every call, in order
	count map[string]int      // calls per message ID
	acked map[string]int      // calls that returned nil, per ID
	fail  func(m messaging.Message) error
}

func newRecorder(fail func(messaging.Message) error) *recorder {
	return &recorder{count: map[string]int{}, acked: map[string]int{}, fail: fail}
}

// handle is the handler: it records m and returns what fail says (nil when fail is nil).
func (r *recorder) handle(_ context.Context, m messaging.Message) error {
	var err error
	if r.fail != nil {
		err = r.fail(m)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = append(r.all, m)
	r.count[m.ID]++
	if err == nil {
		r.acked[m.ID]++
	}
	return err
}

// unique returns how many distinct messages were handled successfully.
func (r *recorder) unique() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.acked)
}

// calls returns a copy of every call.
func (r *recorder) calls() []messaging.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]messaging.Message(nil), r.all...)
}

// duplicates counts successful handlings beyond the first, over all messages.
func (r *recorder) duplicates() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.acked {
		n += c - 1
	}
	return n
}

// waitUnique waits until n distinct messages were handled successfully, failing the case
// after timeout.
func (r *recorder) waitUnique(t T, n int, timeout time.Duration) {
	t.Helper()
	require.NoError(t, msgEventually(t.Context(), timeout, func() error {
		if got := r.unique(); got < n {
			return fmt.Errorf("%d of %d messages received", got, n)
		}
		return nil
	}))
}

// waitCalls waits until the handler was called n times.
func (r *recorder) waitCalls(t T, n int, timeout time.Duration) {
	t.Helper()
	require.NoError(t, msgEventually(t.Context(), timeout, func() error {
		if got := len(r.calls()); got < n {
			return fmt.Errorf("handler called %d of %d times", got, n)
		}
		return nil
	}))
}

// msgEventually calls f every 20ms until it returns nil, and returns its last error when timeout
// passes or ctx ends.
func msgEventually(ctx context.Context, timeout time.Duration, f func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %s: %w", timeout, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (%v)", err, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// subscribe subscribes and closes the subscription when the case ends.
func subscribe(t T, bus *messaging.Bus, topic, group string, h messaging.Handler, opts ...messaging.SubscribeOption) *messaging.Subscription {
	t.Helper()
	s, err := bus.Subscribe(t.Context(), topic, group, h, opts...)
	require.NoError(t, err, "subscribe %s as %s", topic, group)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Close(ctx)
	})
	return s
}

// publish publishes msgs and fails the case on error.
func publish(t T, bus *messaging.Bus, topic string, msgs ...messaging.Message) {
	t.Helper()
	require.NoError(t, bus.Publish(t.Context(), topic, msgs...), "publish to %s", topic)
}

// numbered returns n messages with new IDs and payloads "<word>-<i>".
func numbered(word string, n int) []messaging.Message {
	out := make([]messaging.Message, n)
	for i := range out {
		out[i] = messaging.Message{ID: messaging.NewID(), Key: fmt.Sprintf("k%d", i%7), Payload: fmt.Appendf(nil, "%s-%d", word, i)}
	}
	return out
}

// fast is the retry backoff the cases use, so that redeliveries come within the case.
func fast() messaging.SubscribeOption {
	return messaging.Retry(50*time.Millisecond, 500*time.Millisecond)
}
