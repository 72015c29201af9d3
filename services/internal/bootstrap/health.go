package bootstrap

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

const (
	rollbackTimeout = 30 * time.Second
	checkTimeout    = 5 * time.Second
	backoffStart    = 100 * time.Millisecond
	backoffMax      = 2 * time.Second
)

// Check is one entry of a readiness report.
type Check struct {
	Name    string `json:"name"`
	Healthy bool   `json:"healthy"`
	Error   string `json:"error,omitempty"`
	// Detail is what a healthy module reports besides (provider.Detailer).
	Detail string `json:"detail,omitempty"`
}

// Report is the readiness of the process: ready when every provider and module is healthy.
type Report struct {
	Ready  bool    `json:"ready"`
	Reason string  `json:"reason,omitempty"`
	Checks []Check `json:"checks"`
}

type checkable struct {
	name string
	c    provider.Checker
}

func (a *App) checkables() []checkable {
	var cs []checkable
	for _, p := range a.providers {
		cs = append(cs, checkable{name: "provider/" + p.kind + "/" + p.adapter, c: p.p})
	}
	for _, m := range a.modules {
		cs = append(cs, checkable{name: "module/" + m.name, c: m.m})
	}
	return append(cs, a.checks...)
}

// Readiness checks every provider and module concurrently, each bounded by a short timeout.
func (a *App) Readiness(ctx context.Context) Report {
	if a.stopping.Load() {
		return Report{Reason: "shutting down", Checks: []Check{}}
	}
	checks := runChecks(ctx, a.checkables())
	sort.SliceStable(checks, func(i, j int) bool { return checks[i].Name < checks[j].Name })
	r := Report{Ready: true, Checks: checks}
	for _, c := range checks {
		if !c.Healthy {
			r.Ready = false
			r.Reason = "not healthy: " + c.Name
			break
		}
	}
	return r
}

// runChecks returns one Check per checkable, in the same order.
func runChecks(ctx context.Context, cs []checkable) []Check {
	out := make([]Check, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, checkTimeout)
			defer cancel()
			out[i] = Check{Name: c.name, Healthy: true}
			if err := c.c.CheckHealth(cctx); err != nil {
				out[i] = Check{Name: c.name, Error: err.Error()}
			}
			if d, ok := c.c.(provider.Detailer); ok {
				out[i].Detail = d.HealthDetail()
			}
		})
	}
	wg.Wait()
	return out
}

// waitHealthy checks the providers until all are healthy, backing off between rounds, and
// fails with Unavailable naming the unhealthy ones when ctx ends first.
func (a *App) waitHealthy(ctx context.Context) error {
	pending := a.checkables()
	b := provider.Backoff{Min: backoffStart, Max: backoffMax}
	for attempt := 1; ; attempt++ {
		delay := b.Delay(attempt)
		var failed []checkable
		var last []string
		for i, c := range runChecks(ctx, pending) {
			if !c.Healthy {
				failed = append(failed, pending[i])
				last = append(last, c.Name+": "+c.Error)
			}
		}
		if len(failed) == 0 {
			return nil
		}
		a.log.Warn("providers not healthy yet", "attempt", attempt, "retry_in", delay.String(), "unhealthy", strings.Join(last, "; "))
		pending = failed
		if err := provider.Sleep(ctx, delay); err != nil {
			return provider.WithCode(provider.Unavailable, fmt.Errorf("providers not healthy before the startup timeout (%s): %w",
				strings.Join(last, "; "), err))
		}
	}
}
