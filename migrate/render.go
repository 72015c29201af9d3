package migrate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"go.yaml.in/yaml/v3"
)

// renderContext is the top-level object a Helm template sees: .Values, .Release and .Chart.
type renderContext struct {
	Values  Tree
	Release map[string]any
	Chart   map[string]any
}

// renderTemplate renders a Helm values template (an EMF custom/<app>.tpl) the way Helm does:
// Go text/template with the sprig functions Helm ships (without env and expandenv), Helm's
// own toYaml/fromYaml/toJson/fromJson/tpl/include/required/lookup, missing keys rendered as
// empty, and values whose numbers are float64 as Helm's JSON-based values loading leaves them.
func renderTemplate(name, text string, ctx renderContext) (string, error) {
	t, err := parseHelmTemplate(name, text)
	if err != nil {
		return "", err
	}
	return execHelmTemplate(t, ctx)
}

// parseHelmTemplate parses a Helm values template with Helm's functions.
func parseHelmTemplate(name, text string) (*template.Template, error) {
	t := template.New(name).Option("missingkey=zero")
	t.Funcs(helmFuncs(t))
	if _, err := t.Parse(text); err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	return t, nil
}

// execHelmTemplate renders a parsed template with ctx; it may run many times.
func execHelmTemplate(t *template.Template, ctx renderContext) (string, error) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, ctx); err != nil {
		return "", fmt.Errorf("render %s: %w", t.Name(), err)
	}
	return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
}

// helmFuncs returns the template functions Helm provides, bound to t for tpl and include.
func helmFuncs(t *template.Template) template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	f["toYaml"] = toYAML
	f["fromYaml"] = fromYAML
	f["fromYamlArray"] = fromYAMLArray
	f["toJson"] = toJSON
	f["fromJson"] = fromJSON
	f["required"] = required
	f["lookup"] = func(...any) map[string]any { return map[string]any{} }
	f["include"] = func(name string, data any) (string, error) {
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	f["tpl"] = func(text string, data any) (string, error) {
		clone, err := t.Clone()
		if err != nil {
			return "", err
		}
		inner, err := clone.New(t.Name() + "/tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		if err := inner.Execute(&buf, data); err != nil {
			return "", err
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	return f
}

func toYAML(v any) string {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func fromYAML(s string) map[string]any {
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromYAMLArray(s string) []any {
	var a []any
	if err := yaml.Unmarshal([]byte(s), &a); err != nil {
		return []any{err.Error()}
	}
	return a
}

func toJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func fromJSON(s string) map[string]any {
	m := map[string]any{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func required(msg string, v any) (any, error) {
	if v == nil {
		return nil, fmt.Errorf("%s", msg)
	}
	if s, ok := v.(string); ok && s == "" {
		return nil, fmt.Errorf("%s", msg)
	}
	return v, nil
}

// helmNumbers returns a copy of v with every integer turned into a float64, as Helm's values
// (loaded through JSON) hold them; templates print 200 as "200" and 1000000 as "1e+06".
func helmNumbers(v any) any {
	switch x := v.(type) {
	case Tree:
		out := make(Tree, len(x))
		for k, e := range x {
			out[k] = helmNumbers(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = helmNumbers(e)
		}
		return out
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	}
	return v
}

// mergeOverwrite is sprig's mergeOverwrite, which the EMF application templates use to
// combine configs/<app>.yaml, the rendered custom/<app>.tpl and postCustomTemplateOverwrite:
// maps merge deeply and later values win. Calling sprig's own function keeps every corner of
// its behaviour (mergo's) exactly as EMF gets it.
func mergeOverwrite(dst Tree, srcs ...Tree) Tree {
	fn, ok := sprig.TxtFuncMap()["mergeOverwrite"].(func(map[string]any, ...map[string]any) any)
	if !ok {
		out := dst
		for _, s := range srcs {
			out = merge(out, s)
		}
		return out
	}
	args := make([]map[string]any, len(srcs))
	for i, s := range srcs {
		args[i] = s
	}
	out, _ := normalize(fn(dst, args...)).(Tree)
	return out
}
