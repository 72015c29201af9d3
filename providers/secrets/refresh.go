package secrets

import (
	"context"
	"errors"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

var errClosed = provider.Errorf(provider.FailedPrecondition, "the secrets provider is closed")

// loop refreshes e until it is stopped: on the refresh interval for a static secret, at two
// thirds of the lease for a leased one (at once when its last renewal came back capped), and at
// once after a write through this Store.
func (t *tracker) loop(e *entry) {
	defer t.wg.Done()
	failed := false
	for {
		timer := time.NewTimer(t.delay(e, failed))
		select {
		case <-e.stop:
			timer.Stop()
			return
		case <-e.wake:
			timer.Stop()
		case <-timer.C:
		}
		failed = t.refreshOnce(e) != nil
	}
}

// delay is how long to wait before the next refresh of e.
func (t *tracker) delay(e *entry, failed bool) time.Duration {
	if failed {
		return min(t.refresh, retryDelayMax)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sec.Lease.Duration <= 0 {
		return t.refresh
	}
	if e.reread {
		return 0
	}
	due := e.granted.Add(e.sec.Lease.Duration * 2 / 3)
	return max(time.Until(due), 0)
}

// refreshOnce renews e's lease when it can, and otherwise reads the secret anew and tells the
// watches when the value changed.
func (t *tracker) refreshOnce(e *entry) error {
	ctx, cancel := context.WithTimeout(context.Background(), refreshTimeout)
	defer cancel()
	if err := t.renew(ctx, e); err == nil {
		t.renewals.Add(1)
		return nil
	} else if !errors.Is(err, errNoRenew) {
		t.renewFailures.Add(1)
		t.log.Warn("secret lease renewal failed; reading the secret anew", "name", e.name, "error", err)
	}
	sec, err := t.s.d.Get(ctx, e.name)
	if err != nil {
		werr := t.s.wrap("refresh "+quote(e.name), err)
		t.log.Warn("secret refresh failed", "name", e.name, "error", werr)
		e.eachWatch(func(w *Watch) { w.fail(werr) })
		return err
	}
	e.mu.Lock()
	changed := sec.Version != e.sec.Version
	e.sec, e.granted, e.ttl, e.reread = sec, time.Now(), sec.Lease.Duration, false
	e.mu.Unlock()
	if changed {
		t.rotations.Add(1)
	}
	if changed && sec.Lease.Duration > 0 {
		t.log.Info("leased secret read anew", "name", e.name, "leaseSeconds", int(sec.Lease.Duration.Seconds()))
	}
	e.eachWatch(func(w *Watch) { w.deliver(sec) })
	return nil
}

var errNoRenew = errors.New("lease is not renewed")

// renew extends e's lease, or returns errNoRenew when the secret is not leased, the lease is
// not renewable, or the last renewal came back so short that a new secret is needed.
func (t *tracker) renew(ctx context.Context, e *entry) error {
	r, ok := t.s.d.(LeaseRenewer)
	e.mu.Lock()
	lease, ttl, reread := e.sec.Lease, e.ttl, e.reread
	e.mu.Unlock()
	if !ok || lease.ID == "" || !lease.Renewable || reread {
		return errNoRenew
	}
	nl, err := r.RenewLease(ctx, lease, ttl)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sec.Lease, e.granted = nl, time.Now()
	// A lease that reached its maximum comes back shorter than asked: its end is fixed, so the
	// new secret is read at once, and what is left of this lease is the time the old credentials
	// have to drain (connections opened with a dynamic database user finish their work before
	// the backend drops the user at the lease's end).
	e.reread = capped(nl, ttl)
	return nil
}

// capped reports whether a renewal came back so much shorter than asked (ttl) that the lease
// has reached its maximum, or is not renewable any more: the secret is then read anew at once.
// Backends may round a full renewal down a little; a tenth of the lease is that tolerance.
func capped(nl Lease, ttl time.Duration) bool {
	return !nl.Renewable || nl.Duration < ttl-ttl/10
}

func quote(s string) string { return `"` + s + `"` }
