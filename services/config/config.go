// Package config defines eim.yaml: the one file that configures every module and provider.
// It is decoded strictly (an unknown key or a value of the wrong type is an error with its YAML
// path and line), environment variables override any scalar (EIM_ + the upper-cased key path,
// e.g. EIM_PROVIDERS_DATABASE_CONFIG_HOST), defaults live in Default, and Validate reports every
// problem at once without I/O.
package config

import (
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// Config is the whole of eim.yaml.
type Config struct {
	// Target selects the modules this process runs: "all", a profile (onboarding, day2,
	// observability) or a comma-separated module list.
	Target string `yaml:"target" jsonschema_description:"modules to run: all, a profile or a comma-separated module list"`
	// Listen holds the listener addresses.
	Listen Listen `yaml:"listen"`
	// DataDir holds the embedded providers' files (local secrets, SQLite database).
	DataDir string `yaml:"dataDir" jsonschema_description:"directory for the embedded providers' files"`
	// Log configures logging.
	Log Log `yaml:"log"`
	// Startup bounds how long startup and shutdown may take.
	Startup Startup `yaml:"startup"`
	// Providers selects and configures one provider per kind; an absent kind uses its embedded
	// default where the binary has one.
	Providers Providers `yaml:"providers"`
}

// Listen holds the addresses the process listens on, as host:port.
type Listen struct {
	// HTTP serves /healthz, /readyz, /metrics and the modules' HTTP APIs.
	HTTP string `yaml:"http" jsonschema_description:"HTTP listen address (host:port)"`
	// GRPC serves the gRPC health service and the modules' gRPC APIs.
	GRPC string `yaml:"grpc" jsonschema_description:"gRPC listen address (host:port)"`
}

// Log configures the structured log written to standard error.
type Log struct {
	Level  string `yaml:"level" jsonschema:"enum=debug,enum=info,enum=warn,enum=error"`
	Format string `yaml:"format" jsonschema:"enum=json,enum=text"`
}

// Startup bounds the lifecycle phases.
type Startup struct {
	// Timeout bounds opening the providers and waiting for them to be healthy.
	Timeout provider.Duration `yaml:"timeout"`
	// ShutdownTimeout bounds stopping the modules and closing the providers.
	ShutdownTimeout provider.Duration `yaml:"shutdownTimeout"`
}

// Providers holds one {type, config} envelope per provider kind.
type Providers struct {
	Secrets   *Secrets           `yaml:"secrets,omitempty"`
	Database  *provider.Envelope `yaml:"database,omitempty"`
	Identity  *provider.Envelope `yaml:"identity,omitempty"`
	Messaging *provider.Envelope `yaml:"messaging,omitempty"`
}

// Kind names a provider kind and the key of its block under providers.
type Kind struct {
	Key  string // key under providers: secrets, database, identity, messaging
	Name string // kind name in errors and registries: secrets, storage, identity, messaging
}

// Kinds lists the provider kinds in the order bootstrap opens them: secrets first, because
// every secret reference resolves through it.
func Kinds() []Kind {
	return []Kind{
		{Key: "secrets", Name: "secrets"},
		{Key: "database", Name: "storage"},
		{Key: "identity", Name: "identity"},
		{Key: "messaging", Name: "messaging"},
	}
}

// Secrets selects the secrets provider: one {type, config} block when one adapter serves as
// both store and keeper (vault, local), or a store and a keeper chosen independently, e.g. a
// Vault KV store with a cloud KMS keeper.
type Secrets struct {
	provider.Envelope `yaml:",inline"`
	Store             *provider.Envelope `yaml:"store,omitempty"`
	Keeper            *provider.Envelope `yaml:"keeper,omitempty"`
}

// Slot is one configured {type, config} block: its path in eim.yaml, its kind and the block.
type Slot struct {
	Path     string
	Kind     Kind
	Envelope *provider.Envelope
}

// Slots returns the configured provider blocks in opening order: providers.secrets (or its
// store and keeper), database, identity, messaging. Blocks without a type are left out.
func (p *Providers) Slots() []Slot {
	var out []Slot
	add := func(path string, k Kind, e *provider.Envelope) {
		if e != nil && e.Type != "" {
			out = append(out, Slot{Path: path, Kind: k, Envelope: e})
		}
	}
	for _, k := range Kinds() {
		path := "providers." + k.Key
		switch k.Key {
		case "secrets":
			if p.Secrets != nil {
				add(path, k, &p.Secrets.Envelope)
				add(path+".store", k, p.Secrets.Store)
				add(path+".keeper", k, p.Secrets.Keeper)
			}
		case "database":
			add(path, k, p.Database)
		case "identity":
			add(path, k, p.Identity)
		case "messaging":
			add(path, k, p.Messaging)
		}
	}
	return out
}

// Default returns the configuration used where eim.yaml says nothing: all modules, loopback
// listeners, a data directory under the working directory and JSON logs.
func Default() *Config {
	return &Config{
		Target:  "all",
		Listen:  Listen{HTTP: "127.0.0.1:8080", GRPC: "127.0.0.1:9090"},
		DataDir: ".data",
		Log:     Log{Level: "info", Format: "json"},
		Startup: Startup{
			Timeout:         provider.Duration(60 * time.Second),
			ShutdownTimeout: provider.Duration(20 * time.Second),
		},
	}
}
