package migrate

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// placeKeys makes the report say, for the chosen format, where each legacy key went: a key is
// mapped only when a new key it names is in the output (chart values, or the eim.yaml reduced
// from them). In the eim-config format, a key whose new key only charts/eim has is dropped,
// with what to do instead; in either format, a mapped key whose new key is not in the output
// (its value was empty, or these values do not use it) says so. Defaulted keys naming a
// charts/eim setting are dropped from an eim.yaml the same way.
func placeKeys(cls classification, chart, out Tree, format Format) []Entry {
	keys := slices.Clone(cls.keys)
	for i, e := range keys {
		if e.To == "" || (e.Class != Mapped && e.Class != Defaulted) {
			continue
		}
		dests := destinations(e.To)
		if format == EIMConfig {
			var in []string
			for _, d := range dests {
				if p, ok := eimPath(d); ok && exists(out, p) && !slices.Contains(in, p) {
					in = append(in, p)
				}
			}
			switch {
			case len(in) > 0:
				if !slices.Equal(in, dests) {
					keys[i].To = strings.Join(in, ", ")
				}
				continue
			case e.Class == Defaulted && slices.ContainsFunc(dests, func(d string) bool { _, ok := eimPath(d); return ok }):
				keys[i].To = ""
				continue
			case e.Class == Defaulted || slices.ContainsFunc(dests, func(d string) bool { return exists(chart, d) }):
				keys[i] = Entry{Key: e.Key, Class: Dropped, Why: "not in eim.yaml: " + chartOnly(dests[0])}
				continue
			}
		} else if e.Class == Defaulted || slices.ContainsFunc(dests, func(d string) bool { return exists(out, d) }) {
			continue
		}
		keys[i] = unused(e, cls.values[e.Key], format)
	}
	return keys
}

// unused reclassifies a mapped key whose new key is not in the output: an empty or false value
// leaves the default; any other had no effect with these values.
func unused(e Entry, v any, format Format) Entry {
	to := e.To
	if format == EIMConfig {
		to = eimTo(e.To)
	}
	if b, isBool := v.(bool); !isSet(v) || (isBool && !b) || isEmptyCollection(v) {
		out := Entry{Key: e.Key, Class: Defaulted, To: to, Why: fmt.Sprintf("the legacy value is %s: %s keeps its default", describeEmpty(v), to)}
		if to == "" {
			out.Why = fmt.Sprintf("the legacy value is %s: there is nothing to carry over", describeEmpty(v))
		}
		if e.Why != "" {
			out.Why += " (" + e.Why + ")"
		}
		return out
	}
	return Entry{Key: e.Key, Class: Dropped, Why: fmt.Sprintf("not used with these values: %s is not in the output (%s)", e.To, firstSet(e.Why, "it would set it"))}
}

func isEmptyCollection(v any) bool {
	switch x := v.(type) {
	case []any:
		return len(x) == 0
	case Tree:
		return len(x) == 0
	}
	return false
}

func describeEmpty(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "false"
	case string:
		return "empty"
	case []any:
		if len(x) == 0 {
			return "an empty list"
		}
	case Tree:
		return "an empty mapping"
	}
	return "empty"
}

// eimTo maps a chart-values To onto eim.yaml keys, "" when it has none.
func eimTo(to string) string {
	var out []string
	for _, d := range destinations(to) {
		if p, ok := eimPath(d); ok && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

var braces = regexp.MustCompile(`^(.*)\{([^{}]*)\}(.*)$`)

// destinations expands a To into the new keys it names: "a.{b,c}" is a.b and a.c, "x, y" is x
// and y.
func destinations(to string) []string {
	var out []string
	for _, part := range strings.Split(to, ", ") {
		part = strings.TrimSpace(part)
		if m := braces.FindStringSubmatch(part); m != nil {
			for _, alt := range strings.Split(m[2], ",") {
				out = append(out, m[1]+strings.TrimSpace(alt)+m[3])
			}
			continue
		}
		if part != "" {
			out = append(out, part)
		}
	}
	return out
}

// exists reports whether the new key named by path is in t; "<module>" stands for any module.
func exists(t Tree, path string) bool {
	p := strings.Split(path, ".")
	if p[0] == "<module>" {
		for _, m := range moduleOrder() {
			if _, ok := lookup(t, append([]string{m}, p[1:]...)...); ok {
				return true
			}
		}
		return false
	}
	_, ok := lookup(t, p...)
	return ok
}

// eimPath is where a chart value is in the eim.yaml reduced from the chart values: target,
// providers, tenancy and the settings of a module's eim.yaml block as they are; a module's
// enabled and the API scenario in target; a module's log level in log.level. Everything else is
// a charts/eim setting only.
func eimPath(chartPath string) (string, bool) {
	p := strings.Split(chartPath, ".")
	mod := p[0] == "<module>" || slices.Contains(moduleOrder(), p[0])
	switch {
	case chartPath == "target", p[0] == "providers", p[0] == "tenancy":
		return chartPath, true
	case mod && len(p) == 2 && p[1] == "enabled":
		return "target", true
	case mod && len(p) == 2 && p[1] == "logLevel":
		return "log.level", true
	case p[0] == "global" && len(p) >= 2 && p[1] == "telemetry":
		return strings.TrimPrefix(chartPath, "global."), true // the chart renders it as eim.yaml's telemetry
	case isEIMSetting(p):
		return chartPath, true
	}
	return "", false
}

// chartOnly says what to do with a setting only charts/eim has, when running from an eim.yaml.
func chartOnly(path string) string {
	p := strings.Split(path, ".")
	const keep = "; --format chart-values keeps it"
	switch {
	case strings.HasPrefix(path, "global.proxy"):
		return "it has no outbound proxy setting; set HTTPS_PROXY, HTTP_PROXY and NO_PROXY in the environment of eim serve " +
			"(Go's standard variables, which the Vault and identity providers' HTTP clients use; the kms keeper's AWS client does not)" + keep
	case strings.HasPrefix(path, "global.ingress"):
		return path + " is the chart's Ingress: without Kubernetes, put your reverse proxy or load balancer, with this host name and certificate, in front of listen.http and listen.grpc" + keep
	case strings.HasPrefix(path, "global.image"):
		return path + " is the chart's container image: without Kubernetes, run the eim binary" + keep
	case strings.HasPrefix(path, "global.serviceAccount"):
		return path + " is the chart's Kubernetes service account, which Vault's Kubernetes auth binds to its role: without Kubernetes, give the secrets provider another way to log in" + keep
	case strings.HasPrefix(path, "global.metrics"):
		return "eim serve always serves /metrics on listen.http" + keep
	case strings.HasPrefix(path, "global.secretMounts"):
		return "the chart mounts Secrets: without it, put the files where the references point" + keep
	case len(p) >= 2 && slices.Contains(moduleOrder(), p[0]) && slices.Contains([]string{"replicaCount", "resources"}, p[1]):
		return path + " sizes the chart's Deployment: run and size the eim processes yourself" + keep
	case slices.Contains(moduleOrder(), p[0]) || p[0] == "<module>":
		return path + " is a setting of the module's chart only" + keep
	}
	return path + " is a charts/eim setting" + keep
}

// present keeps the report entries whose new key is in the output.
func present(es []Entry, out Tree) []Entry {
	var kept []Entry
	for _, e := range es {
		if exists(out, e.Key) {
			kept = append(kept, e)
		}
	}
	return kept
}
