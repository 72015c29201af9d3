package bootstrap

import (
	"os"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/module"
)

// openers maps each provider kind built into this binary to the function that opens it. A
// kind's package adds its entry when it lands; a kind without one is absent.
func openers() map[string]OpenFunc {
	return map[string]OpenFunc{
		secrets.Kind:   openSecrets,
		storage.Kind:   openStorage,
		identity.Kind:  openIdentity,
		messaging.Kind: openMessaging,
	}
}

// DefaultSteps returns the provider kinds of this binary in opening order.
func DefaultSteps() []Step { return StepsFor(openers()) }

// DefaultModules returns the module implementations built into this binary.
func DefaultModules() map[string]module.Factory { return map[string]module.Factory{} }

// ConfigSources returns the adapter registries of the kinds built into this binary, for
// configuration loading and schema generation.
func ConfigSources() []provider.ConfigSource {
	return []provider.ConfigSource{secrets.Registry, storage.Registry, identity.Registry, messaging.Registry}
}

// LoadConfig loads eim.yaml from path with the process environment, or the embedded defaults
// (still overridable by EIM_* variables) when path is empty.
func LoadConfig(path string) (*config.Config, error) {
	opts := config.Options{Environ: os.Environ(), Sources: ConfigSources()}
	if path == "" {
		return config.Load(nil, opts)
	}
	return config.LoadFile(path, opts)
}
