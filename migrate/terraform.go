package migrate

import (
	"encoding/json"
	"maps"
	"slices"
)

// providerKinds are the kinds of the providers block, each a variable of terraform/modules/eim.
var providerKinds = []string{"identity", "secrets", "database", "messaging"}

// terraformVars spreads chart values over the variables of terraform/modules/eim, as a
// terraform.tfvars.json: target, one variable per provider kind, default_project, the rest of
// eim.yaml (module settings, log) as config, the chart's global settings the module has variables
// for, and every other chart value as chart_values. The module renders the eim.yaml part, validates
// it with eim_config and passes it to charts/eim with chart_values, so the release gets the values
// the chart-values format would have given it.
func terraformVars(values Tree) ([]byte, error) {
	cfg := eimConfig(values)
	vars := Tree{"target": cfg["target"]}
	providers := subtree(cfg, "providers")
	for _, k := range providerKinds {
		if v, ok := providers[k]; ok {
			vars[k] = v
		}
	}
	rest := Tree{}
	for k, v := range cfg {
		switch k {
		case "target", "providers":
		case "tenancy":
			t := maps.Clone(subtree(cfg, "tenancy"))
			if p, ok := t["defaultProject"]; ok {
				vars["default_project"] = p
				delete(t, "defaultProject")
			}
			if len(t) > 0 {
				rest[k] = t
			}
		default:
			rest[k] = v
		}
	}
	if len(rest) > 0 {
		vars["config"] = rest
	}
	chart := Tree{}
	for k, v := range values {
		if k != "target" && k != "providers" && k != "tenancy" && k != "global" {
			chart[k] = v
		}
	}
	if g := globalVars(maps.Clone(subtree(values, "global")), vars); len(g) > 0 {
		chart["global"] = g
	}
	if len(chart) > 0 {
		vars["chart_values"] = chart
	}
	return json.MarshalIndent(vars, "", "  ")
}

// globalVars moves the chart's global settings that modules/eim has variables for into vars
// and returns the rest of global.
func globalVars(g, vars Tree) Tree {
	take := func(v any, name string) {
		if v != nil && !isEmpty(v) {
			vars[name] = v
		}
	}
	if img := subtree(g, "image"); img != nil {
		img = maps.Clone(img)
		take(img["tag"], "image_tag")
		delete(img, "tag")
		g["image"] = img
	}
	take(g["secretMounts"], "secret_mounts")
	take(g["secretEnv"], "secret_env")
	delete(g, "secretMounts")
	delete(g, "secretEnv")
	if sa := subtree(g, "serviceAccount"); sa != nil {
		sa = maps.Clone(sa)
		take(sa["annotations"], "service_account_annotations")
		delete(sa, "annotations")
		g["serviceAccount"] = sa
	}
	if sb := subtree(g, "southbound"); sb != nil {
		sb = maps.Clone(sb)
		take(sb["tlsSecretName"], "southbound_tls_secret_name")
		delete(sb, "tlsSecretName")
		g["southbound"] = sb
	}
	for _, k := range slices.Collect(maps.Keys(g)) {
		if isEmpty(g[k]) {
			delete(g, k)
		}
	}
	return g
}

// isEmpty reports an empty string, map or list.
func isEmpty(v any) bool {
	switch t := v.(type) {
	case string:
		return t == ""
	case Tree:
		return len(t) == 0
	case []any:
		return len(t) == 0
	}
	return false
}
