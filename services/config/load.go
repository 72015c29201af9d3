package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/eim-byoi/eim/internal/strictyaml"
	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/provider"
)

// EnvPrefix starts every environment variable that overrides a configuration key.
const EnvPrefix = "EIM_"

// envNotConfig lists variables with the prefix that are not configuration keys and so are not
// reported as unknown: EIM_CONFIG names the file, EIM_TEST_* belong to the test bed.
var envNotConfig = []string{"EIM_CONFIG", "EIM_TEST_"}

// Problems is the error Load returns: every problem in the document, each with its path and,
// where it has one, its line.
type Problems = strictyaml.Problems

// Problem is one entry of Problems.
type Problem = strictyaml.Problem

// Options tells Load where the document came from and what the binary has built in.
type Options struct {
	// File names the document in messages; empty for the embedded defaults.
	File string
	// Environ is the environment as KEY=VALUE strings (os.Environ()); EIM_* entries override
	// configuration keys.
	Environ []string
	// Sources holds one adapter registry per provider kind, matched by Kind(); a kind without
	// one has no adapters in this binary.
	Sources []provider.ConfigSource
	// AllowPlaceholders accepts NEEDS-INPUT placeholders (a draft, as `eim config validate
	// --allow-placeholders` checks one): they are listed in Config.Placeholders instead of being
	// problems. eim serve never sets it.
	AllowPlaceholders bool
}

// Limits on a configuration document, so that a hostile or mistaken file fails at once with
// a clear problem. The decoder's own limits (strictyaml.DefaultLimits) bound what aliases and
// merge keys may expand to, and list at most 100 problems.
const (
	// MaxFileSize is the largest configuration document read, in bytes: 256 KiB, where an
	// eim.yaml is a few KiB (credentials and certificates are files, named by reference).
	MaxFileSize = 256 << 10
	// MaxNodes is the largest number of YAML nodes (keys, values, list items) a document may
	// hold, aliases not expanded.
	MaxNodes = 20_000
)

// LoadFile reads and loads the file at path, reading at most MaxFileSize bytes (a larger file
// is a problem).
func LoadFile(path string, opts Options) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	if opts.File == "" {
		opts.File = path
	}
	return Load(data, opts)
}

// Load decodes data (which may be empty: then only defaults and the environment apply) over the
// defaults, decodes each provider block into its adapter's typed configuration, and validates
// the result. The error, when not nil, is *Problems listing everything wrong at once; the
// returned Config is then incomplete and must not be used.
func Load(data []byte, opts Options) (*Config, error) {
	ps := &Problems{File: opts.File}
	if len(data) > MaxFileSize {
		ps.List = append(ps.List, Problem{Message: fmt.Sprintf("the document is larger than %d KiB, the most eim reads", MaxFileSize>>10),
			Fix: "check that this is the configuration file: an eim.yaml is a few KiB, and credentials and certificates are files named by {file: PATH}"})
		return nil, ps
	}
	root, err := parse(data)
	if err != nil {
		ps.List = append(ps.List, syntaxProblem(err))
		return nil, ps
	}
	if n := nodeBeyond(root, MaxNodes); n != nil {
		ps.List = append(ps.List, Problem{Line: n.Line, Column: n.Column,
			Message: fmt.Sprintf("the document has more than %d YAML nodes, the most eim reads", MaxNodes),
			Fix:     "check that this is the configuration file: an eim.yaml has a few hundred"})
		return nil, ps
	}
	env := environ(opts.Environ)
	d := strictyaml.NewDecoder(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, EnvPrefix)
	cfg := Default()
	d.Decode(root, "", cfg)
	if !d.Stopped() { // a limit stopped decoding: the rest would only add noise
		decodeProviders(d, cfg, opts.Sources)
		reportUnusedEnv(d, env)
		if verr := cfg.Validate(); verr != nil {
			addValidation(d, verr)
		}
	}
	ps.List, ps.Omitted = d.Problems(), d.Omitted()
	if !d.Stopped() {
		cfg.Placeholders = findPlaceholders(root, d)
		ps.List = placeholderProblems(ps.List, cfg.Placeholders, opts.AllowPlaceholders)
	}
	if len(ps.List) > 0 {
		ps.Sort()
		return cfg, ps
	}
	return cfg, nil
}

func parse(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, fmt.Errorf("yaml: line %d: a second document starts here; eim.yaml holds one document", extra.Line)
	}
	return &root, nil
}

// nodeBeyond returns the node past the first max of the tree under root (aliases not
// followed), or nil when it has no more.
func nodeBeyond(root *yaml.Node, limit int) *yaml.Node {
	count := 0
	var walk func(n *yaml.Node) *yaml.Node
	walk = func(n *yaml.Node) *yaml.Node {
		if count++; count > limit {
			return n
		}
		for _, c := range n.Content {
			if found := walk(c); found != nil {
				return found
			}
		}
		return nil
	}
	if root == nil {
		return nil
	}
	return walk(root)
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

func syntaxProblem(err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	p := Problem{Message: msg, Fix: "correct the YAML syntax"}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		p.Message = strings.TrimPrefix(err.Error(), m[0])
	}
	if len(p.Message) > 512 { // the parser may quote the document
		p.Message = strings.ToValidUTF8(p.Message[:512], "") + "…"
	}
	return p
}

func environ(kv []string) map[string]string {
	env := map[string]string{}
	for _, e := range kv {
		if k, v, ok := strings.Cut(e, "="); ok && strings.HasPrefix(k, EnvPrefix) {
			env[k] = v
		}
	}
	return env
}

func decodeProviders(d *strictyaml.Decoder, cfg *Config, sources []provider.ConfigSource) {
	for _, k := range kinds.All() {
		for _, b := range cfg.Providers.Blocks(k) {
			decodeBlock(d, cfg, k, b, sourceFor(sources, k.Name))
		}
	}
}

// decodeBlock decodes b's config into the typed configuration of its adapter and moves any
// deprecated key to its replacement, noting it.
func decodeBlock(d *strictyaml.Decoder, cfg *Config, k kinds.Kind, b kinds.Block, src provider.ConfigSource) {
	env := b.Envelope
	if src == nil {
		d.Add(Problem{Path: b.Path + ".type", Message: fmt.Sprintf("unknown %s type %q: no %s adapter is built into this binary", k.Name, env.Type, k.Name),
			Fix: "remove the block to use the embedded default, or use a build that includes the adapter"})
		return
	}
	settings, err := src.NewConfig(env.Type)
	if err != nil {
		d.Add(Problem{Path: b.Path + ".type", Message: err.Error(), Fix: "use one of: " + strings.Join(src.Names(), ", ")})
		return
	}
	d.Decode(&env.Config, b.Path+".config", settings)
	env.Settings = settings
	cfg.Deprecations = append(cfg.Deprecations, provider.Upgrade(settings, b.Path+".config")...)
}

func sourceFor(sources []provider.ConfigSource, kind string) provider.ConfigSource {
	for _, s := range sources {
		if s.Kind() == kind {
			return s
		}
	}
	return nil
}

func reportUnusedEnv(d *strictyaml.Decoder, env map[string]string) {
	for _, name := range slices.Sorted(maps.Keys(env)) {
		if d.UsedEnv(name) || isNotConfig(name) {
			continue
		}
		d.Add(Problem{Message: "environment variable " + name + " matches no configuration key",
			Fix: "check its spelling: EIM_ then the key path upper-cased with _ between keys, e.g. EIM_LISTEN_HTTP"})
	}
}

func isNotConfig(name string) bool {
	for _, n := range envNotConfig {
		if name == n || (strings.HasSuffix(n, "_") && strings.HasPrefix(name, n)) {
			return true
		}
	}
	return false
}

func addValidation(d *strictyaml.Decoder, err error) {
	var ve provider.ValidationError
	if !errors.As(err, &ve) {
		d.Add(Problem{Message: err.Error()})
		return
	}
	for _, fe := range ve {
		d.Add(Problem{Path: fe.Field, Message: fe.Problem, Fix: fe.Fix})
	}
}
