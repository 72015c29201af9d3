// Package vault is the secrets adapter for HashiCorp Vault and OpenBao (the same HTTP API):
// a store over a KV version 2 engine plus dynamic secrets engines (database credentials) with
// lease renewal, and a keeper over a transit key.
//
// Auth methods: a static token, a token file re-read when it changes, AppRole, Kubernetes
// (service account token file and role) and JWT (a JWT file and role). The token is renewed
// with renew-self at two thirds of its TTL; when renewal fails, no longer extends the token,
// or the token was revoked, the adapter logs in again (except with a static token, which
// cannot). A token the adapter obtained by logging in is revoked on Close.
//
// The VAULT_* environment variables are ignored: configuration comes from eim.yaml only.
//
// Register name: vault. Capabilities: secrets.Write, secrets.List, secrets.Leases, and
// secrets.Keeper when transit is configured. Store.As and Keeper.As accept **api.Client.
package vault

import (
	"context"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
)

// Name is the name the adapter registers under.
const Name = "vault"

// Interface guards: the adapter's types implement the kind's driver interfaces.
var (
	_ secrets.StoreDriver       = (*store)(nil)
	_ secrets.Lister            = (*store)(nil)
	_ secrets.LeaseRenewer      = (*store)(nil)
	_ secrets.LeaseLossNotifier = (*store)(nil)
	_ secrets.KeeperDriver      = (*keeper)(nil)
	_ secrets.Conn              = (*client)(nil)
)

func init() { provider.Register(secrets.Registry, Name, NewConfig, open) }

// open builds the client without contacting the server: the first call (or CheckHealth) logs
// in, so a server that is down at startup recovers.
func open(_ context.Context, cfg *Config, env secrets.Env) (secrets.Drivers, error) {
	need := env.Need
	cfg.SetDefaults()
	c, err := newClient(cfg, env.Log().With("kind", secrets.Kind, "adapter", Name))
	if err != nil {
		return secrets.Drivers{}, err
	}
	d := secrets.Drivers{Conn: c, RefreshInterval: cfg.RefreshInterval.Std()}
	if need.Store {
		d.Store = &store{c: c, mount: cfg.KV.Mount, dynamic: cfg.DynamicPrefixes}
		d.Capabilities = provider.Capabilities{secrets.CapWrite, secrets.CapList, secrets.CapLeases}
	}
	if need.Keeper && cfg.Transit != nil {
		d.Keeper = &keeper{c: c, mount: cfg.Transit.Mount, key: cfg.Transit.Key}
	}
	return d, nil
}
