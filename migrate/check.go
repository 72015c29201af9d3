package migrate

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// unrendered matches a template expression nothing replaced: ${VAR} (envsubst, shell) or
// {{ ... }} (Helm, Go templates).
var unrendered = regexp.MustCompile(`\$\{[^}]*\}|\{\{.*?\}\}`)

// checkValues finds output values that cannot be what the legacy deployment used: a template
// expression left unrendered (${CLUSTER_DOMAIN}), and host names with an empty part ("api." from
// "api.{{ .Values.argo.clusterDomain }}" without a cluster domain). Each becomes a NEEDS-INPUT
// placeholder naming the legacy key it came from, so that eim config validate refuses it until
// it is replaced. An EMF cluster that names no domain also leaves global.ingress.domain to fill.
func (b *builder) checkValues(values Tree, l loaded) {
	if _, ok := lookup(values, "global", "ingress", "domain"); !ok && l.emf != nil {
		set(values, Path{"global", "ingress", "domain"}, b.need("global.ingress.domain",
			"the base domain of the public host names: argo.clusterDomain is empty or missing in the EMF cluster"))
	}
	for _, lf := range leaves(values) {
		s, ok := lf.Value.(string)
		if !ok {
			continue
		}
		if _, isPlaceholder := strings.CutPrefix(s, needsInput); isPlaceholder {
			continue
		}
		problem := ""
		if m := unrendered.FindString(s); m != "" {
			problem = fmt.Sprintf("holds %s, a template expression nothing replaced (was the file copied from a template without rendering it?)", m)
		} else if h, isHost := hostOf(lf.Path, s); isHost && emptyLabel(h) {
			problem = "has an empty name part (a missing value rendered as nothing: is argo.clusterDomain set?)"
		}
		if problem == "" {
			continue
		}
		key := lf.Path.String()
		what := fmt.Sprintf("%s: the value %q%s %s", describeValue(lf.Path), s, b.sourceOf(s), problem)
		set(values, lf.Path, b.need(key, what))
	}
}

// hostOf returns the host name a value holds when its key says it is one: a host, a domain, an
// Ingress host, or the host of a URL (issuer, address, discoveryURL, url, endpoint).
func hostOf(p Path, v string) (string, bool) {
	last := p[len(p)-1]
	switch {
	case last == "host" || last == "domain" || (len(p) > 1 && p[len(p)-2] == "hosts"):
		return v, true
	case slices.Contains([]string{"issuer", "address", "discoveryURL", "url", "endpoint"}, last):
		if !strings.Contains(v, "://") {
			v = "//" + v // host:port
		}
		if u, err := url.Parse(v); err == nil {
			return u.Hostname(), true
		}
	}
	return "", false
}

// emptyLabel reports whether a host name is empty or has an empty part ("api.", ".example",
// "a..b").
func emptyLabel(h string) bool {
	return h == "" || slices.Contains(strings.Split(h, "."), "")
}

// describeValue names what an output value is, for the placeholder that replaces it.
func describeValue(p Path) string {
	key := p.String()
	switch {
	case len(p) == 4 && p[0] == "global" && p[2] == "hosts":
		return "the public host name for " + p[3]
	case key == "global.ingress.domain":
		return "the base domain of the public host names"
	case key == "providers.identity.config.issuer":
		return "the issuer your tokens carry (their iss claim)"
	}
	return "a value for " + key
}

// sourceOf names the legacy key an output value comes from, as " (from KEY)": the one whose
// value it is, or else the longest one it contains; "" when none.
func (b *builder) sourceOf(v string) string {
	best, bestLen := "", 0
	for _, name := range b.f.names("") {
		for _, c := range b.f.byName[name] {
			s, ok := c.value.(string)
			if !ok || s == "" || !strings.Contains(v, hostName(s)) {
				continue
			}
			n := len(s)
			if hostName(s) == v {
				n = len(v) + 1 // the value itself wins
			}
			if n > bestLen {
				best, bestLen = c.path.String(), n
			}
		}
	}
	if best == "" {
		return ""
	}
	return " (from " + best + ")"
}
