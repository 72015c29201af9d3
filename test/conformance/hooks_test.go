package conformance

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestWithHooks(t *testing.T) {
	noop := func(T, int) {}
	hooks := []HookCases[int]{
		{Hook: "Restart", Set: true, Cases: []Case[int]{{"RestartCase", noop}}},
		{Hook: "Killable", Set: false, Cases: []Case[int]{{"KillCase", noop}}},
		{Hook: "Outbox", Set: false, Cases: []Case[int]{{"OutboxCase", noop}}},
	}
	cases := WithHooks([]Case[int]{{"Base", noop}}, hooks, map[string]string{"Outbox": "the broker is the database"}, "TestHarness")
	var names []string
	for _, c := range cases {
		names = append(names, c.Name)
	}
	assert.Equal(t, []string{"Base", "RestartCase", "HookKillable"}, names,
		"a provided hook adds its cases; an absent one with a reason drops them; an unexplained one fails")
	res := Suite[int]{Kind: "demo", Cases: cases[2:]}.Execute(context.Background(), "a", 0, Options{})
	assert.Equal(t, Failed, res[0].Outcome)
	assert.Contains(t, res[0].Output[0], `the harness provides no Killable hook and does not say why (set TestHarness.Absent["Killable"])`)
}
