package migrate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/eim-byoi/eim/services/module"
)

// enabledModules decides which modules the legacy values deploy. A module's chart is
// deployed by its import toggle; without one, when its umbrella release was given as a whole
// (the umbrella charts enable their sub-charts by default) or when the chart's own values were
// given. An umbrella EMF disables turns off all of its charts. The vpro scenario has no OS
// lifecycle: it drops onboarding, maintenance and osresource. deployed reports whether the input
// deploys any module; when it deploys none, every module is enabled (target all).
func enabledModules(f *facts, l loaded, notes *[]string) (out map[string]bool, deployed bool) {
	out = map[string]bool{}
	charts := moduleCharts()
	for _, m := range moduleOrder() {
		info := charts[m]
		if on, set := f.boolean(factUmbrellaPrefix + info.Path[0]); set && !on {
			continue
		}
		on, set := f.boolean("module." + m + ".enabled")
		if !set {
			_, present := lookup(l.tree, info.Path...)
			on = present || l.releases[info.Path[0]]
		}
		if len(info.Path) > 2 { // a sub-chart of a sub-chart (amt's dm-manager): the toggles on the way count
			on = on && chartDeployed(f, l, info.Path)
		}
		out[m] = on
	}
	if s := f.str(factScenario); s == "vpro" {
		for _, m := range []string{module.Onboarding, module.Maintenance, module.OSResource} {
			out[m] = false
		}
		*notes = append(*notes, "target: eimScenario vpro exposes no OS lifecycle APIs: onboarding, maintenance and osresource are disabled")
	}
	if !slices.ContainsFunc(moduleOrder(), func(m string) bool { return out[m] }) {
		for _, m := range moduleOrder() {
			out[m] = true
		}
		*notes = append(*notes, "target: the input deploys no legacy EIM module: every module is enabled (target all); set target to what you need")
		return out, false
	}
	if !out[module.Inventory] {
		out[module.Inventory] = true
		*notes = append(*notes, "target: every module requires inventory in the same deployment: inventory is enabled")
	}
	return out, true
}

// target names the enabled modules: all, the profile with exactly these modules, or the list.
func target(enabled map[string]bool) string {
	var list []string
	for _, m := range moduleOrder() {
		if enabled[m] {
			list = append(list, m)
		}
	}
	if len(list) == len(moduleOrder()) {
		return "all"
	}
	g := module.EIM()
	for _, p := range g.Profiles() {
		mods, _ := g.Profile(p)
		if sameSet(mods, list) {
			return p
		}
	}
	return strings.Join(list, ",")
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// moduleBlock builds one module's values: enabled, replicaCount, logLevel, resources, then
// its carried-over settings.
func (b *builder) moduleBlock(m string) Tree {
	out := Tree{"enabled": b.modules[m], "replicaCount": 1, "logLevel": "info", "resources": Tree{}}
	if v, _, ok := b.f.value("module." + m + ".replicaCount"); ok {
		if n, err := strconv.Atoi(fmt.Sprint(v)); err == nil {
			out["replicaCount"] = n
		}
	}
	if v := b.f.str("module." + m + ".logLevel"); v != "" {
		out["logLevel"] = logLevel(v)
	}
	if v, _, ok := b.f.value("module." + m + ".resources"); ok {
		if r, isTree := v.(Tree); isTree {
			out["resources"] = r
		}
	}
	for _, name := range b.f.names("module." + m + ".") {
		_, key, _ := isModuleFact(name)
		if slices.Contains([]string{"enabled", "replicaCount", "logLevel", "resources"}, key) {
			continue
		}
		if v, _, ok := b.f.value(name); ok {
			set(out, strings.Split(key, "."), settingValue(key, v))
		}
	}
	b.moduleExtras(m, out)
	return out
}

// settingValue converts the settings whose form changes: heartbeat seconds become a duration.
func settingValue(key string, v any) any {
	if key == "heartbeatInterval" {
		if n, err := strconv.Atoi(fmt.Sprint(v)); err == nil {
			return fmt.Sprintf("%ds", n)
		}
	}
	return v
}

// moduleExtras adds the settings derived from shared legacy keys.
func (b *builder) moduleExtras(m string, out Tree) {
	switch m {
	case module.OOB:
		if b.modules[module.OOB] && b.deployed { // the legacy dm-manager ran: its MPS and RPS are needed
			for _, srv := range []string{"mps", "rps"} {
				out[srv] = Tree{"url": b.need("oob."+srv+".url", "the https:// URL of the "+strings.ToUpper(srv)+
					" your oob module drives (the legacy one, or your own Device Management Toolkit's), with its auth and CA: docs/modules/oob.md")}
			}
		}
	case module.API:
		if v := b.f.str(factScenario); v != "" {
			out["scenario"] = v
		}
	}
}

// tenancy builds the tenancy block: single tenancy when the EMF single-tenancy profile is on, or
// the default-tenant job's project created at start.
func (b *builder) tenancy() Tree {
	if on, _ := b.f.boolean(factDefaultTenancy); on {
		b.defaulted("tenancy.defaultProject", defaultProject+": the legacy single-tenancy init (tenancy-init) created its project, whose name is not in the legacy values; "+
			"if your API clients call /v1/projects/<another name>/..., set that name here")
		return Tree{"defaultProject": defaultProject}
	}
	if on, _ := b.f.boolean(factTenantBootstrap); !on {
		return nil
	}
	if p := b.f.str(factTenantProject); p != "" {
		return Tree{"defaultProject": p}
	}
	b.defaulted("tenancy.defaultProject", defaultProject+": the legacy default-tenant job was enabled without config.defaultTenant; set the project name it created")
	return Tree{"defaultProject": defaultProject}
}

// logLevel maps the legacy levels onto debug, info, warn and error.
func logLevel(v string) string {
	switch strings.ToLower(v) {
	case "debug", "trace", "silly", "verbose":
		return "debug"
	case "warn", "warning":
		return "warn"
	case "error", "fatal", "panic":
		return "error"
	}
	return "info"
}

// global builds the global block: image, ingress/TLS, telemetry, metrics, proxy, service
// account and the Secrets to mount.
func (b *builder) global() Tree {
	out := Tree{
		"image":     b.image(),
		"ingress":   b.ingress(),
		"telemetry": telemetry(b.f.anyTrue(factTracingEnabled), b.f.str(factTracingEndpoint)),
		"metrics":   Tree{"enabled": b.f.anyTrue(factMetricsEnabled)},
	}
	proxy := Tree{}
	for k, fact := range map[string]string{"http": factProxyHTTP, "https": factProxyHTTPS, "noProxy": factProxyNo} {
		if v := b.f.str(fact); v != "" {
			proxy[k] = v
		}
	}
	if len(proxy) > 0 {
		out["proxy"] = proxy
	}
	if sa := b.f.str(factServiceAccount); sa != "" {
		out["serviceAccount"] = Tree{"name": sa}
	}
	if len(b.mounts) > 0 {
		out["secretMounts"] = b.mounts
	}
	return out
}

func (b *builder) image() Tree {
	img := Tree{"pullPolicy": "IfNotPresent"}
	if v := strings.TrimSuffix(b.f.str(factImageRegistry), "/"); v != "" {
		img["registry"] = v
	}
	if v := b.f.str(factImagePullPolicy); v != "" {
		img["pullPolicy"] = v
	}
	v, _, _ := b.f.value(factImagePullSecrets)
	var secrets []any
	list, _ := v.([]any)
	for _, e := range list {
		if m, ok := e.(Tree); ok && isSet(m["name"]) {
			secrets = append(secrets, Tree{"name": m["name"]})
		}
	}
	if len(secrets) > 0 {
		img["pullSecrets"] = secrets
	}
	return img
}

func (b *builder) ingress() Tree {
	in := Tree{}
	if d := b.f.str(factDomain); d != "" {
		in["domain"] = d
	}
	hosts := Tree{}
	for _, name := range b.f.names(factHostPrefix) {
		if h := hostName(b.f.str(name)); h != "" {
			hosts[strings.TrimPrefix(name, factHostPrefix)] = h
		}
	}
	if len(hosts) > 0 {
		in["hosts"] = hosts
	}
	tls := Tree{}
	if v := b.f.str(factTLSSecret); v != "" {
		tls["secretName"] = v
	}
	if v := b.f.str(factTLSCASecret); v != "" {
		tls["caSecretName"] = v
	}
	if on, _ := b.f.boolean(factTLSSelfSigned); on {
		tls["selfSigned"] = true
	}
	if on, _ := b.f.boolean(factTLSAutoCert); on {
		tls["issuer"] = firstSet(b.f.str(factTLSIssuer), "acme")
	}
	if len(tls) > 0 {
		in["tls"] = tls
	}
	return in
}

// hostName strips Traefik's Host(`...`) matcher from a legacy host rule.
func hostName(s string) string {
	s = strings.TrimSpace(s)
	if inner, ok := strings.CutPrefix(s, "Host(`"); ok {
		s = strings.TrimSuffix(inner, "`)")
	}
	return s
}

// telemetry is global.telemetry from the legacy tracing settings: the legacy traceURL is an
// OTLP/HTTP collector (host:port), so protocol http with an http:// URL; on only when a module
// traced and a collector is known (telemetry.endpoint is required when enabled).
func telemetry(enabled bool, endpoint string) Tree {
	out := Tree{"enabled": enabled && endpoint != ""}
	if endpoint == "" {
		return out
	}
	if !strings.Contains(endpoint, "://") {
		endpoint = "http://" + endpoint
	}
	out["protocol"] = "http"
	out["endpoint"] = endpoint
	return out
}
