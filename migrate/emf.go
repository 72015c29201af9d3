package migrate

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"text/template"
)

// EMF names an EMF cluster file inside a checkout of the edge-manageability-framework
// repository.
type EMF struct {
	// Root is the repository checkout.
	Root fs.FS
	// Cluster is the cluster file's path inside Root, e.g. orch-configs/clusters/dev.yaml.
	Cluster string
}

// MissingProfileError is a cluster file listing, under root.clusterValues, a file that does
// not exist in the repository.
type MissingProfileError struct {
	Cluster string
	Profile string
}

// Error names the cluster file and the missing profile.
func (e *MissingProfileError) Error() string {
	return fmt.Sprintf("%s: root.clusterValues lists %s, which does not exist in the EMF repository (check --emf-root, or add the profile file)",
		e.Cluster, e.Profile)
}

const (
	emfAppsDir     = "argocd/applications"
	emfAppDefaults = emfAppsDir + "/values.yaml"
	emfChart       = emfAppsDir + "/Chart.yaml"
)

// emfApps lists the EMF applications whose values the migration reads: the four EIM umbrella
// releases and the PostgreSQL secrets that name the in-cluster database.
func emfApps() []string {
	return append(Umbrellas(), "postgresql-secrets")
}

// emfResolution is what resolving an EMF cluster produced.
type emfResolution struct {
	// cluster is the cluster file's path in the EMF checkout.
	cluster string
	// tree holds the cluster values at the top and each enabled application's values under its
	// name.
	tree Tree
	// files are the files root.clusterValues lists, cleaned, in merge order; listed reports
	// whether the cluster file has root.clusterValues at all.
	files  []string
	listed bool
	// own counts the leaves the cluster file and its profiles set themselves: the applications
	// chart's defaults, which every cluster inherits, are not counted.
	own int
	// apps lists the applications argo.enabled turns on that the migration reads, in emfApps
	// order.
	apps []string
	// traces says, for each value under argo.<umbrella>, what it changes in the applications'
	// values: its effect through the EMF templates.
	traces map[string]*templateTrace
}

// resolveEMF computes what EMF deploys for the cluster: the applications chart's defaults, then
// each root.clusterValues file in order (the cluster file itself last if it does not list
// itself), then, for each application read and enabled under argo.enabled, the merge of
// configs/<app>.yaml, the rendered custom/<app>.tpl and postCustomTemplateOverwrite.<app>.
func resolveEMF(e EMF, notes *[]string) (*emfResolution, error) {
	clusterName := path.Clean(e.Cluster)
	cluster, err := readTree(e.Root, clusterName)
	if err != nil {
		return nil, err
	}
	values, err := optionalTree(e.Root, emfAppDefaults, notes)
	if err != nil {
		return nil, err
	}
	files, err := clusterValues(cluster, clusterName)
	if err != nil {
		return nil, err
	}
	_, listed := lookup(cluster, "root", "clusterValues")
	own := Tree{}
	for _, f := range files {
		t, err := readTree(e.Root, f)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &MissingProfileError{Cluster: clusterName, Profile: f}
		}
		if err != nil {
			return nil, err
		}
		values = merge(values, t)
		own = merge(own, t)
	}
	if !slices.Contains(files, clusterName) {
		values = merge(values, cluster)
		own = merge(own, cluster)
	}
	delete(own, "root") // root.clusterValues names the profiles: it sets no value itself
	res := &emfResolution{cluster: clusterName, files: files, listed: listed, own: len(leaves(own))}
	out := deepCopy(values).(Tree)
	var renders []*appRender
	for _, app := range emfApps() {
		if !truthy(lookupAny(values, "argo", "enabled", app)) {
			continue
		}
		r, err := renderApp(e.Root, app, values, notes)
		if err != nil {
			return nil, err
		}
		out = merge(out, Tree{app: r.final})
		res.apps = append(res.apps, app)
		renders = append(renders, r)
	}
	res.tree = out
	res.traces = traceTemplates(values, renders)
	return res, nil
}

// clusterValues returns the files root.clusterValues lists, cleaned.
func clusterValues(cluster Tree, name string) ([]string, error) {
	v, ok := lookup(cluster, "root", "clusterValues")
	if !ok || v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: root.clusterValues is not a list of files", name)
	}
	var out []string
	for i, e := range list {
		s, ok := e.(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("%s: root.clusterValues[%d] is not a file path", name, i)
		}
		out = append(out, path.Clean(s))
	}
	return out, nil
}

// appRender is one EMF application's values as EMF computes them — mergeOverwrite(configs/<app>.yaml,
// tpl(custom/<app>.tpl), postCustomTemplateOverwrite.<app>) — with what it takes to compute them
// again from other cluster values (traceTemplates).
type appRender struct {
	name      string
	base      Tree               // configs/<app>.yaml
	tpl       *template.Template // custom/<app>.tpl; nil when missing or failing
	text      string             // its text
	readsAll  bool               // it hands all of .Values or .Values.argo on (readsWholeArgo)
	chart     map[string]any     // .Chart of the applications chart
	overwrite Tree               // postCustomTemplateOverwrite.<app>
	custom    Tree               // the rendered template
	final     Tree               // the application's values
}

// renderApp computes one application's values as the EMF application template does.
func renderApp(root fs.FS, app string, values Tree, notes *[]string) (*appRender, error) {
	base, err := optionalTree(root, emfAppsDir+"/configs/"+app+".yaml", notes)
	if err != nil {
		return nil, err
	}
	r := &appRender{name: app, base: base, chart: chartContext(root), custom: Tree{}}
	tplName := emfAppsDir + "/custom/" + app + ".tpl"
	text, err := fs.ReadFile(root, tplName)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		*notes = append(*notes, fmt.Sprintf("EMF: %s does not exist; %s uses configs/%s.yaml alone", tplName, app, app))
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", tplName, err)
	default:
		r.tpl, err = parseHelmTemplate(tplName, string(text))
		if err == nil {
			r.text, r.readsAll = string(text), readsWholeArgo(r.tpl)
			r.custom, err = r.render(helmNumbers(values).(Tree))
		}
		if err != nil {
			*notes = append(*notes, fmt.Sprintf("EMF: %v; %s uses configs/%s.yaml without the custom overlay (Argo CD would fail to sync it)", err, app, app))
			r.tpl, r.custom = nil, Tree{}
		}
	}
	r.overwrite, _ = lookupAny(values, "postCustomTemplateOverwrite", app).(Tree)
	r.final = r.merge(r.custom)
	return r, nil
}

// render renders the application's template with values (numbers already as Helm holds them).
func (r *appRender) render(values Tree) (Tree, error) {
	out, err := execHelmTemplate(r.tpl, renderContext{
		Values:  values,
		Release: map[string]any{"Name": "root-app", "Namespace": "argocd", "Service": "Helm"},
		Chart:   r.chart,
	})
	if err != nil {
		return nil, err
	}
	return parseTree(r.tpl.Name()+" (rendered)", []byte(out))
}

// merge computes the application's values from a rendered template.
func (r *appRender) merge(custom Tree) Tree {
	return mergeOverwrite(deepCopyTree(r.base), deepCopyTree(custom), deepCopyTree(r.overwrite))
}

// chartContext is the .Chart of the applications chart.
func chartContext(root fs.FS) map[string]any {
	if c, err := readTree(root, emfChart); err == nil {
		return map[string]any{"Name": c["name"], "Version": c["version"], "AppVersion": c["appVersion"]}
	}
	return map[string]any{"Name": "argocd-applications"}
}

func readTree(root fs.FS, name string) (Tree, error) {
	data, err := fs.ReadFile(root, name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return parseTree(name, data)
}

func optionalTree(root fs.FS, name string, notes *[]string) (Tree, error) {
	t, err := readTree(root, name)
	if errors.Is(err, fs.ErrNotExist) {
		*notes = append(*notes, "EMF: "+name+" does not exist; taken as empty")
		return Tree{}, nil
	}
	return t, err
}

func deepCopyTree(t Tree) Tree {
	if t == nil {
		return Tree{}
	}
	return deepCopy(t).(Tree)
}

// lookupAny is lookup without the presence flag.
func lookupAny(t Tree, p ...string) any {
	v, _ := lookup(t, p...)
	return v
}

// truthy reports whether v is true the way Helm templates see it: true, "true", a non-zero
// number or a non-empty string other than "false".
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return x != "" && x != "false"
	case int:
		return x != 0
	case float64:
		return x != 0
	}
	return false
}
