// Package secretstest is the secrets conformance suite: Secrets and RunSecrets over a
// SecretsHarness (an adapter's tests provide it), and ExecuteTarget, which runs the cases that
// need no hook against the provider an eim.yaml configures (`eim conformance`).
package secretstest

import (
	"context"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/test/conformance"
)

// SecretsHarness is what the secrets cases run against: the provider under test, a name
// prefix, and optional adapter-specific hooks. A hook left nil takes the cases that need it out
// of the adapter's run; Absent must then say why, or the run gets a failing case instead.
type SecretsHarness struct {
	// Provider is the provider under test.
	Provider *secrets.Provider
	// Prefix starts every secret name the cases create ("eimconf-1a2b/"); cases delete what
	// they create.
	Prefix string
	// Hooks are the adapter-specific operations some cases need.
	Hooks SecretsHooks
	// Absent gives, for each hook left nil, the reason it cannot be provided (by hook name:
	// HookSeed, HookRestricted, ...).
	Absent map[string]string

	planted *planted
}

// SecretsHooks are adapter-specific operations. Each runs outside the provider under test,
// with the backend's administrative access.
type SecretsHooks struct {
	// Seed writes a secret directly in the backend, as another writer would (an operator, the
	// kubelet): a rotation the provider did not make.
	Seed func(ctx context.Context, name string, data map[string][]byte) error
	// Unseed removes a secret directly in the backend.
	Unseed func(ctx context.Context, name string) error
	// Restricted opens a provider whose credentials lack access to the secret denied, which
	// exists. The case closes the provider.
	Restricted func(ctx context.Context, denied string) (*secrets.Provider, error)
	// ShortLived opens a provider authenticated with a renewable token whose TTL is ttl. The
	// case closes it.
	ShortLived func(ctx context.Context, ttl time.Duration) (*secrets.Provider, error)
	// Relogin opens a provider with an auth method that can log in again, and returns a
	// function that revokes the token the provider currently holds, as an operator would.
	Relogin func(ctx context.Context) (p *secrets.Provider, revoke func(context.Context) error, err error)
	// Dynamic returns the name of a leased secret whose lease is short and reaches its maximum
	// within about 15 s, and a check that a revision's credentials work at their backend.
	Dynamic func(ctx context.Context) (name string, check func(ctx context.Context, data map[string][]byte) error, err error)
	// Restart drops every connection to the backend and refuses new ones until restore is
	// called, as a backend restart does; the provider under test must go through it.
	Restart func(ctx context.Context) (restore func() error, err error)
	// Partition makes the backend unreachable without refusing (packets vanish) until restore.
	Partition func(ctx context.Context) (restore func() error, err error)
	// OpenDown opens a provider against a backend that is down; up brings the backend up.
	OpenDown func(ctx context.Context) (p *secrets.Provider, up func() error, err error)
	// Foreign returns ciphertext made by another key of the same kind of keeper.
	Foreign func(ctx context.Context, plaintext []byte) ([]byte, error)
	// Logs returns what the providers of this run have logged so far.
	Logs func() string
}

// The hook names, as used in SecretsHarness.Absent.
const (
	HookSeed       = "Seed"
	HookUnseed     = "Unseed"
	HookRestricted = "Restricted"
	HookShortLived = "ShortLived"
	HookRelogin    = "Relogin"
	HookDynamic    = "Dynamic"
	HookRestart    = "Restart"
	HookPartition  = "Partition"
	HookOpenDown   = "OpenDown"
	HookForeign    = "Foreign"
	HookLogs       = "Logs"
)

func (h SecretsHarness) has(hook string) bool {
	k := h.Hooks
	return map[string]bool{
		HookSeed: k.Seed != nil, HookUnseed: k.Unseed != nil, HookRestricted: k.Restricted != nil,
		HookShortLived: k.ShortLived != nil, HookRelogin: k.Relogin != nil, HookDynamic: k.Dynamic != nil,
		HookRestart: k.Restart != nil, HookPartition: k.Partition != nil, HookOpenDown: k.OpenDown != nil,
		HookForeign: k.Foreign != nil, HookLogs: k.Logs != nil,
	}[hook]
}

// secretsCase is a case with the hooks it needs; long cases run beside the others.
type secretsCase struct {
	Case[SecretsHarness]
	needs []string
	long  bool
}

// Secrets returns the secrets suite for h: every case whose hooks h provides, and for each
// absent hook without a stated reason a case that fails saying so.
func Secrets(h SecretsHarness) conformance.Suite[SecretsHarness] {
	s := conformance.Suite[SecretsHarness]{Kind: secrets.Kind}
	for _, c := range secretsCases() {
		if h.hasAll(c.needs) {
			s.Cases = append(s.Cases, c.Case)
		}
	}
	return conformance.Suite[SecretsHarness]{Kind: s.Kind, Cases: append(s.Cases, h.reasonCases()...)}
}

func (h SecretsHarness) hasAll(needs []string) bool {
	for _, n := range needs {
		if h.lacks(n) != "" {
			return false
		}
	}
	return true
}

// Requirements of cases that are capabilities of the provider rather than hooks.
const (
	needWriter  = "writer"
	needDeleter = "deleter"
	needKeeper  = "keeper"
)

// lacks returns why h cannot meet need, or "" when it can.
func (h SecretsHarness) lacks(need string) string {
	caps := h.Provider.Capabilities()
	switch need {
	case needWriter:
		if !caps.Has(secrets.CapWrite) && h.Hooks.Seed == nil {
			return "the store is read-only (does not declare secrets.Write) and there is no Seed hook: " + h.Absent[HookSeed]
		}
	case needDeleter:
		if !caps.Has(secrets.CapWrite) && h.Hooks.Unseed == nil {
			return "the store is read-only (does not declare secrets.Write) and there is no Unseed hook: " + h.Absent[HookUnseed]
		}
	case needKeeper:
		if !caps.Has(secrets.CapKeeper) {
			return "the provider declares no keeper (secrets.Keeper); the capabilities case checks that it reports Unimplemented"
		}
	default:
		if !h.has(need) {
			return "needs hook " + need + ": " + h.Absent[need]
		}
	}
	return ""
}

// reasonCases fails for every hook that is nil without a reason in Absent.
func (h SecretsHarness) reasonCases() []Case[SecretsHarness] {
	var out []Case[SecretsHarness]
	for _, n := range allHooks() {
		if h.has(n) || strings.TrimSpace(h.Absent[n]) != "" {
			continue
		}
		out = append(out, Case[SecretsHarness]{Name: "hook " + n + " is accounted for", Run: func(t T, _ SecretsHarness) {
			t.Errorf("hook %s is nil and SecretsHarness.Absent gives no reason: provide the hook or state why it cannot be", n)
		}})
	}
	return out
}

func allHooks() []string {
	return []string{HookSeed, HookUnseed, HookRestricted, HookShortLived, HookRelogin, HookDynamic,
		HookRestart, HookPartition, HookOpenDown, HookForeign, HookLogs}
}

// NotRun lists the cases that are not part of h's run, each with the reason (the absent hook
// and why it is absent).
func (h SecretsHarness) NotRun() map[string]string {
	out := map[string]string{}
	for _, c := range secretsCases() {
		for _, n := range c.needs {
			if why := h.lacks(n); why != "" {
				out[c.Name] = why
				break
			}
		}
	}
	return out
}

// RunSecrets runs the secrets suite under go test (DESIGN.md §6: one Run per kind). Long cases
// (renewal over a minute, dynamic credentials) run in parallel with the others; the rest run
// in order. The cases not part of this run are logged with their reasons.
func RunSecrets(t *testing.T, h SecretsHarness) {
	t.Helper()
	h.planted = &planted{}
	notRun := h.NotRun()
	names := make([]string, 0, len(notRun))
	for n := range notRun {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Logf("not part of this adapter's run: %q: %s", n, notRun[n])
	}
	long := map[string]bool{}
	for _, c := range secretsCases() {
		long[c.Name] = c.long
	}
	cases := Secrets(h).Cases
	t.Run("secrets", func(t *testing.T) {
		for _, c := range cases {
			if long[c.Name] {
				t.Run(c.Name, func(t *testing.T) { t.Parallel(); c.Run(t, h) })
			}
		}
		t.Run("in order", func(t *testing.T) {
			t.Parallel()
			for _, c := range cases {
				if !long[c.Name] {
					t.Run(c.Name, func(t *testing.T) { c.Run(t, h) })
				}
			}
		})
	})
}

// ExecuteSecrets runs the secrets suite outside go test (eim conformance).
func ExecuteSecrets(ctx context.Context, h SecretsHarness, opts conformance.Options) []conformance.Result {
	h.planted = &planted{}
	return Secrets(h).Execute(ctx, h.Provider.Adapter(), h, opts)
}

// planted records the values the cases wrote, so that the last case can look for them in
// errors and logs.
type planted struct {
	mu     sync.Mutex
	values []string
	errs   []string
}

func (p *planted) value(v string) string {
	if p != nil {
		p.mu.Lock()
		p.values = append(p.values, v)
		p.mu.Unlock()
	}
	return v
}

func (p *planted) err(err error) error {
	if p != nil && err != nil {
		p.mu.Lock()
		p.errs = append(p.errs, err.Error())
		p.mu.Unlock()
	}
	return err
}

func (p *planted) snapshot() (values, errs []string) {
	if p == nil {
		return nil, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.values...), append([]string(nil), p.errs...)
}
