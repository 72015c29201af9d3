package bootstrap

import (
	"slices"

	"github.com/eim-byoi/eim/providers/kinds"
)

// only returns the rows of the kind table named names, in table order.
func only(names ...string) []kinds.Kind {
	var out []kinds.Kind
	for _, k := range kinds.All() {
		if slices.Contains(names, k.Name) {
			out = append(out, k)
		}
	}
	return out
}

// byKind returns the providers app opened, by kind name.
func byKind(app *App) map[string]Opened {
	out := map[string]Opened{}
	for _, o := range app.Providers() {
		out[o.Kind] = o
	}
	return out
}
