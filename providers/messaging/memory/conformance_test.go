package memory_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/memory"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/test/conformance"
	"github.com/eim-byoi/eim/test/conformance/messagingtest"
	"github.com/eim-byoi/eim/test/conformance/suites"
)

const noBroker = "the memory adapter is the broker, inside the process: there is no connection to cut or broker to stop while the process runs"

func open(t messagingtest.T) *messaging.Bus {
	cfg := memory.NewConfig()
	cfg.VisibilityTimeout = provider.Duration(2 * time.Second)
	bus, err := messaging.Open(context.Background(), "memory", cfg, messaging.Env{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Close() })
	return bus
}

func TestConformance(t *testing.T) {
	messagingtest.RunMessaging(t, messagingtest.MessagingHarness{
		Open:   open,
		Prefix: "mem-",
		Hooks: messagingtest.MessagingHooks{
			Killable: func(t messagingtest.T) (*messaging.Bus, *messaging.Bus, func()) {
				bus := open(t)
				return bus, bus, func() {}
			},
		},
		Absent: map[string]string{
			messagingtest.HookInterrupted:   noBroker,
			messagingtest.HookDownAtStartup: noBroker,
			messagingtest.HookOutbox:        noBroker + "; the outbox is tested with it in package outbox",
		},
	})
}

// TestExecute runs the suite the way `eim conformance` does, on a bus opened from configuration.
func TestExecute(t *testing.T) {
	bus := open(t)
	exec := suites.Executors()[messaging.Kind]
	require.NotNil(t, exec, "the messaging executor is registered")
	results := exec(context.Background(), conformance.Target{Kind: messaging.Kind, Adapter: "memory", Provider: bus, Prefix: "eimconf/Run 1"},
		conformance.Options{CaseTimeout: time.Minute})
	require.NotEmpty(t, results)
	for _, r := range results {
		require.Equal(t, conformance.Passed, r.Outcome, "%s: %v", r.Case, r.Output)
	}
}
