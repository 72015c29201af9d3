package secrets

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/eim-byoi/eim/providers/provider"
)

// Watch follows one key of one secret. Value returns the latest value without a backend round
// trip; Changes delivers each new value. A watched secret is re-read every refresh interval
// (and at once after a Put or Delete through the same Store); a leased secret is renewed at
// two thirds of its lease and read anew when the lease cannot be renewed, and the new value
// (new credentials) is delivered. Stop ends the watch.
type Watch struct {
	name, key string
	t         *tracker
	e         *entry
	ch        chan provider.SecretValue

	mu      sync.Mutex
	val     []byte
	sec     *Secret // the revision val came from
	version string
	err     error
	stopped bool
}

// Watch starts a watch on key of secret name. It reads the secret first (unless it is already
// tracked) and fails as Get does, or with NotFound when the secret has no such key.
func (s *Store) Watch(ctx context.Context, name, key string) (*Watch, error) {
	op := fmt.Sprintf("watch %q", name+"#"+key)
	if err := ValidateName(name); err != nil {
		return nil, s.wrap(op, provider.WithCode(provider.InvalidArgument, err))
	}
	e, sec, err := s.t.acquire(ctx, name, true)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	v, err := sec.Value(key)
	if err != nil {
		s.t.release(e)
		return nil, s.wrap(op, err)
	}
	w := &Watch{name: name, key: key, t: s.t, e: e, ch: make(chan provider.SecretValue, 1), val: v, sec: sec, version: sec.Version}
	e.addWatch(w)
	return w, nil
}

// Value returns the latest value of the watched key.
func (w *Watch) Value() provider.SecretValue {
	w.mu.Lock()
	defer w.mu.Unlock()
	return provider.NewSecretValue(w.val)
}

// Secret returns the revision of the secret the latest value came from, with every key: the
// other keys of one revision (a username issued with a password) are read consistently
// from it.
func (w *Watch) Secret() *Secret {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sec.clone()
}

// Version returns the version of the secret the latest value came from.
func (w *Watch) Version() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.version
}

// Changes delivers each new value of the key; when the consumer falls behind, only the latest
// is kept. It is closed by Stop and by closing the provider.
func (w *Watch) Changes() <-chan provider.SecretValue { return w.ch }

// Err returns the error of the latest refresh (the backend was unreachable, the secret or the
// key is gone), or nil. Value keeps the last good value meanwhile.
func (w *Watch) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Stop ends the watch and closes Changes. It is idempotent.
func (w *Watch) Stop() {
	if w.shut() && w.e != nil {
		w.e.removeWatch(w)
		w.t.release(w.e)
	}
}

// shut marks the watch stopped and closes its channel; it reports whether it did so.
func (w *Watch) shut() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return false
	}
	w.stopped = true
	close(w.ch)
	return true
}

// deliver updates the watch from a new revision and sends the value when it changed.
func (w *Watch) deliver(sec *Secret) {
	v, err := sec.Value(w.key)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	if err != nil {
		w.err = w.t.s.wrap(fmt.Sprintf("watch %q", w.name+"#"+w.key), err)
		return
	}
	w.err = nil
	w.version, w.sec = sec.Version, sec
	if bytes.Equal(v, w.val) {
		return
	}
	w.val = v
	select {
	case <-w.ch:
	default:
	}
	w.ch <- provider.NewSecretValue(v)
}

func (w *Watch) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		w.err = err
	}
}
