package prereq

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// Step is one change bootstrap makes (or, in a dry run, would make). It never holds a secret:
// a generated secret's destination is named in SecretTo.
type Step struct {
	// Provider is identity, secrets or database.
	Provider string `json:"provider"`
	// Action is create, update, grant, write-secret or manual (a step the operator takes).
	Action string `json:"action"`
	// Object names what the step changes, e.g. "policy eim" or "role eim_runtime".
	Object string `json:"object"`
	// Detail says what differs or, for a manual step, exactly what to do.
	Detail string `json:"detail,omitempty"`
	// SecretTo names where a generated secret goes: a Vault KV path or a file with mode 0600.
	SecretTo string `json:"secretTo,omitempty"`

	apply func(context.Context) error
}

// Plan is the outcome of one bootstrap run: the steps, in order, and whether they were applied.
type Plan struct {
	Target  string `json:"target"`
	DryRun  bool   `json:"dryRun"`
	Applied bool   `json:"applied"`
	Steps   []Step `json:"steps"`
}

// Empty reports whether the plan changes nothing (manual steps count as changes).
func (p *Plan) Empty() bool { return len(p.Steps) == 0 }

// WriteJSON writes the plan as indented JSON.
func (p *Plan) WriteJSON(w io.Writer) error {
	if p.Steps == nil {
		p.Steps = []Step{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

// WriteText writes the plan as one line per step.
func (p *Plan) WriteText(w io.Writer) {
	verb := "applied"
	switch {
	case p.DryRun:
		verb = "planned (dry run)"
	case !p.Applied:
		verb = "planned, stopped at the failure below"
	}
	if p.Empty() {
		fmt.Fprintf(w, "bootstrap %s: nothing to do\n", p.Target)
		return
	}
	fmt.Fprintf(w, "bootstrap %s: %d step(s) %s\n", p.Target, len(p.Steps), verb)
	for _, s := range p.Steps {
		line := fmt.Sprintf("  %-9s %-12s %s", s.Provider, s.Action, s.Object)
		if s.Detail != "" {
			line += ": " + s.Detail
		}
		if s.SecretTo != "" {
			line += " (secret written to " + s.SecretTo + ")"
		}
		fmt.Fprintln(w, line)
	}
}

// planner collects the steps of one provider: what differs, with how to change it.
type planner struct {
	provider string
	steps    []Step
}

func (p *planner) add(action, object, detail string, apply func(context.Context) error) *Step {
	p.steps = append(p.steps, Step{Provider: p.provider, Action: action, Object: object, Detail: detail, apply: apply})
	return &p.steps[len(p.steps)-1]
}

// apply runs the steps in order, stopping at the first failure (naming the step).
func apply(ctx context.Context, steps []Step) error {
	for _, s := range steps {
		if s.apply == nil {
			continue
		}
		if err := s.apply(ctx); err != nil {
			return fmt.Errorf("%s %s %s: %w", s.Provider, s.Action, s.Object, err)
		}
	}
	return nil
}
