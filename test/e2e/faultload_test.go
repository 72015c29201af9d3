package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/services/edgesim"
)

// writer is a northbound client creating regions in one project at a steady pace, each with a
// name of its own, counting the writes acknowledged (200 with a resource id) and the failed
// ones, before and after the fault's recovery (the phase at the time the request was sent).
type writer struct {
	base, project, token string
	// prefix starts every name the writer gives (one per scenario).
	prefix string
	every  time.Duration
	client *http.Client

	mu         sync.Mutex
	seq        int
	acked      map[string]string // resource id by name
	ackedAfter int
	attempts   int
	failed     [2]int    // by phase: 0 during the fault, 1 after the recovery
	lastErr    [2]string // the last failed write's error, by phase
	phase      atomic.Int32
	stop       chan struct{}
	done       chan struct{}
}

func newWriter(base, project, token, prefix string, every time.Duration) *writer {
	return &writer{base: base, project: project, token: token, prefix: prefix, every: every, acked: map[string]string{},
		client: &http.Client{Timeout: 15 * time.Second}}
}

// run writes until halt is called.
func (w *writer) run() {
	w.stop, w.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(w.done)
		tick := time.NewTicker(w.every)
		defer tick.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-tick.C:
				w.write()
			}
		}
	}()
}

// halt stops the writes and waits for the one in flight.
func (w *writer) halt() {
	close(w.stop)
	<-w.done
}

// counts returns the acknowledged writes, the attempts and the failures by phase so far.
func (w *writer) counts() (acked, attempts int, failed [2]int, lastErr [2]string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.acked), w.attempts, w.failed, w.lastErr
}

func (w *writer) write() {
	phase := w.phase.Load()
	w.mu.Lock()
	w.seq++
	name := fmt.Sprintf("%s-%06d", w.prefix, w.seq)
	w.attempts++
	w.mu.Unlock()
	id, err := w.create(name)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		w.failed[phase]++
		w.lastErr[phase] = err.Error()
		return
	}
	w.acked[name] = id
	if phase == 1 {
		w.ackedAfter++
	}
}

func (w *writer) create(name string) (string, error) {
	body, _ := json.Marshal(map[string]any{"name": name})
	req, err := http.NewRequest(http.MethodPost, w.base+"/v1/projects/"+url.PathEscape(w.project)+"/regions", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+w.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil || str(out, "resourceId") == "" {
		return "", fmt.Errorf("POST regions %s: %d %.200s", name, resp.StatusCode, b)
	}
	return str(out, "resourceId"), nil
}

// fleetRun is one run of `eim edge-sim`'s simulator over the fleet until stopped.
type fleetRun struct {
	stop chan struct{}
	done chan struct{}
	sum  *edgesim.Summary
	err  error
}

// simulate starts the fleet's agents against the bed's southbound listener.
func simulate(b *faultBed, fleet []edgesim.Node, creds edgesim.Credentials, heartbeat time.Duration) *fleetRun {
	r := &fleetRun{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.sum, r.err = edgesim.Run(context.Background(), edgesim.Config{Address: b.p.Southbound,
			CAFile: filepath.Join(b.dir, "southbound", "ca.pem"), ServerName: "localhost", Fleet: fleet, Credentials: creds,
			Heartbeat: heartbeat, Poll: heartbeat, RampUp: heartbeat, Stop: r.stop})
	}()
	return r
}

// end stops the run and returns its summary.
func (r *fleetRun) end(t *testing.T) *edgesim.Summary {
	close(r.stop)
	<-r.done
	require.NoError(t, r.err)
	return r.sum
}
