package migrate

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// MappingTable renders Rules as the Markdown mapping table of docs/migration.md: one table per
// area, one row per group of rules that share their class, new key and reason (patterns in
// rule order), with where the new key is in an eim.yaml (the eim-config format). Rules are matched in the order shown within the whole list; the first match
// wins.
func MappingTable() string {
	type group struct {
		patterns []string
		rule     Rule
	}
	var areas []string
	rows := map[string][]*group{}
	for _, r := range Rules() {
		if !slices.Contains(areas, r.Area) {
			areas = append(areas, r.Area)
		}
		i := slices.IndexFunc(rows[r.Area], func(x *group) bool {
			return x.rule.Class == r.Class && x.rule.To == r.To && x.rule.Why == r.Why && x.rule.Secret == r.Secret
		})
		if i < 0 {
			rows[r.Area] = append(rows[r.Area], &group{rule: r})
			i = len(rows[r.Area]) - 1
		}
		pat := r.Pattern
		if r.Label != "" {
			pat = r.Label
		}
		if !slices.Contains(rows[r.Area][i].patterns, pat) {
			rows[r.Area][i].patterns = append(rows[r.Area][i].patterns, pat)
		}
	}
	order := []string{areaDatabase, areaIdentity, areaSecrets, areaTLS, areaTenancy, areaModules, areaGlobal, areaCharts, areaEMF}
	slices.SortStableFunc(areas, func(x, y string) int { return slices.Index(order, x) - slices.Index(order, y) })
	var b bytes.Buffer
	for _, a := range areas {
		fmt.Fprintf(&b, "\n### %s\n\n", a)
		table(&b, []string{"legacy key", "class", "new key", "in eim.yaml", "why"})
		for _, x := range rows[a] {
			class := string(x.rule.Class)
			if x.rule.Secret {
				class += " (credential)"
			}
			pats := make([]string, len(x.patterns))
			for i, p := range x.patterns {
				pats[i] = code(p)
			}
			row(&b, strings.Join(pats, ", "), class, codeOrEmpty(x.rule.To), inEIMConfig(x.rule), x.rule.Why)
		}
	}
	return b.String()
}

// inEIMConfig says where a rule's new key is in the eim-config format: the eim.yaml key, or that
// only the chart values have it.
func inEIMConfig(r Rule) string {
	switch {
	case r.Class == throughEMF:
		return "as rendered"
	case r.To == "" || (r.Class != Mapped && r.Class != Defaulted):
		return ""
	}
	if to := eimTo(r.To); to != "" {
		return code(to)
	}
	return "— (chart values only)"
}
