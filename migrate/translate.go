package migrate

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
)

// Format is the output format.
type Format string

// The output formats.
const (
	// ChartValues is a values file for charts/eim (DESIGN.md §7).
	ChartValues Format = "chart-values"
	// EIMConfig is an eim.yaml (DESIGN.md §4) for installs without Kubernetes.
	EIMConfig Format = "eim-config"
	// Terraform is a terraform.tfvars.json for terraform/modules/eim: the chart values spread
	// over the module's variables (docs/terraform.md).
	Terraform Format = "terraform"
)

// Formats lists the YAML output formats, chart values and eim.yaml, whose output is also input.
func Formats() []Format { return []Format{ChartValues, EIMConfig} }

// AllFormats lists every output format: Formats and Terraform.
func AllFormats() []Format { return append(Formats(), Terraform) }

// Input is what to migrate: an EMF cluster (optional), then values documents merged over it
// in order, later ones winning, as `helm -f` does.
type Input struct {
	EMF     *EMF
	Sources []Source
}

// Result is a migration's output document and its report.
type Result struct {
	Output []byte
	Report *Report
}

// Translate migrates in to format. It fails on input it cannot read: malformed YAML (a
// *SyntaxError), a cluster file listing a missing profile (a *MissingProfileError), or new-
// format input with an invalid target; and on input that gives it nothing to translate (a
// *NothingToMigrateError). Keys it does not know are reported, never fatal.
func Translate(in Input, format Format) (*Result, error) {
	if !slices.Contains(AllFormats(), format) {
		return nil, fmt.Errorf("unknown output format %q: use %s, %s or %s", format, ChartValues, EIMConfig, Terraform)
	}
	// The terraform format is the chart values, spread over the module's variables at the end.
	work := format
	if format == Terraform {
		work = ChartValues
	}
	var notes []string
	l, err := load(in, &notes)
	if err != nil {
		return nil, err
	}
	rep := &Report{Inputs: l.inputs, Format: string(format)}
	var values Tree
	if inFormat, ok := detectNewFormat(l.tree); ok {
		values, err = passThrough(l.tree, inFormat, work, rep)
	} else {
		values, err = migrate(l, work, rep, &notes)
	}
	if err != nil {
		return nil, err
	}
	if format == Terraform {
		notes = append(notes, "terraform: the chart values are spread over the variables of terraform/modules/eim: "+
			"providers.<kind> is the variable <kind>, tenancy.defaultProject default_project, the eim.yaml settings of the modules config, "+
			"global.image.tag image_tag, global.secretMounts secret_mounts, global.secretEnv secret_env, "+
			"global.serviceAccount.annotations service_account_annotations, global.southbound.tlsSecretName southbound_tls_secret_name, "+
			"every other chart value chart_values (docs/terraform.md)")
	}
	rep.Notes = dedupe(append(rep.Notes, notes...))
	rep.summarize()
	var out []byte
	if format == Terraform {
		out, err = terraformVars(values)
		out = append(out, '\n')
	} else {
		out, err = encodeYAML(values)
	}
	if err != nil {
		return nil, err
	}
	return &Result{Output: out, Report: rep}, nil
}

// loaded is the merged input.
type loaded struct {
	tree   Tree
	inputs []string
	// releases are the umbrella releases given as a whole (helm get values of the release, an
	// umbrella's values, an EMF application): their sub-charts are deployed unless toggled off.
	releases map[string]bool
	// emf is the resolved EMF cluster, if one was given.
	emf *emfResolution
	// sourceKeys counts the leaves of each values document, in input order.
	sourceKeys []sourceKeys
}

// sourceKeys is how many values one input document holds.
type sourceKeys struct {
	name string
	keys int
}

// load resolves the EMF cluster and merges the sources over it into the normalized tree.
func load(in Input, notes *[]string) (loaded, error) {
	l := loaded{tree: Tree{}, releases: map[string]bool{}}
	if in.EMF != nil {
		res, files, err := resolveEMFInputs(*in.EMF, notes)
		if err != nil {
			return l, err
		}
		l.emf = res
		l.tree = merge(l.tree, res.tree)
		l.inputs = append(l.inputs, files...)
		l.addReleases(res.tree)
	}
	for _, s := range in.Sources {
		t, err := parseTree(s.Name, s.Data)
		if err != nil {
			return l, err
		}
		if _, isNew := detectNewFormat(t); !isNew || s.Chart != "" {
			t = normalizeSource(t, s.Chart)
			if s.Chart == "" || slices.Contains(Umbrellas(), s.Chart) {
				l.addReleases(t)
			}
		}
		l.tree = merge(l.tree, t)
		name := s.Name
		if s.Chart != "" {
			name += " (values of chart " + s.Chart + ")"
		}
		l.inputs = append(l.inputs, name)
		l.sourceKeys = append(l.sourceKeys, sourceKeys{name: name, keys: len(leaves(t))})
	}
	return l, nil
}

// nothing reports whether the input gives nothing to translate: an EMF cluster alone that turns
// on no EIM application (its platform, a database included, is not EIM), or input that deploys no
// EIM module and configures no provider.
func (l *loaded) nothing(deployed, providers bool) bool {
	if l.emf != nil && len(l.sourceKeys) == 0 && !slices.ContainsFunc(l.emf.apps, func(a string) bool { return slices.Contains(Umbrellas(), a) }) {
		return true
	}
	return !deployed && !providers
}

func (l *loaded) addReleases(t Tree) {
	for _, u := range Umbrellas() {
		if _, ok := t[u]; ok {
			l.releases[u] = true
		}
	}
}

// resolveEMFInputs resolves the cluster and lists the files it read, in merge order.
func resolveEMFInputs(e EMF, notes *[]string) (*emfResolution, []string, error) {
	res, err := resolveEMF(e, notes)
	if err != nil {
		return nil, nil, err
	}
	inputs := []string{"EMF " + emfAppDefaults}
	for _, f := range res.files {
		inputs = append(inputs, "EMF "+f)
	}
	if !slices.Contains(res.files, path.Clean(e.Cluster)) {
		inputs = append(inputs, "EMF "+path.Clean(e.Cluster))
	}
	for _, app := range res.apps {
		inputs = append(inputs, "EMF application "+app+": configs/"+app+".yaml + custom/"+app+".tpl + postCustomTemplateOverwrite."+app)
	}
	return res, inputs, nil
}

// migrate translates a legacy tree.
func migrate(l loaded, format Format, rep *Report, notes *[]string) (Tree, error) {
	f := newFacts(notes)
	cls := classifyTree(l.tree, Rules(), f, l.emf)
	mods, deployed := enabledModules(f, l, notes)
	b := &builder{f: f, modules: mods, deployed: deployed, notes: notes, format: format}
	providers := b.providers()
	if l.nothing(deployed, len(providers) > 0) {
		return nil, nothingToMigrate(l, cls)
	}
	for _, s := range l.sourceKeys {
		if s.keys == 0 {
			*notes = append(*notes, s.name+" holds no values (an empty document): check it is the file you meant "+
				"(helm get values prints null for a release installed without values of its own; add --all for every value)")
		}
	}
	values := Tree{"target": target(mods), "providers": providers}
	if t := b.tenancy(); t != nil {
		values["tenancy"] = t
	}
	for _, m := range moduleOrder() {
		values[m] = b.moduleBlock(m)
	}
	values["global"] = b.global()
	b.checkValues(values, l)
	out := values
	if format == EIMConfig {
		out = eimConfig(values)
		if proxy := subtree(values, "global", "proxy"); len(proxy) > 0 {
			*notes = append(*notes, "proxy: the legacy deployment reached the outside through a proxy ("+strings.Join(slices.Sorted(maps.Keys(proxy)), ", ")+
				" in the chart values), and eim.yaml has no proxy setting: set HTTPS_PROXY, HTTP_PROXY and NO_PROXY in the environment of eim serve")
		}
	}
	rep.Workflows = lostWorkflows(f, l)
	rep.Keys, rep.Insecure, rep.Credentials = placeKeys(cls, values, out, format), cls.insecure, cls.credentials
	rep.References, rep.NeedsInput, rep.Defaults = present(b.refs, out), present(b.needs, out), present(b.defaults, out)
	return out, nil
}

// eimConfig reduces chart values to an eim.yaml: target, the most verbose log level of the
// enabled modules, the providers, tenancy, telemetry and the modules' eim.yaml settings.
func eimConfig(values Tree) Tree {
	level := ""
	for _, m := range moduleOrder() {
		block := subtree(values, m)
		if on, _ := asBool(block["enabled"]); on {
			level = moreVerbose(level, fmt.Sprint(block["logLevel"]))
		}
	}
	out := Tree{"target": values["target"], "providers": values["providers"]}
	if t, ok := values["tenancy"]; ok {
		out["tenancy"] = t
	}
	for m, keys := range eimSettings() {
		block := subtree(values, m)
		kept := Tree{}
		for _, k := range keys {
			if v, ok := block[k]; ok {
				kept[k] = v
			}
		}
		if len(kept) > 0 {
			out[m] = kept
		}
	}
	if level != "" {
		out["log"] = Tree{"level": level}
	}
	if tel := subtree(subtree(values, "global"), "telemetry"); len(tel) > 0 {
		out["telemetry"] = tel // the chart's global.telemetry is eim.yaml's telemetry block
	}
	return out
}

func moreVerbose(a, b string) string {
	order := []string{"debug", "info", "warn", "error"}
	ia, ib := slices.Index(order, a), slices.Index(order, logLevel(b))
	if ia < 0 || ib < ia {
		return order[ib]
	}
	return a
}

func dedupe(in []string) []string {
	var out []string
	for _, s := range in {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
