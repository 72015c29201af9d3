package messagingtest

import (
	"context"
	"fmt"
	"strings"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/test/conformance"
)

// ExecuteTarget (a conformance.Executor) runs the messaging suite against the bus opened from
// eim.yaml, on topics and groups under the target's prefix, without hooks: the cases that need
// one are not part of the run (conformance.CustomerAbsent says why). Subscriptions are closed
// when each case ends; the groups and topics the broker keeps for them remain, under the prefix.
func ExecuteTarget(ctx context.Context, t conformance.Target, opts conformance.Options) []conformance.Result {
	bus, ok := t.Provider.(*messaging.Bus)
	if !ok {
		return []conformance.Result{{Kind: t.Kind, Adapter: t.Adapter, Case: "Provider", Outcome: conformance.Failed,
			Output: []string{fmt.Sprintf("the messaging provider is a %T, not a *messaging.Bus", t.Provider)}}}
	}
	h := MessagingHarness{Open: func(T) *messaging.Bus { return bus }, Prefix: topicPrefix(t.Prefix),
		Absent: map[string]string{HookKillable: conformance.CustomerAbsent, hookInterrupted: conformance.CustomerAbsent,
			HookDownAtStartup: conformance.CustomerAbsent, HookOutbox: conformance.CustomerAbsent}}
	return MessagingSuite(h).Execute(ctx, t.Adapter, h, opts)
}

// topicPrefix turns a target prefix into a valid start of topic and group names.
func topicPrefix(p string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(p) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		s = "eimconf"
	}
	return s + "-"
}
