// Package conformance holds what the provider conformance suites share: a suite is a list of
// cases over a kind-specific harness, and each kind's suite lives in a package of its own
// (identitytest, secretstest, storagetest, messagingtest). The same cases run in two ways:
// under `go test`, where every adapter's TestConformance calls Suite.Run against its real
// backend, and under `eim conformance`, where Execute runs them against the providers an
// eim.yaml configures and the results are written as a table, JSON and JUnit XML (the
// executor of every kind is listed by package suites).
package conformance

import (
	"context"
	"testing"
)

// T is what a case may use of its test: the part of *testing.T that works outside `go test`
// too. testify's assert and require accept it.
type T interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	FailNow()
	Logf(format string, args ...any)
	Cleanup(func())
	Context() context.Context
	Name() string
	Failed() bool
}

// Case is one conformance case over harness H.
type Case[H any] struct {
	Name string
	Run  func(t T, h H)
}

// Suite is the conformance suite of one provider kind.
type Suite[H any] struct {
	Kind  string
	Cases []Case[H]
}

// Run runs every case as a subtest of t (the `go test` path).
func (s Suite[H]) Run(t *testing.T, h H) {
	t.Helper()
	for _, c := range s.Cases {
		t.Run(c.Name, func(t *testing.T) { c.Run(t, h) })
	}
}

// Execute runs every case outside `go test` and returns one Result per case (the
// `eim conformance` path). adapter names the provider under test in the results.
func (s Suite[H]) Execute(ctx context.Context, adapter string, h H, opts Options) []Result {
	results := make([]Result, 0, len(s.Cases))
	for _, c := range s.Cases {
		r := runCase(ctx, c.Name, opts.caseTimeout(), func(t T) { c.Run(t, h) })
		r.Kind, r.Adapter = s.Kind, adapter
		results = append(results, r)
	}
	return results
}

// HookCases are the cases that need one adapter-specific hook of a harness.
type HookCases[H any] struct {
	Hook  string    // the hook's name, as used in the harness's Absent map
	Set   bool      // whether the harness provides the hook
	Cases []Case[H] // the cases that need it
}

// WithHooks appends to cases those of each hook the harness provides. A hook that is not
// provided takes its cases out of the run, and absent must say why; when it does not, a failing
// case says so, so that no case disappears silently. harness names the harness type in that
// message.
func WithHooks[H any](cases []Case[H], hooks []HookCases[H], absent map[string]string, harness string) []Case[H] {
	for _, hk := range hooks {
		switch {
		case hk.Set:
			cases = append(cases, hk.Cases...)
		case absent[hk.Hook] == "":
			name := hk.Hook
			cases = append(cases, Case[H]{Name: "Hook" + name, Run: func(t T, _ H) {
				t.Errorf("the harness provides no %s hook and does not say why (set %s.Absent[%q])", name, harness, name)
			}})
		}
	}
	return cases
}
