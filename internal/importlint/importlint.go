// Package importlint enforces the import rules of DESIGN.md §3.1 and of the module layout:
//
//   - Services import providers/provider, providers/kinds, providers/<kind> and its portable
//     subpackages only, never an adapter package (providers/<kind>/<adapter>) nor a helper the
//     adapters share; the single exception is the blank-import file that picks the adapters,
//     services/internal/bootstrap/adapters.go.
//   - The code below providers/ that is not an adapter (providers/provider, providers/kinds, each
//     providers/<kind>, its portable subpackages and its helpers) never imports an adapter
//     package, in its non-test files: adapters register themselves and are chosen by
//     configuration, so the portable layer works with any of them.
//   - A module (services/<module>) never imports another module's internal packages (an
//     internal element at any depth below services/<other>/), in any file. Go's own rule rejects
//     most of these at build time too; the lint names the rule and the fix, and checks files
//     the build skips. The services/internal tree (bootstrap, the composition root, and the
//     internals every module shares) belongs to no module: it may import every module's
//     exported packages, and every module may import it.
package importlint

import (
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"slices"
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

// Role is what a package below providers/ is to the rules.
type Role int

// The roles, from the most widely importable to the least.
const (
	// NotProvider is a package outside providers/.
	NotProvider Role = iota
	// Shared is providers/provider or providers/kinds: the vocabulary every kind shares and the
	// kind table.
	Shared
	// Portable is a kind's portable API: providers/<kind> and its portable subpackages
	// (messaging/outbox).
	Portable
	// Helper is code a kind's adapters share that is no adapter itself: providers/<kind>/internal/...
	// and the packages helpers lists (storage/remote).
	Helper
	// Adapter is an adapter package, providers/<kind>/<adapter>, or a package below it.
	Adapter
)

// String names the role.
func (r Role) String() string {
	switch r {
	case Shared:
		return "shared"
	case Portable:
		return "portable"
	case Helper:
		return "helper"
	case Adapter:
		return "adapter"
	default:
		return "not a provider"
	}
}

// portable lists the packages below a kind that are part of its portable API, not adapters:
// services may import them.
func portable() []string {
	return []string{
		"messaging/outbox", // the transactional outbox: append events in a storage transaction
	}
}

// helpers lists the packages below a kind, outside its internal/ tree, that its adapters share
// and that are not adapters themselves: services may not import them, and they may not import
// an adapter.
func helpers() []string {
	return []string{
		"storage/remote", // the configuration and credentials of the network database adapters
	}
}

// Classify returns the role of the package at importPath.
func Classify(importPath string) Role {
	rest, ok := strings.CutPrefix(importPath, Module+"/providers/")
	if !ok {
		return NotProvider
	}
	parts := strings.Split(rest, "/")
	switch {
	case parts[0] == "provider" || parts[0] == "kinds":
		return Shared
	case len(parts) == 1:
		return Portable
	case parts[1] == "internal":
		return Helper
	case below(rest, portable()):
		return Portable
	case below(rest, helpers()):
		return Helper
	}
	return Adapter
}

// below reports whether rel is one of dirs or below one of them.
func below(rel string, dirs []string) bool {
	for _, d := range dirs {
		if rel == d || strings.HasPrefix(rel, d+"/") {
			return true
		}
	}
	return false
}

// IsAdapter reports whether an import path is an adapter package: providers/<kind>/<adapter>/...
// where kind is not "provider" or "kinds" and the package is neither one of the kind's portable
// subpackages nor a helper of its adapters.
func IsAdapter(importPath string) bool {
	return Classify(importPath) == Adapter
}

// Check parses every .go file under providers/ and services/ in fsys (the repository root) and
// returns the imports that break the rules of the package documentation. Directories the Go
// tool ignores (testdata, names starting with "." or "_") are skipped, and so is a root that
// fsys lacks.
func Check(fsys fs.FS) ([]Violation, error) {
	var out []Violation
	for _, root := range []string{"providers", "services"} {
		if _, err := fs.Stat(fsys, root); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != root && ignoredDir(d.Name()) {
					return fs.SkipDir
				}
				return nil
			}
			if path.Ext(p) != ".go" {
				return nil
			}
			src, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			vs, err := checkFile(p, src)
			out = append(out, vs...)
			return err
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func ignoredDir(name string) bool {
	return name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
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
		if err != nil {
			continue
		}
		blank := imp.Name != nil && imp.Name.Name == "_"
		if why := forbidden(name, ip, blank); why != "" {
			out = append(out, Violation{name, fset.Position(imp.Pos()).Line, ip, why})
		}
	}
	return out, nil
}

// forbidden returns why the file name (a path from the repository root) may not import ip, or
// "" when it may.
func forbidden(name, ip string, blank bool) string {
	dir := path.Dir(name)
	role := Classify(ip)
	switch top := strings.SplitN(dir, "/", 2)[0]; top {
	case "services":
		switch {
		case role == Helper:
			return "services import providers/<kind> only; this package is shared by the adapters of its kind, not part of its portable API"
		case role == Adapter && strings.HasSuffix(name, "_test.go"):
			// A test (an example) opens the concrete backend it runs on.
		case role == Adapter && name != AdapterFile:
			return "services import providers/<kind> only; adapters are picked in " + AdapterFile
		case role == Adapter && !blank:
			return "adapters are imported blank (_) so that only their init registers them"
		}
		if m, o := module(dir), module(ip); m != "" && o != "" && o != m && hasInternal(ip) {
			return "a module never imports another module's internals (services/" + o + "); use what services/" + o +
				" exports, or let services/internal/bootstrap wire the two"
		}
	case "providers":
		if role == Adapter && !strings.HasSuffix(name, "_test.go") && Classify(Module+"/"+dir) != Adapter {
			return "providers/provider, providers/kinds and a kind's portable and helper packages never import an adapter: " +
				"adapters register themselves and only " + AdapterFile + " picks them"
		}
	}
	return ""
}

// module returns the module that the package at p (an import path, or a directory from the
// repository root) belongs to: <module> for services/<module>/..., "" for anything else,
// services/internal/... included.
func module(p string) string {
	rest, ok := strings.CutPrefix(p, Module+"/")
	if ok {
		p = rest
	}
	parts := strings.Split(p, "/")
	if len(parts) < 2 || parts[0] != "services" || parts[1] == "internal" {
		return ""
	}
	return parts[1]
}

// hasInternal reports whether an import path has an internal element.
func hasInternal(importPath string) bool {
	return slices.Contains(strings.Split(importPath, "/"), "internal")
}
