// Package importlint enforces DESIGN.md §3.1: services import providers/<kind> and
// providers/provider only, never an adapter package (providers/<kind>/<adapter>); the single
// exception is the blank-import file that picks the adapters, services/internal/bootstrap/adapters.go.
package importlint

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// Module is the module path whose adapter packages are checked.
const Module = "github.com/eim-byoi/eim"

// AdapterFile is the one file of services allowed to import adapters, and only blank.
const AdapterFile = "services/internal/bootstrap/adapters.go"

// Violation is one forbidden import.
type Violation struct {
	File   string
	Line   int
	Import string
	Why    string
}

// String formats the violation as file:line: import: why.
func (v Violation) String() string {
	return fmt.Sprintf("%s:%d: imports %s: %s", v.File, v.Line, v.Import, v.Why)
}

// portable lists the packages below a kind that are part of its portable API, not adapters:
// services may import them.
func portable() []string {
	return []string{
		"messaging/outbox", // the transactional outbox: append events in a storage transaction
	}
}

// IsAdapter reports whether an import path is an adapter package: providers/<kind>/<adapter>/...
// where kind is not "provider" and the package is not one of the kind's portable subpackages.
func IsAdapter(importPath string) bool {
	rest, ok := strings.CutPrefix(importPath, Module+"/providers/")
	if !ok {
		return false
	}
	parts := strings.Split(rest, "/")
	if len(parts) < 2 || parts[0] == "provider" {
		return false
	}
	for _, p := range portable() {
		if rest == p || strings.HasPrefix(rest, p+"/") {
			return false
		}
	}
	return true
}

// Check parses every .go file under services/ in fsys (the repository root) and returns the
// imports of adapter packages outside AdapterFile, and any non-blank adapter import in it.
func Check(fsys fs.FS) ([]Violation, error) {
	var out []Violation
	err := fs.WalkDir(fsys, "services", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".go" {
			return err
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		vs, err := checkFile(p, src)
		out = append(out, vs...)
		return err
	})
	return out, err
}

func checkFile(name string, src []byte) ([]Violation, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
	if err != nil {
		return nil, err
	}
	var out []Violation
	for _, imp := range f.Imports {
		ip, err := strconv.Unquote(imp.Path.Value)
		if err != nil || !IsAdapter(ip) {
			continue
		}
		line := fset.Position(imp.Pos()).Line
		switch {
		case name != AdapterFile:
			out = append(out, Violation{name, line, ip, "services import providers/<kind> only; adapters are picked in " + AdapterFile})
		case imp.Name == nil || imp.Name.Name != "_":
			out = append(out, Violation{name, line, ip, "adapters are imported blank (_) so that only their init registers them"})
		}
	}
	return out, nil
}
