// Package local is the embedded default secrets adapter: secrets encrypted with AES-256-GCM in
// files under the data directory (<dataDir>/secrets), and a keeper with a local key. The key is
// generated on first start and kept in <dir>/master.key, mode 0600; two subkeys are derived
// from it with HKDF-SHA256, one for the store and one for the keeper. Every file is written
// atomically (a temporary file, fsync, rename). It serves one process: it has no access control
// of its own beyond file permissions, and no lease.
//
// Register name: local. Capabilities: secrets.Write, secrets.List, secrets.Keeper.
package local

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
)

// Name is the name the adapter registers under.
const Name = "local"

// Interface guards: the adapter's types implement the kind's driver interfaces.
var (
	_ secrets.StoreDriver  = (*store)(nil)
	_ secrets.KeeperDriver = (*keeper)(nil)
	_ secrets.Conn         = (*conn)(nil)
)

func init() { provider.Register(secrets.Registry, Name, NewConfig, open) }

func open(_ context.Context, cfg *Config, env secrets.Env) (secrets.Drivers, error) {
	dir := cfg.Dir
	if dir == "" {
		if env.DataDir == "" {
			return secrets.Drivers{}, provider.Errorf(provider.FailedPrecondition, "no directory: set dataDir in eim.yaml or providers.secrets.config.dir")
		}
		dir = filepath.Join(env.DataDir, "secrets")
	}
	keys, err := loadKeys(dir, env)
	if err != nil {
		return secrets.Drivers{}, err
	}
	st := &store{dir: dir, key: keys.store}
	return secrets.Drivers{
		Store:           st,
		Keeper:          &keeper{key: keys.keeper},
		Conn:            conn{dir: dir},
		Capabilities:    provider.Capabilities{secrets.CapWrite, secrets.CapList},
		RefreshInterval: cfg.RefreshInterval.Std(),
	}, nil
}

// conn checks that the directory and the key are still there.
type conn struct{ dir string }

func (c conn) CheckHealth(context.Context) error {
	if _, err := readKeyFile(filepath.Join(c.dir, keyFile)); err != nil {
		return fmt.Errorf("key file: %w", err)
	}
	return nil
}

func (conn) Close() error { return nil }

var errNotFound = errors.New("no such secret")
