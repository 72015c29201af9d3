package e2e_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// lockWaits samples the bed's PostgreSQL sessions (pg_stat_activity, every 100ms) while the load
// runs after a recovery, keeping the longest wait of a session on a lock and the sessions idle
// in a transaction: what an agent's call waits behind when it misses its deadline.
type lockWaits struct {
	stop    chan struct{}
	done    chan struct{}
	mu      sync.Mutex
	longest time.Duration
	query   string
	idleTx  int // most sessions idle in a transaction at once
}

// sampleLockWaits starts sampling (nil, and nothing sampled, without a PostgreSQL of the bed's).
func sampleLockWaits(b *faultBed) *lockWaits {
	if b.pgAdmin == nil {
		return nil
	}
	w := &lockWaits{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for {
			select {
			case <-w.stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			w.sample(b)
		}
	}()
	return w
}

func (w *lockWaits) sample(b *faultBed) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rows, err := b.pgAdmin.Admin().QueryContext(ctx, `SELECT state, coalesce(wait_event_type, ''),
		extract(epoch FROM now() - state_change), left(query, 120) FROM pg_stat_activity WHERE datname = $1`, b.db.Name)
	if err != nil {
		return
	}
	defer rows.Close()
	idle := 0
	for rows.Next() {
		var state, wait, query string
		var secs float64
		if rows.Scan(&state, &wait, &secs, &query) != nil {
			return
		}
		if state == "idle in transaction" {
			idle++
		}
		d := time.Duration(secs * float64(time.Second))
		w.mu.Lock()
		if wait == "Lock" && d > w.longest {
			w.longest, w.query = d, query
		}
		w.idleTx = max(w.idleTx, idle)
		w.mu.Unlock()
	}
}

// end stops sampling and describes what it saw.
func (w *lockWaits) end() string {
	if w == nil {
		return "no PostgreSQL sampled"
	}
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return fmt.Sprintf("longest lock wait %s (%q), at most %d sessions idle in a transaction", w.longest.Round(time.Millisecond), w.query, w.idleTx)
}

// logWaits logs what sampling saw after the recovery.
func logWaits(t *testing.T, w *lockWaits) { t.Logf("PostgreSQL after the recovery: %s", w.end()) }
