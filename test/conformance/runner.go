package conformance

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// DefaultCaseTimeout bounds one case run by Execute.
const DefaultCaseTimeout = 2 * time.Minute

// Options tunes Execute.
type Options struct {
	// CaseTimeout bounds each case; DefaultCaseTimeout when zero. A case that overruns is
	// reported failed and left behind.
	CaseTimeout time.Duration
}

func (o Options) caseTimeout() time.Duration {
	if o.CaseTimeout > 0 {
		return o.CaseTimeout
	}
	return DefaultCaseTimeout
}

// Outcome is how a case ended.
type Outcome string

// The outcomes. There is no "skipped": a case that cannot run fails and says why.
const (
	Passed Outcome = "passed"
	Failed Outcome = "failed"
)

// Result is the outcome of one case.
type Result struct {
	Kind     string        `json:"kind"`
	Adapter  string        `json:"adapter"`
	Case     string        `json:"case"`
	Outcome  Outcome       `json:"outcome"`
	Duration time.Duration `json:"durationNanos"`
	Output   []string      `json:"output,omitempty"`
}

// caseT implements T for a case run by Execute.
type caseT struct {
	ctx      context.Context
	name     string
	mu       sync.Mutex
	failed   bool
	output   []string
	cleanups []func()
}

func (t *caseT) Helper()                  {}
func (t *caseT) Name() string             { return t.name }
func (t *caseT) Context() context.Context { return t.ctx }

func (t *caseT) Logf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.output = append(t.output, fmt.Sprintf(format, args...))
}

func (t *caseT) Errorf(format string, args ...any) {
	t.Logf(format, args...)
	t.mu.Lock()
	t.failed = true
	t.mu.Unlock()
}

func (t *caseT) Fatalf(format string, args ...any) {
	t.Errorf(format, args...)
	t.FailNow()
}

// FailNow marks the case failed and ends its goroutine, as testing.T does.
func (t *caseT) FailNow() {
	t.mu.Lock()
	t.failed = true
	t.mu.Unlock()
	runtime.Goexit()
}

func (t *caseT) Failed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.failed
}

func (t *caseT) Cleanup(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cleanups = append(t.cleanups, f)
}

func (t *caseT) runCleanups() {
	t.mu.Lock()
	fs := t.cleanups
	t.cleanups = nil
	t.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

// runCase runs body in its own goroutine, so that FailNow can end it, recovering a panic as a
// failure and running the cleanups in reverse order.
func runCase(ctx context.Context, name string, timeout time.Duration, body func(T)) Result {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t := &caseT{ctx: ctx, name: name}
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer t.runCleanups()
		defer func() {
			if p := recover(); p != nil {
				t.Errorf("panic: %v\n%s", p, debug.Stack())
			}
		}()
		body(t)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		t.Errorf("case did not finish within %s: %v", timeout, ctx.Err())
	}
	r := Result{Case: name, Outcome: Passed, Duration: time.Since(start)}
	t.mu.Lock()
	r.Output = append(r.Output, t.output...)
	if t.failed {
		r.Outcome = Failed
	}
	t.mu.Unlock()
	return r
}
