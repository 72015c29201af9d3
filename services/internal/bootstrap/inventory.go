package bootstrap

import (
	"context"
	"fmt"
	"net"
	"slices"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/services/onboarding"
	"github.com/eim-byoi/eim/services/tenant"
)

// SchemasOf returns the database schemas of the modules mods: the tables `eim serve` migrates
// for a target.
func SchemasOf(mods []module.Descriptor) []storage.Schema {
	var out []storage.Schema
	for _, m := range mods {
		out = append(out, moduleSchemas()[m.Name]...)
	}
	return out
}

// moduleSchemas are the database schemas of the modules built into this binary that own
// tables.
func moduleSchemas() map[string][]storage.Schema {
	return map[string][]storage.Schema{module.Inventory: {inventory.Schema()}, module.Onboarding: {onboarding.Schema()},
		module.Tenant: {tenant.Schema()}}
}

// remoteInventory dials the inventory of another process (inventory.address) when a module of
// mods requires it and it does not run here; the connection closes at shutdown.
func (a *App) remoteInventory(ctx context.Context, opts Options, deps *module.Deps, mods []module.Descriptor) error {
	cfg := opts.Config.Inventory
	if cfg.Address == "" || slices.ContainsFunc(mods, func(d module.Descriptor) bool { return d.Name == module.Inventory }) ||
		!slices.ContainsFunc(mods, func(d module.Descriptor) bool { return slices.Contains(d.Requires, module.Inventory) }) {
		return nil
	}
	host, _, _ := net.SplitHostPort(cfg.Address)
	tc, err := cfg.TLS.Config(host, provider.TLSVerifyFull)
	if err != nil {
		return fmt.Errorf("inventory.tls: %w", err)
	}
	if a.set.Identity == nil {
		return provider.Errorf(provider.FailedPrecondition, "inventory.address needs an identity provider to obtain the token the remote inventory checks")
	}
	ts, err := a.set.Identity.TokenSource(ctx, identity.ClientCredentials{ClientID: cfg.Credentials.ClientID,
		Secret: cfg.Credentials.ClientSecret.Value(), Insecure: tc == nil})
	if err != nil {
		return fmt.Errorf("inventory.credentials: %w", err)
	}
	r, err := inventory.Dial(cfg.Address, tc, ts)
	if err != nil {
		return err
	}
	a.closers = append(a.closers, r.Close)
	a.checks = append(a.checks, checkable{name: "inventory/remote", c: r})
	deps.Inventory = r
	a.log.Info("reaching the inventory of another process", "address", cfg.Address, "tls", tc != nil)
	return nil
}
