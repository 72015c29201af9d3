package module

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/eim-byoi/eim/providers/provider"
)

// The EIM modules.
const (
	Inventory   = "inventory"
	API         = "api"
	Onboarding  = "onboarding"
	HostMgr     = "hostmgr"
	Maintenance = "maintenance"
	OSResource  = "osresource"
	Tenant      = "tenant"
	OOB         = "oob"
)

// Descriptor declares one module: which modules it requires in the same process and which
// provider kinds and capabilities it needs.
type Descriptor struct {
	Name     string
	Requires []string                         // modules started before it, in the same process
	Uses     []string                         // provider kinds: identity, secrets, storage, messaging
	Needs    map[string][]provider.Capability // optional capabilities, by provider kind
	// Southbound marks a module serving the edge-node agents on the southbound listener.
	Southbound bool
}

// Graph is a validated set of module descriptors and named profiles.
type Graph struct {
	modules  []Descriptor
	byName   map[string]Descriptor
	profiles map[string][]string
}

// NewGraph validates the descriptors (unique names, known requirements, no cycles) and the
// profiles (known modules, closed under Requires).
func NewGraph(mods []Descriptor, profiles map[string][]string) (*Graph, error) {
	g := &Graph{modules: mods, byName: map[string]Descriptor{}, profiles: profiles}
	for _, m := range mods {
		if _, dup := g.byName[m.Name]; dup {
			return nil, fmt.Errorf("module %q declared twice", m.Name)
		}
		g.byName[m.Name] = m
	}
	for _, m := range mods {
		for _, r := range m.Requires {
			if _, ok := g.byName[r]; !ok {
				return nil, fmt.Errorf("module %q requires unknown module %q", m.Name, r)
			}
		}
	}
	if _, err := g.order(g.names()); err != nil {
		return nil, err
	}
	for p, list := range profiles {
		if p == "all" {
			return nil, fmt.Errorf(`profile "all" is reserved`)
		}
		if err := g.checkClosed(list); err != nil {
			return nil, fmt.Errorf("profile %q: %w", p, err)
		}
	}
	return g, nil
}

// Modules returns every declared module in declaration order.
func (g *Graph) Modules() []Descriptor { return slices.Clone(g.modules) }

// Profiles returns the profile names, sorted.
func (g *Graph) Profiles() []string {
	names := make([]string, 0, len(g.profiles))
	for p := range g.profiles {
		names = append(names, p)
	}
	sort.Strings(names)
	return names
}

// Profile returns the modules of profile name.
func (g *Graph) Profile(name string) ([]string, bool) {
	list, ok := g.profiles[name]
	return slices.Clone(list), ok
}

// Resolve turns a target ("all", profile names and module names, comma separated; a profile
// wins over a module of the same name, as onboarding, unless the module is named with
// ModulePrefix) into the
// modules to start, dependencies first. built reports whether this binary has a module's
// implementation: "all" means every built module; anything else naming a module that is not
// built, is unknown, or lacks a required module is an InvalidArgument error saying how to fix
// the target.
func (g *Graph) Resolve(target string, built func(string) bool, opts ...ResolveOption) ([]Descriptor, error) {
	var ro resolveOptions
	for _, o := range opts {
		o(&ro)
	}
	var want []string
	for _, tok := range strings.Split(target, ",") {
		tok = strings.TrimSpace(tok)
		mods, err := g.expand(tok, built)
		if err != nil {
			return nil, err
		}
		for _, m := range mods {
			if !slices.Contains(want, m) {
				want = append(want, m)
			}
		}
	}
	for _, m := range want {
		if !built(m) {
			return nil, provider.Errorf(provider.InvalidArgument, "module %q is declared but not built into this binary", m)
		}
	}
	if err := g.checkClosed(append(slices.Clone(want), ro.remote...)); err != nil {
		return nil, provider.WithCode(provider.InvalidArgument, fmt.Errorf("target %q: %w", target, err))
	}
	return g.order(want)
}

// ResolveOption tunes Resolve.
type ResolveOption func(*resolveOptions)

type resolveOptions struct{ remote []string }

// Remote declares modules that run in another process and are reached over the network (the
// inventory of a split deployment, at inventory.address): modules requiring them resolve
// without them in the target.
func Remote(modules ...string) ResolveOption {
	return func(o *resolveOptions) { o.remote = append(o.remote, modules...) }
}

// ModulePrefix names one module where a profile of the same name would win: the target
// "module:onboarding" is the onboarding module alone (a split deployment's onboarding process),
// "onboarding" the onboarding profile.
const ModulePrefix = "module:"

func (g *Graph) expand(tok string, built func(string) bool) ([]string, error) {
	if name, ok := strings.CutPrefix(tok, ModulePrefix); ok {
		if _, known := g.byName[name]; known {
			return []string{name}, nil
		}
	}
	switch {
	case tok == "all":
		var out []string
		for _, m := range g.modules {
			if built(m.Name) {
				out = append(out, m.Name)
			}
		}
		return out, nil
	case g.profiles[tok] != nil:
		return g.profiles[tok], nil
	}
	if _, ok := g.byName[tok]; ok {
		return []string{tok}, nil
	}
	return nil, provider.Errorf(provider.InvalidArgument, "unknown target %q: use all, a profile (%s) or modules (%s)",
		tok, strings.Join(g.Profiles(), ", "), strings.Join(g.names(), ", "))
}

// checkClosed reports the first module of list whose required module is not in list.
func (g *Graph) checkClosed(list []string) error {
	for _, name := range list {
		m, ok := g.byName[name]
		if !ok {
			return fmt.Errorf("unknown module %q", name)
		}
		for _, r := range m.Requires {
			if !slices.Contains(list, r) {
				return fmt.Errorf("module %s requires module %s in the same process: add it (e.g. --target=%s)%s",
					name, r, strings.Join(append(slices.Clone(list), r), ","), remoteHint(r))
			}
		}
	}
	return nil
}

// remoteHint says how to reach a module in another process instead, for those that can be.
func remoteHint(module string) string {
	if module == Inventory {
		return ", or set inventory.address to reach the inventory of another process"
	}
	return ""
}

// order sorts names topologically by Requires, keeping declaration order among equals; a
// required module outside names (a remote one) is not added.
func (g *Graph) order(names []string) ([]Descriptor, error) {
	var out []Descriptor
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(string, []string) error
	visit = func(n string, stack []string) error {
		switch state[n] {
		case 1:
			return fmt.Errorf("module dependency cycle: %s", strings.Join(append(stack, n), " -> "))
		case 2:
			return nil
		}
		state[n] = 1
		for _, r := range g.byName[n].Requires {
			if !slices.Contains(names, r) {
				continue // remote (Resolve checked that names is closed but for the remote modules)
			}
			if err := visit(r, append(stack, n)); err != nil {
				return err
			}
		}
		state[n] = 2
		out = append(out, g.byName[n])
		return nil
	}
	for _, m := range g.modules {
		if slices.Contains(names, m.Name) {
			if err := visit(m.Name, nil); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (g *Graph) names() []string {
	out := make([]string, len(g.modules))
	for i, m := range g.modules {
		out[i] = m.Name
	}
	return out
}
