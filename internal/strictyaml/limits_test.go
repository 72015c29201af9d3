package strictyaml_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/eim-byoi/eim/internal/strictyaml"
)

// mergeBomb returns a document of about 600 bytes whose key at holds a merge key expanding to
// 2·10^levels nodes: each anchor merges the previous one ten times.
func mergeBomb(at string, levels int) string {
	var b strings.Builder
	b.WriteString("ignored:\n  - &l0 {mode: a, x: 1}\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "  - &l%d {<<: [%s]}\n", i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d,", i-1), 10), ","))
	}
	fmt.Fprintf(&b, "%s: {<<: *l%d}\n", at, levels)
	return b.String()
}

func problemsWith(d *strictyaml.Decoder, substr string) []strictyaml.Problem {
	var out []strictyaml.Problem
	for _, p := range d.Problems() {
		if strings.Contains(p.String(), substr) {
			out = append(out, p)
		}
	}
	return out
}

// TestMergeBombStops (issue 16, item 7): nested merge keys over lists of aliases expand
// exponentially; decoding stops at the node limit with one problem at the merge key's line.
func TestMergeBombStops(t *testing.T) {
	for _, at := range []string{"tls", "labels", "any"} {
		t.Run(at, func(t *testing.T) {
			src := mergeBomb(at, 10) // 2·10^10 nodes once expanded
			require.Less(t, len(src), 700)
			_, d := decode(t, src, nil)
			require.True(t, d.Stopped())
			bomb := problemsWith(d, "expands to more than 100000 nodes through aliases and merge keys")
			require.Len(t, bomb, 1, "problems: %v", messages(d))
			assert.Equal(t, 13, bomb[0].Line, "the line of the merge key that expands")
			assert.Equal(t, at, bomb[0].Path)
		})
	}
}

// TestAliasBombInUntypedValue: the classic billion laughs (lists of aliases of lists) under an
// untyped field stops at the same limit.
func TestAliasBombInUntypedValue(t *testing.T) {
	var b strings.Builder
	b.WriteString("ignored:\n  - &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "  - &a%d [%s]\n", i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), 10), ","))
	}
	b.WriteString("any: *a9\n")
	_, d := decode(t, b.String(), nil)
	require.True(t, d.Stopped())
	bomb := problemsWith(d, "expands to more than")
	require.Len(t, bomb, 1, "problems: %v", messages(d))
	assert.Equal(t, 12, bomb[0].Line)
}

// TestAliasDepthLimit: merge keys nested deeper than MaxAliasDepth stop decoding, even where
// the expansion stays small.
func TestAliasDepthLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("ignored:\n  - &m0 {mode: a}\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "  - &m%d {<<: *m%d}\n", i, i-1)
	}
	b.WriteString("tls: {<<: *m40}\n")
	_, d := decode(t, b.String(), nil)
	deep := problemsWith(d, "nested more than 32 deep")
	require.Len(t, deep, 1, "problems: %v", messages(d))
	assert.Equal(t, 43, deep[0].Line)

	out, d := decode(t, strings.Replace(b.String(), "*m40}", "*m20}", 1), nil)
	assert.Empty(t, problemsWith(d, "deep"), "20 levels are within the limit")
	assert.Equal(t, "a", out.TLS.Mode)
}

// TestProblemsCapped (item 8): a document with many problems lists the first MaxProblems and
// counts the rest.
func TestProblemsCapped(t *testing.T) {
	var b strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&b, "unknown%04d: x\n", i)
	}
	_, d := decode(t, b.String(), nil)
	assert.Len(t, d.Problems(), 100)
	assert.Equal(t, 900, d.Omitted())
	ps := &strictyaml.Problems{File: "eim.yaml", List: d.Problems(), Omitted: d.Omitted()}
	assert.Equal(t, 1000, ps.Total())
	lines := strings.Split(ps.Error(), "\n")
	require.Len(t, lines, 101)
	assert.Equal(t, "eim.yaml: ... and 900 more problems (only the first 100 are listed; correct these and run again)", lines[100])

	d2 := strictyaml.NewDecoder(nil, "")
	d2.SetLimits(strictyaml.Limits{MaxProblems: 3})
	var n yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(b.String()), &n))
	d2.Decode(&n, "", &doc{})
	assert.Len(t, d2.Problems(), 3)
	assert.Equal(t, 997, d2.Omitted())
}

// TestEchoesTruncated (item 8): values, keys and paths echoed in problems are cut short.
func TestEchoesTruncated(t *testing.T) {
	long := strings.Repeat("x", 4<<20)
	tests := []struct {
		name, src, want string
	}{
		{"string for an integer", "port: " + long, `port: expected an integer, got "` + strings.Repeat("x", 64) + `"…`},
		{"scalar for a list", "tags: " + long, `tags: expected a list, got "` + strings.Repeat("x", 64) + `"…`},
		{"duration", "timeout: " + long, "timeout: expected a duration"},
		{"unknown key", "? " + long + "\n: 1", `unknown key "` + strings.Repeat("x", 64) + `"…`},
		{"unknown nested key", "tls:\n  ? " + long + "\n  : 1", `unknown key "` + strings.Repeat("x", 64) + `"…`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, d := decode(t, tt.src, nil)
			require.Len(t, d.Problems(), 1)
			msg := d.Problems()[0].String()
			assert.Contains(t, msg, tt.want)
			assert.Less(t, len(msg), 2600, "a bounded problem")
		})
	}
}

// TestSecretRefNeverEchoed (item 9): a literal written where a secret reference is expected is
// never printed; the fix shows the reference forms.
func TestSecretRefNeverEchoed(t *testing.T) {
	const secret = "hunter2-Sup3rSecret"
	tests := []struct{ name, src, kind string }{
		{"quoted string", `ref: "` + secret + `"`, "a string"},
		{"plain string", "ref: " + secret, "a string"},
		{"block scalar", "ref: |\n  " + secret + "\n", "a string"},
		{"list", "ref: [" + secret + "]", "a list"},
		{"number", "ref: 12345678901234", "a number"},
		{"through an alias", "ignored: &pw " + secret + "\nref: *pw", "a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, d := decode(t, tt.src, nil)
			refs := problemsWith(d, "ref:")
			require.Len(t, refs, 1, "problems: %v", messages(d))
			msg := refs[0].String()
			assert.NotContains(t, msg, secret)
			assert.NotContains(t, msg, "12345678901234")
			assert.Contains(t, msg, "ref: expected a secret reference (a mapping), got "+tt.kind+": the value is not shown")
			assert.Contains(t, msg, `(fix: never write a credential in the configuration; write {env: VAR}, {file: PATH} or {secret: "path#key"})`)
		})
	}
	out, d := decode(t, "ref: {secret: \"db/app#password\"}", nil)
	assert.Empty(t, messages(d))
	assert.Equal(t, "db/app#password", out.Ref.Secret)
}
