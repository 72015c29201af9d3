package bootstrap

import (
	"context"
	"os"

	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/services/api"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/hostmgr"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/services/maintenance"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/services/onboarding"
	"github.com/eim-byoi/eim/services/oob"
	"github.com/eim-byoi/eim/services/osresource"
	"github.com/eim-byoi/eim/services/tenant"
)

// DefaultModules returns the module implementations built into this binary.
func DefaultModules() map[string]module.Factory {
	return map[string]module.Factory{
		module.Inventory:   inventory.Factory,
		module.API:         api.Factory,
		module.HostMgr:     hostmgr.Factory,
		module.Maintenance: maintenance.Factory,
		module.Onboarding:  onboarding.Factory,
		module.OSResource:  osresource.Factory,
		module.Tenant:      tenant.Factory,
		module.OOB:         oob.Factory,
	}
}

// StorageSchemas are the schemas `eim migrate db` applies: the messaging schema, then the tables
// of every module built into this binary.
func StorageSchemas() []storage.Schema {
	var mods []storage.Schema
	for _, m := range module.EIM().Modules() {
		mods = append(mods, moduleSchemas()[m.Name]...)
	}
	return kinds.DatabaseSchemas(mods...)
}

// LoadConfig loads eim.yaml from path with the process environment, or the embedded defaults
// (still overridable by EIM_* variables) when path is empty.
func LoadConfig(path string) (*config.Config, error) {
	opts := config.Options{Environ: os.Environ(), Sources: kinds.Sources()}
	if path == "" {
		return config.Load(nil, opts)
	}
	return config.LoadFile(path, opts)
}

// OpenDatabase opens the secrets provider (for the database's secret references) and the
// database, without migrating, for `eim migrate db`. close releases both.
func OpenDatabase(ctx context.Context, opts Options) (db *storage.DB, close func(context.Context) error, err error) {
	sec, _ := kinds.ByName(kinds.Secrets)
	st, _ := kinds.ByName(kinds.Storage)
	st.Open = func(ctx context.Context, env *kinds.Env) (kinds.Opened, error) {
		d, err := kinds.OpenDatabase(ctx, env)
		if err != nil {
			return kinds.Opened{}, err
		}
		db = d
		return kinds.Opened{Adapter: d.Adapter(), Provider: d}, nil
	}
	opts.Kinds = []kinds.Kind{sec, st}
	app, err := OpenProviders(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	return db, app.Shutdown, nil
}
