package migrate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Entry is one line of the report: a key, its classification, the key it became and why.
type Entry struct {
	Key   string `json:"key"`
	Class Class  `json:"class,omitempty"`
	To    string `json:"to,omitempty"`
	Why   string `json:"why,omitempty"`
}

// Finding is an insecure legacy setting.
type Finding struct {
	Key     string `json:"key"`
	Message string `json:"message"`
	Fix     string `json:"fix"`
}

// Summary counts the report's entries.
type Summary struct {
	Keys       int           `json:"keys"`
	ByClass    map[Class]int `json:"byClass"`
	Insecure   int           `json:"insecure"`
	References int           `json:"references"`
	NeedsInput int           `json:"needsInput"`
	Workflows  int           `json:"workflows"`
}

// Report describes a migration: the workflows the legacy deployment ran that the target does not
// provide, every legacy key seen and what became of it, the insecure settings found, the
// credentials turned into references, and the new values that need input. It never holds a
// credential's value.
type Report struct {
	Inputs      []string   `json:"inputs"`
	Format      string     `json:"format"`
	PassThrough bool       `json:"passThrough"`
	Workflows   []Workflow `json:"workflows"`
	Keys        []Entry    `json:"keys"`
	Insecure    []Finding  `json:"insecure"`
	Credentials []Entry    `json:"credentials"`
	References  []Entry    `json:"references"`
	NeedsInput  []Entry    `json:"needsInput"`
	Defaults    []Entry    `json:"defaults"`
	Notes       []string   `json:"notes"`
	Summary     Summary    `json:"summary"`
}

// Unknown returns the keys no rule classifies.
func (r *Report) Unknown() []Entry {
	var out []Entry
	for _, e := range r.Keys {
		if e.Class == Unknown {
			out = append(out, e)
		}
	}
	return out
}

func (r *Report) summarize() {
	s := Summary{Keys: len(r.Keys), ByClass: map[Class]int{}, Insecure: len(r.Insecure), References: len(r.References), NeedsInput: len(r.NeedsInput),
		Workflows: len(r.Workflows)}
	for _, c := range Classes() {
		s.ByClass[c] = 0
	}
	for _, e := range r.Keys {
		s.ByClass[e.Class]++
	}
	r.Summary = s
}

// SummaryLine is the one-line summary: counts of keys per class, insecure settings,
// references and placeholders.
func (r *Report) SummaryLine() string {
	s := r.Summary
	parts := make([]string, 0, len(Classes()))
	for _, c := range Classes() {
		parts = append(parts, fmt.Sprintf("%d %s", s.ByClass[c], c))
	}
	line := fmt.Sprintf("%d legacy keys: %s; %d insecure settings flagged; %d credentials as references; %d values need input",
		s.Keys, strings.Join(parts, ", "), s.Insecure, s.References, s.NeedsInput)
	if len(r.Workflows) > 0 {
		line += fmt.Sprintf("; %d workflow(s) the legacy deployment ran that the target does not provide: %s", len(r.Workflows), workflowNames(r.Workflows))
	}
	return line
}

// JSON renders the report as indented JSON.
func (r *Report) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode report: %w", err)
	}
	return append(b, '\n'), nil
}

// Markdown renders the report for people.
func (r *Report) Markdown() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# EIM migration report\n\n**Summary:** %s.\n\n", r.SummaryLine())
	if len(r.Workflows) > 0 {
		fmt.Fprintf(&b, "## Workflows the target does not provide (%d)\n\nThe legacy deployment ran these; after the migration they stop, whatever the keys below say.\n\n", len(r.Workflows))
		for _, w := range r.Workflows {
			fmt.Fprintf(&b, "- **%s**, run by %s: %s. *What to do:* %s.\n", w.Name, strings.Join(codes(w.Components), ", "), w.Missing, w.Action)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Output format: `%s`.", r.Format)
	if r.PassThrough {
		b.WriteString(" The input is already in the new format: it was passed through, normalized.")
	}
	b.WriteString("\n\nInputs, in merge order (later wins):\n\n")
	for _, in := range r.Inputs {
		fmt.Fprintf(&b, "- `%s`\n", in)
	}
	section(&b, "Insecure settings", len(r.Insecure), func() {
		table(&b, []string{"legacy key", "problem", "fix"})
		for _, f := range r.Insecure {
			row(&b, code(f.Key), f.Message, f.Fix)
		}
	})
	entrySection(&b, "Values that need input", r.NeedsInput, "new key", "what to supply")
	entrySection(&b, "Credentials now referenced", r.References, "new key", "reference", "source")
	entrySection(&b, "Inline credentials in the legacy values (values not shown)", r.Credentials, "legacy key", "outcome")
	entrySection(&b, "Defaults applied", r.Defaults, "new key", "why")
	section(&b, "Notes", len(r.Notes), func() {
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	})
	for _, c := range Classes() {
		var es []Entry
		for _, e := range r.Keys {
			if e.Class == c {
				es = append(es, e)
			}
		}
		entrySection(&b, "Legacy keys: "+string(c), es, "legacy key", "new key", "why")
	}
	return b.Bytes()
}

func section(b *bytes.Buffer, title string, n int, body func()) {
	fmt.Fprintf(b, "\n## %s (%d)\n\n", title, n)
	if n == 0 {
		b.WriteString("None.\n")
		return
	}
	body()
}

// entrySection writes entries as a table with the given headers: key, then To (when the
// headers name three columns), then Why.
func entrySection(b *bytes.Buffer, title string, es []Entry, headers ...string) {
	section(b, title, len(es), func() {
		table(b, headers)
		for _, e := range es {
			if len(headers) == 3 {
				row(b, code(e.Key), codeOrEmpty(e.To), e.Why)
			} else {
				row(b, code(e.Key), e.Why)
			}
		}
	})
}

func table(b *bytes.Buffer, headers []string) {
	fmt.Fprintf(b, "| %s |\n|%s\n", strings.Join(headers, " | "), strings.Repeat("---|", len(headers)))
}

func row(b *bytes.Buffer, cells ...string) {
	for i, c := range cells {
		cells[i] = strings.ReplaceAll(strings.ReplaceAll(c, "|", `\|`), "\n", " ")
	}
	fmt.Fprintf(b, "| %s |\n", strings.Join(cells, " | "))
}

func codes(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = code(s)
	}
	return out
}

func code(s string) string { return "`" + strings.ReplaceAll(s, "`", "'") + "`" }

func codeOrEmpty(s string) string {
	if s == "" {
		return ""
	}
	return code(s)
}
