package migrate

import (
	"fmt"
	"maps"
	"slices"

	"github.com/eim-byoi/eim/services/module"
)

// detectNewFormat reports whether t is already new-format values: chart values (target,
// providers, tenancy, global and module blocks) or an eim.yaml (target, listen, dataDir, log,
// startup, providers, tenancy, telemetry, the modules' blocks). Either must have target or providers; any other top-level key
// makes it legacy.
func detectNewFormat(t Tree) (Format, bool) {
	if _, ok := t["target"]; !ok {
		if _, ok := t["providers"]; !ok {
			return "", false
		}
	}
	keys := slices.Collect(maps.Keys(t))
	chart := append([]string{"target", "providers", "tenancy", "global"}, moduleOrder()...)
	eim := []string{"target", "listen", "dataDir", "log", "startup", "providers", "tenancy", "telemetry"}
	for m := range eimSettings() {
		eim = append(eim, m)
	}
	within := func(allowed []string) bool {
		return !slices.ContainsFunc(keys, func(k string) bool { return !slices.Contains(allowed, k) })
	}
	switch {
	case within(eim):
		return EIMConfig, true
	case within(chart):
		return ChartValues, true
	}
	return "", false
}

// passThrough normalizes new-format input into format: chart values get every module block and
// the global defaults filled in, an eim.yaml keeps what it has; converting between the two keeps
// target, providers and the log level.
func passThrough(t Tree, in, format Format, rep *Report) (Tree, error) {
	rep.PassThrough = true
	for _, l := range leaves(t) {
		rep.Keys = append(rep.Keys, passThroughEntry(l.Path, in, format))
	}
	if _, ok := t["target"]; !ok {
		t["target"] = "all"
		rep.Defaults = append(rep.Defaults, Entry{Key: "target", Why: "all: the input names no target"})
	}
	if in == EIMConfig && format == EIMConfig {
		return t, nil
	}
	target := fmt.Sprint(t["target"])
	ds, err := module.EIM().Resolve(target, func(string) bool { return true })
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	enabled := map[string]bool{}
	for _, d := range ds {
		enabled[d.Name] = true
	}
	values := chartValues(t, in, enabled)
	if format == EIMConfig {
		return eimConfig(values), nil
	}
	return values, nil
}

// passThroughEntry says where a key of new-format input goes: the same key in the same format;
// converting, target, providers, tenancy and the modules' eim.yaml settings stay, eim.yaml's log.level becomes each module's
// logLevel and the chart's modules' logLevel the most verbose log.level, a module's enabled is in
// target; anything else has no place in the other format.
func passThroughEntry(p Path, in, format Format) Entry {
	key := p.String()
	e := Entry{Key: key, Class: Mapped, To: key, Why: "already in the new format"}
	if in == format || p[0] == "target" || p[0] == "providers" || p[0] == "tenancy" {
		return e
	}
	switch {
	case in == EIMConfig && key == "log.level":
		e.To = "<module>.logLevel"
	case in == EIMConfig && p[0] == "telemetry":
		e.To = "global." + key
	case in == EIMConfig && isEIMSetting(p):
	case in == EIMConfig:
		e = Entry{Key: key, Class: Dropped, Why: "charts/eim renders " + p[0] + " into eim.yaml itself: set it in the chart's values"}
	default:
		if to, ok := eimPath(key); ok {
			e.To = to
			break
		}
		e = Entry{Key: key, Class: Dropped, Why: "not in eim.yaml: " + chartOnly(key)}
	}
	return e
}

// chartValues fills in what chart values always have.
func chartValues(t Tree, in Format, enabled map[string]bool) Tree {
	out := Tree{"target": t["target"], "providers": Tree{}}
	if p, ok := t["providers"].(Tree); ok {
		out["providers"] = p
	}
	if tn, ok := t["tenancy"]; ok {
		out["tenancy"] = tn
	}
	level := "info"
	if in == EIMConfig {
		if l, ok := lookup(t, "log", "level"); ok && isSet(l) {
			level = logLevel(fmt.Sprint(l))
		}
	}
	for _, m := range moduleOrder() {
		block := Tree{"enabled": enabled[m], "replicaCount": 1, "logLevel": level, "resources": Tree{}}
		block = merge(block, subtree(t, m))
		out[m] = block
	}
	global := Tree{"image": Tree{"pullPolicy": "IfNotPresent"}, "ingress": Tree{},
		"telemetry": Tree{"enabled": false}, "metrics": Tree{"enabled": false}}
	if in == ChartValues {
		global = merge(global, subtree(t, "global"))
	}
	if tel := subtree(t, "telemetry"); in == EIMConfig && len(tel) > 0 {
		global["telemetry"] = tel
	}
	out["global"] = global
	return out
}
