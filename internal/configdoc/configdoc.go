// Package configdoc turns the doc comments of the configuration types into the descriptions of
// `eim config schema` and of the configuration tables in docs/providers: the comment a
// developer writes on a field is the one source of its description (DESIGN.md §3.1, §4).
//
// Generate walks the configuration types reflectively — the top-level type and the
// configuration of every adapter of every registry, with every struct they reach: nested and
// optional blocks, list items and inline (embedded) types such as identity.Policy,
// storage/remote.Common and provider.TLS — reads the doc comments of their fields from the
// module's source with go/parser, and renders them as a Go file holding a map keyed the way
// jsonschema.Reflector.CommentMap expects: "<package path>.<type>.<field>". The binary reads
// that generated map, never the source.
//
// A field's doc comment starts with the field's name (Go convention); the description is the
// whole comment on one line without that name, without a following "is" or "are", and without
// the final period: "Timeout bounds one request." describes timeout as "bounds one request",
// "Address is the server's URL." as "the server's URL". A configuration field without a doc
// comment, or whose comment does not start with its name, is an error naming the field.
package configdoc

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/eim-byoi/eim/providers/provider"
)

// Roots returns the configuration types to document: top (the whole configuration file) and
// the configuration type of every adapter of every source, in the sources' order.
func Roots(top reflect.Type, sources []provider.ConfigSource) ([]reflect.Type, error) {
	roots := []reflect.Type{top}
	for _, src := range sources {
		for _, name := range src.Names() {
			cfg, err := src.NewConfig(name)
			if err != nil {
				return nil, fmt.Errorf("%s adapter %s: configuration: %w", src.Kind(), name, err)
			}
			roots = append(roots, reflect.TypeOf(cfg))
		}
	}
	return roots, nil
}

// Generate returns the Go source of the descriptions file of package pkg: a function named
// fn returning the description of every field of the configuration types reachable from
// roots (see Descriptions). dir is a directory inside the module whose source holds the
// types (the module root is found above it).
func Generate(pkg, fn, dir string, roots []reflect.Type) ([]byte, error) {
	d, err := Descriptions(dir, roots)
	if err != nil {
		return nil, err
	}
	return Source(pkg, fn, d)
}

// Descriptions returns the description of every configuration field reachable from roots,
// keyed "<package path>.<type>.<field>", read from the doc comments in the source of the
// module that holds dir. Types outside that module are not entered. The error lists every
// field without a usable doc comment.
func Descriptions(dir string, roots []reflect.Type) (map[string]string, error) {
	root, module, err := findModule(dir)
	if err != nil {
		return nil, err
	}
	types := reachable(roots, module)
	byPkg := map[string][]reflect.Type{}
	for _, t := range types {
		byPkg[t.PkgPath()] = append(byPkg[t.PkgPath()], t)
	}
	out := map[string]string{}
	var problems []string
	for _, pkg := range slices.Sorted(maps.Keys(byPkg)) {
		specs, err := parseStructs(filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(pkg, module))))
		if err != nil {
			return nil, fmt.Errorf("configuration types of %s: %w", pkg, err)
		}
		for _, t := range byPkg[pkg] {
			st, ok := specs[t.Name()]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s.%s: no struct type of that name in the package's source", pkg, t.Name()))
				continue
			}
			for _, f := range documentedFields(t) {
				key := pkg + "." + t.Name() + "." + f.Name
				desc, err := Describe(f.Name, commentOf(st, f.Name))
				if err != nil {
					problems = append(problems, key+": "+err.Error())
					continue
				}
				out[key] = desc
			}
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, errors.New("configuration fields without a usable doc comment (every field says what it means, its unit and its default):\n\t" +
			strings.Join(problems, "\n\t"))
	}
	return out, nil
}

// Describe returns the description of field from its doc comment: the comment on one line,
// without the leading field name, a following "is" or "are", and the final period. It fails
// when the comment is empty or does not start with the field name.
func Describe(field, comment string) (string, error) {
	text := strings.Join(strings.Fields(comment), " ")
	if text == "" {
		return "", errors.New("no doc comment: write one starting with " + strconv.Quote(field+" "))
	}
	rest, ok := strings.CutPrefix(text, field+" ")
	if !ok {
		return "", fmt.Errorf("the doc comment must start with the field name, e.g. %q, not %q", field+" is ...", firstWords(text, 3)+" ...")
	}
	if w, _, _ := strings.Cut(rest, " "); slices.Contains(notVerbs(), w) {
		return "", fmt.Errorf("the doc comment must continue the field name with a verb, e.g. %q, not %q", field+" is ...", firstWords(text, 3)+" ...")
	}
	for _, verb := range []string{"is ", "are "} {
		if r, ok := strings.CutPrefix(rest, verb); ok {
			rest = r
			break
		}
	}
	rest = strings.TrimSuffix(rest, ".")
	if rest == "" {
		return "", errors.New("the doc comment says nothing beyond the field name")
	}
	return rest, nil
}

// Source renders descriptions as a gofmt-ed Go file of package pkg with one function, fn,
// returning them.
func Source(pkg, fn string, descriptions map[string]string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, `// Code generated by internal/configdoc/gen from the doc comments of the configuration types. DO NOT EDIT.

package %s

// %s returns the description of every configuration field, keyed
// "<package path>.<type>.<field>" as jsonschema.Reflector's CommentMap expects: the field's
// doc comment without its leading name. Regenerate with go generate ./services/config.
func %s() map[string]string {
	return map[string]string{
`, pkg, fn, fn)
	for _, k := range slices.Sorted(maps.Keys(descriptions)) {
		fmt.Fprintf(&b, "\t\t%s: %s,\n", strconv.Quote(k), strconv.Quote(descriptions[k]))
	}
	b.WriteString("\t}\n}\n")
	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("format the generated source: %w", err)
	}
	return out, nil
}

// PackageDir returns the source directory of the package pkg of the module that holds dir.
func PackageDir(dir, pkg string) (string, error) {
	root, module, err := findModule(dir)
	if err != nil {
		return "", err
	}
	if !inModule(pkg, module) {
		return "", fmt.Errorf("package %s is not in module %s", pkg, module)
	}
	return filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(pkg, module))), nil
}

// reachable returns the struct types of module reachable from roots through fields, pointers,
// slices, arrays and maps, each once, in the order they are found.
func reachable(roots []reflect.Type, module string) []reflect.Type {
	var out []reflect.Type
	seen := map[reflect.Type]bool{}
	var visit func(reflect.Type)
	visit = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] || !inModule(t.PkgPath(), module) || t.Name() == "" {
			return
		}
		seen[t] = true
		out = append(out, t)
		for i := range t.NumField() {
			f := t.Field(i)
			if f.IsExported() && yamlName(f) != "-" {
				visit(f.Type)
			}
		}
	}
	for _, t := range roots {
		visit(t)
	}
	return out
}

// documentedFields returns the fields of t that are configuration keys: exported, not
// skipped by yaml ("-"), and not inline (an inline type's own fields are its keys).
func documentedFields(t reflect.Type) []reflect.StructField {
	var out []reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || yamlName(f) == "-" || (f.Anonymous && isInline(f)) {
			continue
		}
		out = append(out, f)
	}
	return out
}

func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return name
}

func isInline(f reflect.StructField) bool {
	_, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return slices.Contains(strings.Split(opts, ","), "inline")
}

func inModule(pkg, module string) bool {
	return pkg == module || strings.HasPrefix(pkg, module+"/")
}

// parseStructs parses the non-test Go files of dir and returns its struct types by name.
func parseStructs(dir string) (map[string]*ast.StructType, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	out := map[string]*ast.StructType{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if ts, ok := n.(*ast.TypeSpec); ok {
				if st, ok := ts.Type.(*ast.StructType); ok {
					out[ts.Name.Name] = st
				}
			}
			return true
		})
	}
	return out, nil
}

// commentOf returns the doc comment of the field named name (its line comment when it has no
// doc comment), or "".
func commentOf(st *ast.StructType, name string) string {
	for _, f := range st.Fields.List {
		for _, n := range f.Names {
			if n.Name != name {
				continue
			}
			if txt := f.Doc.Text(); txt != "" {
				return txt
			}
			return f.Comment.Text()
		}
	}
	return ""
}

// findModule returns the root directory of the module holding dir and the module's path.
func findModule(dir string) (root, module string, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", "", fmt.Errorf("find the module of %s: %w", dir, err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
					return d, strings.Trim(strings.TrimSpace(rest), `"`), nil
				}
			}
			return "", "", fmt.Errorf("%s has no module line", filepath.Join(d, "go.mod"))
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", "", fmt.Errorf("find the module of %s: %w", dir, err)
		}
		if filepath.Dir(d) == d {
			return "", "", fmt.Errorf("no go.mod in %s or above it", abs)
		}
	}
}

// notVerbs are words that cannot follow the field name in a comment whose description is the
// rest of the sentence ("Host and Port of the primary", "Region of the instance").
func notVerbs() []string {
	return []string{"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"}
}

func firstWords(s string, n int) string {
	w := strings.Fields(s)
	return strings.Join(w[:min(n, len(w))], " ")
}
