// Package messagingtest is the messaging conformance suite: MessagingSuite and RunMessaging
// over a MessagingHarness (an adapter's tests provide it), and ExecuteTarget, which runs the
// cases that need no hook against the bus an eim.yaml configures (`eim conformance`).
package messagingtest

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/test/conformance"
)

// MessagingHarness is what the messaging cases run against. Open is required; each hook left
// nil takes the cases that need it out of the adapter's run, and Absent must then say why.
type MessagingHarness struct {
	// Open returns the adapter under test on a namespace of the case's own (stream, vhost, key
	// prefix or database), configured with an acknowledgement deadline (ack wait, visibility
	// or claim timeout) of at most a few seconds. The harness closes it when the case ends.
	Open func(t T) *messaging.Bus
	// Prefix starts every topic and group the cases create.
	Prefix string
	// Hooks are the adapter-specific operations some cases need.
	Hooks MessagingHooks
	// Absent gives, for each hook left nil, the reason it cannot be provided.
	Absent map[string]string
}

// MessagingHooks are adapter-specific operations, run with control of the backend or of the
// network between the adapter and it.
type MessagingHooks struct {
	// Killable opens two buses on one namespace; kill makes victim's process die as far as
	// the backend is concerned (its connection is cut and stays cut). An in-process adapter,
	// which has no connection to cut, may return the same bus twice and a kill that does
	// nothing: a handler that never returns then stands for the crash.
	Killable func(t T) (victim, survivor *messaging.Bus, kill func())
	// Interrupted opens the adapter through a fault the case controls: cut drops every
	// connection and refuses new ones, as a broker restart does; restore ends it.
	Interrupted func(t T) (bus *messaging.Bus, cut, restore func())
	// DownAtStartup opens the adapter while its backend is unreachable; up makes it reachable.
	DownAtStartup func(t T) (bus *messaging.Bus, up func())
	// Outbox opens a database (fresh, migrated with messaging.Schema()) and the adapter
	// through a fault the case controls, as Interrupted: the outbox relays from db to bus.
	Outbox func(t T) (db *storage.DB, bus *messaging.Bus, cut, restore func())
}

// The hook names, as used in MessagingHarness.Absent.
const (
	HookKillable      = "Killable"
	HookInterrupted   = "Interrupted"
	HookDownAtStartup = "DownAtStartup"
	HookOutbox        = "Outbox"
	hookInterrupted   = HookInterrupted
)

// MessagingSuite returns the messaging conformance suite for h: every case whose hooks h
// provides, and a failing case for each missing hook that Absent does not explain.
func MessagingSuite(h MessagingHarness) conformance.Suite[MessagingHarness] {
	cases := messagingCases()
	cases = conformance.WithHooks(cases, []conformance.HookCases[MessagingHarness]{
		{Hook: HookKillable, Set: h.Hooks.Killable != nil, Cases: []Case[MessagingHarness]{{Name: "CrashedConsumerRedelivered", Run: msgCaseCrash}}},
		{Hook: hookInterrupted, Set: h.Hooks.Interrupted != nil, Cases: []Case[MessagingHarness]{{Name: "BrokerRestartZeroLoss", Run: msgCaseRestart}}},
		{Hook: HookDownAtStartup, Set: h.Hooks.DownAtStartup != nil, Cases: []Case[MessagingHarness]{{Name: "DownAtStartup", Run: msgCaseDownAtStartup}}},
		{Hook: HookOutbox, Set: h.Hooks.Outbox != nil, Cases: []Case[MessagingHarness]{{Name: "OutboxBrokerDown", Run: msgCaseOutbox}}},
	}, h.Absent, "MessagingHarness")
	return conformance.Suite[MessagingHarness]{Kind: messaging.Kind, Cases: cases}
}

// RunMessaging runs the messaging suite for h under go test.
func RunMessaging(t *testing.T, h MessagingHarness) {
	t.Helper()
	MessagingSuite(h).Run(t, h)
}

// msgWait bounds how long a case waits for deliveries that must arrive.
const msgWait = 30 * time.Second

// name returns a topic or group name unique to the case: the prefix, a word and random hex.
func name(h MessagingHarness, word string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(h.Prefix) + word + "-" + hex.EncodeToString(b[:])
}
