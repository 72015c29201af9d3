// Package strictyaml decodes a YAML node tree into typed Go structs strictly: an unknown key,
// a duplicate key or a value of the wrong type is a Problem with its dotted path, line and
// column, and every problem in the document is reported, not just the first. Environment
// variables may override scalar fields (EIM_LISTEN_HTTP overrides listen.http).
//
// The YAML parser is go.yaml.in/yaml/v3; only the mapping onto Go types is done here, because
// the library's own decoder stops at positions without paths and cannot decode a sub-tree
// strictly (see docs/adr/0002-strict-config-decoding.md).
package strictyaml

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a configuration document.
type Problem struct {
	Path    string // dotted path, e.g. providers.database.config.port
	Line    int    // 1-based; 0 when the value came from a default or the environment
	Column  int
	Source  string // where the value came from when not the file, e.g. "env EIM_LISTEN_HTTP"
	Message string
	Fix     string
}

// String formats the problem as "line:col: path: message (fix: ...)".
func (p Problem) String() string {
	var b strings.Builder
	switch {
	case p.Line > 0 && p.Column > 0:
		fmt.Fprintf(&b, "%d:%d: ", p.Line, p.Column)
	case p.Line > 0:
		fmt.Fprintf(&b, "%d: ", p.Line)
	}
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Message)
	if p.Source != "" {
		b.WriteString(" [from " + p.Source + "]")
	}
	if p.Fix != "" {
		b.WriteString(" (fix: " + p.Fix + ")")
	}
	return b.String()
}

// Problems is a list of problems; as an error it prints one per line, prefixed by File.
type Problems struct {
	File string
	List []Problem
	// Omitted counts the problems found beyond the decoder's Limits.MaxProblems, not listed.
	Omitted int
}

// Total returns how many problems were found, listed or not.
func (ps *Problems) Total() int { return len(ps.List) + ps.Omitted }

// Error prints every problem on its own line, then how many more were not listed.
func (ps *Problems) Error() string {
	lines := make([]string, len(ps.List))
	for i, p := range ps.List {
		lines[i] = p.String()
		if ps.File != "" {
			if p.Line > 0 {
				lines[i] = ps.File + ":" + lines[i]
			} else {
				lines[i] = ps.File + ": " + lines[i]
			}
		}
	}
	if ps.Omitted > 0 {
		more := fmt.Sprintf("... and %d more problems (only the first %d are listed; correct these and run again)", ps.Omitted, len(ps.List))
		if ps.File != "" {
			more = ps.File + ": " + more
		}
		lines = append(lines, more)
	}
	return strings.Join(lines, "\n")
}

// Sort orders the problems by position in the file; problems without a line come last, in the
// order they were found.
func (ps *Problems) Sort() {
	sort.SliceStable(ps.List, func(i, j int) bool {
		a, b := ps.List[i], ps.List[j]
		switch {
		case a.Line == 0 || b.Line == 0:
			return a.Line != 0 && b.Line == 0
		case a.Line != b.Line:
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
}

// suggest returns the known key closest to key, if it is close enough to be a typo.
func suggest(key string, known []string) string {
	if len(key) > maxEcho { // no typo of a known key; and the distance costs len(key) per known key
		return ""
	}
	best, bestDist := "", 3
	for _, k := range known {
		if d := distance(strings.ToLower(key), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
