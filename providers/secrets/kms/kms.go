// Package kms is the secrets adapter over a cloud KMS key, reached through gocloud.dev/secrets
// (AWS KMS, GCP Cloud KMS, Azure Key Vault). It serves as keeper (the key never leaves the
// KMS) and, when database is configured, as store: each secret is sealed with AES-256-GCM
// under its own random data key, which the KMS key wraps; the table holds the name, version,
// wrapped key and sealed data. A customer with only a managed database and a KMS key needs no
// Vault.
//
// Ciphertext is bound to the configured key: AWS KMS encryptions carry the encryption context
// {"eim:key": <key>}, so ciphertext made under another key does not decrypt; GCP and Azure
// name the key in every decrypt call.
//
// Register name: kms. Capabilities: secrets.Keeper; with database also secrets.Write and
// secrets.List.
package kms

import (
	"context"
	"fmt"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
)

// Name is the name the adapter registers under.
const Name = "kms"

// Interface guards: the adapter's types implement the kind's driver interfaces.
var (
	_ secrets.StoreDriver  = (*store)(nil)
	_ secrets.Lister       = (*store)(nil)
	_ secrets.KeeperDriver = (*keeper)(nil)
	_ secrets.Conn         = (*conn)(nil)
)

func init() { provider.Register(secrets.Registry, Name, NewConfig, open) }

func open(ctx context.Context, cfg *Config, env secrets.Env) (secrets.Drivers, error) {
	need := env.Need
	k, err := openKeeper(ctx, cfg)
	if err != nil {
		return secrets.Drivers{}, err
	}
	c := &conn{keeper: k}
	d := secrets.Drivers{Conn: c, RefreshInterval: cfg.RefreshInterval.Std()}
	if need.Keeper {
		d.Keeper = k
	}
	if need.Store && cfg.Database != nil {
		st, err := openStore(cfg, k)
		if err != nil {
			_ = c.Close()
			return secrets.Drivers{}, err
		}
		c.store = st
		d.Store, d.Capabilities = st, provider.Capabilities{secrets.CapWrite, secrets.CapList}
	}
	env.Log().Debug("kms adapter opened", "provider", cfg.Provider, "store", d.Store != nil)
	return d, nil
}

// conn checks and closes the keeper and the store's database.
type conn struct {
	keeper *keeper
	store  *store
}

// CheckHealth pings the database (when there is a store) and encrypts a probe with the key.
func (c *conn) CheckHealth(ctx context.Context) error {
	if c.store != nil {
		if err := c.store.check(ctx); err != nil {
			return fmt.Errorf("database of the store: %w", err)
		}
	}
	if _, err := c.keeper.Encrypt(ctx, []byte("eim health probe")); err != nil {
		return fmt.Errorf("KMS key: %w", err)
	}
	return nil
}

// Close closes the database pool and the keeper.
func (c *conn) Close() error {
	var err error
	if c.store != nil {
		err = c.store.db.Close()
	}
	if kerr := c.keeper.close(); err == nil {
		err = kerr
	}
	return err
}
