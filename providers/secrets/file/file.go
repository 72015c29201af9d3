// Package file is a read-only secrets store over mounted secrets: the Kubernetes Secret volume
// layout, one directory per secret and one file per key.
//
// Path mapping: the secret named "a/b" is the directory <dir>/a/b; its keys are the regular
// files directly in it (symbolic links to files included), except names starting with '.'.
// A Kubernetes Secret mounted at <dir>/db/app therefore is the secret "db/app", and its key
// "password" the file <dir>/db/app/password; {secret: "db/app#password"} reads it.
//
// The kubelet updates a mounted Secret by writing a new timestamped directory and swapping the
// "..data" symbolic link atomically; key files are links through "..data". Get resolves
// "..data" once and reads every key from that one directory, so a read never mixes two
// revisions, and every Get reads the files anew: changes are seen at once, and watches see
// them within refreshInterval. The version is a hash of the keys and values.
//
// Register name: file. Capabilities: secrets.List. Put and Delete are Unimplemented.
package file

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
)

// Name is the name the adapter registers under.
const Name = "file"

// Config configures the file adapter.
type Config struct {
	// Dir is the absolute path of the directory holding one directory per secret (Kubernetes
	// Secret volumes mounted below it; required).
	Dir string `yaml:"dir" jsonschema:"required"`
	// RefreshInterval is how often watched secrets are re-read from the files.
	RefreshInterval provider.Duration `yaml:"refreshInterval"`
}

// NewConfig returns the defaults.
func NewConfig() *Config { return &Config{RefreshInterval: provider.Duration(10 * time.Second)} }

// Validate checks the configuration without I/O.
func (c *Config) Validate() error {
	var v provider.Validation
	v.Required("dir", c.Dir, "name the directory the secrets are mounted under, e.g. /etc/eim/secrets")
	v.Check(c.Dir == "" || filepath.IsAbs(c.Dir), "dir", "must be an absolute path", "e.g. /etc/eim/secrets")
	v.Check(c.RefreshInterval > 0, "refreshInterval", "must be positive", `e.g. "10s"`)
	return v.Err()
}

// Interface guards: the adapter's types implement the kind's driver interfaces.
var (
	_ secrets.StoreDriver = (*store)(nil)
	_ secrets.Conn        = (*store)(nil)
)

func init() { provider.Register(secrets.Registry, Name, NewConfig, open) }

func open(_ context.Context, cfg *Config, env secrets.Env) (secrets.Drivers, error) {
	need := env.Need
	s := &store{dir: filepath.Clean(cfg.Dir)}
	d := secrets.Drivers{Conn: s, RefreshInterval: cfg.RefreshInterval.Std()}
	if need.Store {
		d.Store, d.Capabilities = s, provider.Capabilities{secrets.CapList}
	}
	return d, nil
}

type store struct{ dir string }

// CheckHealth checks that the directory can be read.
func (s *store) CheckHealth(context.Context) error {
	if _, err := os.ReadDir(s.dir); err != nil {
		return provider.WithCode(fileCode(err), err)
	}
	return nil
}

// Close does nothing: there is nothing to release.
func (s *store) Close() error { return nil }

// Get reads every key of the secret's directory, through "..data" when present.
func (s *store) Get(_ context.Context, name string) (*secrets.Secret, error) {
	dir := filepath.Join(s.dir, filepath.FromSlash(name))
	if target, err := filepath.EvalSymlinks(filepath.Join(dir, "..data")); err == nil {
		dir = target
	}
	data, err := readKeys(dir)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, provider.Errorf(provider.NotFound, "no secret %q: %s holds no key file", name, dir)
	}
	return &secrets.Secret{Data: data, Version: versionOf(data)}, nil
}

func readKeys(dir string) (map[string][]byte, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscallNotDir) {
			return nil, nil
		}
		return nil, provider.WithCode(fileCode(err), err)
	}
	data := map[string][]byte{}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		fi, err := os.Stat(p) // follows the kubelet's links
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, provider.WithCode(fileCode(err), fmt.Errorf("read key %s: %w", e.Name(), err))
		}
		data[e.Name()] = b
	}
	return data, nil
}

func versionOf(data map[string][]byte) string {
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%d:%s%d:", len(k), k, len(data[k]))
		h.Write(data[k])
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// Put is not supported: mounted secrets are written by the platform.
func (s *store) Put(context.Context, string, map[string][]byte) (string, error) {
	return "", provider.Unsupported(secrets.CapWrite)
}

// Delete is not supported: mounted secrets are written by the platform.
func (s *store) Delete(context.Context, string) error { return provider.Unsupported(secrets.CapWrite) }

// List returns the secrets (directories holding at least one key file) whose names start with
// prefix.
func (s *store) List(_ context.Context, prefix string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == s.dir || !d.IsDir() {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, s.dir+string(filepath.Separator)))
		if !strings.HasPrefix(rel, prefix) && !strings.HasPrefix(prefix, rel+"/") {
			return filepath.SkipDir
		}
		if strings.HasPrefix(rel, prefix) && hasKeys(p) {
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		return nil, provider.WithCode(fileCode(err), err)
	}
	sort.Strings(out)
	return out, nil
}

func hasKeys(dir string) bool {
	if target, err := filepath.EvalSymlinks(filepath.Join(dir, "..data")); err == nil {
		dir = target
	}
	data, err := readKeys(dir)
	return err == nil && len(data) > 0
}

func fileCode(err error) provider.Code {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return provider.NotFound
	case errors.Is(err, fs.ErrPermission):
		return provider.PermissionDenied
	}
	return provider.Unavailable
}
