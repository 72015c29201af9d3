package strictyaml_test

import (
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/eim-byoi/eim/internal/strictyaml"
)

// FuzzDecode: on any YAML document, the strict decoder does not panic, stops within its
// limits, keeps at most MaxProblems problems of bounded length, never echoes what is written
// where a secret reference is expected, and is deterministic. `go test` runs the seeds (in
// code and in testdata/fuzz/FuzzDecode); `make test` fuzzes for a fixed number of inputs and
// `make fuzz` for longer (scripts/fuzz.sh).
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"host: a\nport: 1\ntls: {mode: x}\ntags: [a, b]\nlabels: {k: v}\nnodes: [{mode: a}]\nany: {k: [1, 2]}\nref: {env: PW}\n",
		"ref: literal-password-1234\n",
		"ref: [literal-password-1234]\n",
		"ignored: &pw literal-password-1234\nref: *pw\n",
		"nodes:\n  - &d {mode: require}\n  - <<: *d\ntls:\n  <<: *d\n  mode: verify-full\n",
		mergeBomb("tls", 10), // 2·10^10 nodes once expanded: without limits, this seed alone runs for hours
		mergeBomb("labels", 4),
		"any: &a [*a]\n",
		"? [a]\n: b\nhost: a\nhost: b\n",
		"port: 99999999999999999999\nsmall: -1\nratio: x\nenabled: yes\ntimeout: 10\n",
		"tls: {<<: [{mode: a}, {mode: b}]}\n",
		"tls: {<<: [[{mode: a}]]}\n",
	} {
		f.Add([]byte(s))
	}
	limits := strictyaml.Limits{MaxNodes: 5000, MaxAliasDepth: 16, MaxProblems: 20}
	run := func(n *yaml.Node) (*strictyaml.Decoder, string) {
		d := strictyaml.NewDecoder(func(string) (string, bool) { return "", false }, "EIM_")
		d.SetLimits(limits)
		d.Decode(n, "", &doc{})
		var all []string
		for _, p := range d.Problems() {
			all = append(all, p.String())
		}
		return d, strings.Join(all, "\n")
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 64<<10 {
			return
		}
		var n yaml.Node
		if yaml.Unmarshal(src, &n) != nil {
			return
		}
		d, text := run(&n)
		if len(d.Problems()) > limits.MaxProblems {
			t.Fatalf("%d problems kept, more than %d", len(d.Problems()), limits.MaxProblems)
		}
		for _, p := range d.Problems() {
			if l := len(p.String()); l > 3000 {
				t.Fatalf("a problem of %d bytes: %.300s", l, p.String())
			}
		}
		if _, again := run(&n); again != text {
			t.Fatalf("not deterministic:\n%s\n---\n%s", text, again)
		}
		lit := literalRef(&n)
		if len(lit) >= 8 && strings.Count(string(src), lit) == 1 && !strings.Contains(refMessages, lit) && strings.Contains(text, lit) {
			t.Fatalf("the literal %q written as ref is echoed:\n%s", lit, text)
		}
	})
}

// refMessages is the fixed text of a problem about a literal written where a secret reference
// is expected: a literal found in it proves nothing.
var refMessages = fmt.Sprint(`expected a secret reference (a mapping), got a string a number a boolean a list `,
	`a value of another kind: the value is not shown, as it may be the credential itself `,
	`never write a credential in the configuration; write {env: VAR}, {file: PATH} or {secret: "path#key"} ref`)

// literalRef returns the scalar written as the top-level key "ref", if any (aliases followed).
func literalRef(n *yaml.Node) string {
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != "ref" {
			continue
		}
		v := n.Content[i+1]
		for v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias
		}
		if v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
			return v.Value
		}
		return ""
	}
	return ""
}
