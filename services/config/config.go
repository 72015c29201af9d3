// Package config defines eim.yaml: the one file that configures every module and provider.
// It is decoded strictly (an unknown key or a value of the wrong type is an error with its YAML
// path and line), environment variables override any scalar (EIM_ + the upper-cased key path,
// e.g. EIM_PROVIDERS_DATABASE_CONFIG_HOST), defaults live in Default, and Validate reports every
// problem at once without I/O.
package config

import (
	"reflect"
	"strings"
	"time"

	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/provider"
)

// Config is the whole of eim.yaml.
type Config struct {
	// Target selects the modules this process runs: all (every module built in), a profile
	// (onboarding, day2, observability, oob) or a comma-separated module list.
	Target string `yaml:"target"`
	// Listen holds the listener addresses.
	Listen Listen `yaml:"listen"`
	// DataDir is the directory of the embedded providers' files (local secrets, SQLite
	// database), relative to the working directory unless absolute.
	DataDir string `yaml:"dataDir"`
	// Log configures the structured log written to standard error.
	Log Log `yaml:"log"`
	// Startup bounds how long startup and shutdown may take.
	Startup Startup `yaml:"startup"`
	// Providers selects and configures one provider per kind; an absent kind uses its embedded
	// default where the binary has one.
	Providers Providers `yaml:"providers"`
	// Inventory configures how the modules of this process reach the inventory, and who may call
	// the inventory's gRPC API.
	Inventory Inventory `yaml:"inventory"`
	// API configures the northbound REST API (module api): the legacy apiv2 operations, the
	// project endpoints and the orchestrator feature endpoint.
	API API `yaml:"api"`
	// Southbound configures the TLS listener the edge-node agents call (host, maintenance and
	// onboarding managers).
	Southbound Southbound `yaml:"southbound"`
	// Telemetry configures OpenTelemetry tracing exported over OTLP; off by default.
	Telemetry Telemetry `yaml:"telemetry"`
	// OOB configures the out-of-band (vPro/AMT) module: the customer's DMT MPS and RPS, their
	// authentication and the AMT passwords.
	OOB OOB `yaml:"oob"`
	// HostMgr configures the host manager: the agents' heartbeat period and when a silent host
	// is shown as "No Connection".
	HostMgr HostMgr `yaml:"hostmgr"`
	// Onboarding configures the onboarding module: device onboarding on the southbound listener
	// and the revocation of a deleted or invalidated host's client.
	Onboarding Onboarding `yaml:"onboarding"`
	// OSResource configures the OS profile catalog and each project's OS resources.
	OSResource OSResource `yaml:"osresource"`
	// Tenancy chooses between one project created at start (single tenancy) and projects created
	// through the API (multi-tenancy, the default).
	Tenancy Tenancy `yaml:"tenancy"`
	// Deprecations lists the deprecated keys loading found and moved to their replacements;
	// `eim config validate` prints them and `eim serve` logs them.
	Deprecations []provider.Deprecation `yaml:"-"`
	// Placeholders lists the NEEDS-INPUT placeholders loading found and, with
	// Options.AllowPlaceholders, accepted; without it each one is a problem.
	Placeholders []Placeholder `yaml:"-"`
}

// Tenancy configures whether the deployment serves one project or many.
type Tenancy struct {
	// DefaultProject names a project created at start when set (single tenancy, as the legacy
	// single-tenancy profile ran): a lower-case name of letters, digits and '-', at most 63
	// characters. Empty, the default: multi-tenancy, projects are created through the API.
	DefaultProject string `yaml:"defaultProject,omitempty" jsonschema:"maxLength=63,pattern=^[a-z0-9-]+$"`
}

// Listen holds the addresses the process listens on, as host:port.
type Listen struct {
	// HTTP is the host:port serving /healthz, /readyz, /metrics and the modules' HTTP APIs; in
	// a container use :8080 (every interface).
	HTTP string `yaml:"http"`
	// GRPC is the host:port serving the gRPC health service and the modules' gRPC APIs.
	GRPC string `yaml:"grpc"`
	// GRPCTLS is the certificate the gRPC listener serves with (TLS 1.3, ALPN h2): set it where
	// other processes call this one's gRPC API over the network, as the modules of a split
	// deployment call its inventory (their inventory.tls verifies it). Unset, plaintext.
	GRPCTLS ServerTLS `yaml:"grpcTLS,omitempty"`
	// Debug is an optional loopback host:port serving Go's profiles (/debug/pprof/: CPU, heap,
	// goroutine, mutex and block) for diagnosing the running process; empty (the default)
	// serves none. Setting it also samples mutex contention and blocking (a small cost).
	Debug string `yaml:"debug,omitempty"`
}

// Log configures the structured log written to standard error.
type Log struct {
	// Level is the lowest level logged: debug, info, warn or error.
	Level string `yaml:"level" jsonschema:"enum=debug,enum=info,enum=warn,enum=error"`
	// Format is json (one JSON object per line) or text (log/slog's key=value lines).
	Format string `yaml:"format" jsonschema:"enum=json,enum=text"`
	// Modules sets the level of single modules (module name to level, e.g. {hostmgr: debug});
	// the others log at level. `eim serve` applies level and modules again from eim.yaml on
	// SIGHUP, without a restart.
	Modules map[string]string `yaml:"modules,omitempty"`
}

// Startup bounds the lifecycle phases.
type Startup struct {
	// Timeout bounds opening the providers and waiting for them to be healthy.
	Timeout provider.Duration `yaml:"timeout"`
	// ShutdownTimeout bounds stopping the modules and closing the providers.
	ShutdownTimeout provider.Duration `yaml:"shutdownTimeout"`
}

// Providers holds one block per provider kind, under the key the kind table (providers/kinds)
// gives it; an absent kind uses its embedded default where the binary has one. The
// providers.database block configures the storage kind.
type Providers struct {
	// Secrets selects the secrets provider, where {secret: "path#key"} references resolve: one
	// {type, config} block, or a store and a keeper chosen independently.
	Secrets *Block `yaml:"secrets,omitempty"`
	// Database selects the storage provider: the database every module keeps its state in.
	Database *Block `yaml:"database,omitempty"`
	// Identity selects the identity provider, which verifies tokens and issues edge-node
	// credentials.
	Identity *Block `yaml:"identity,omitempty"`
	// Messaging selects the messaging provider, which carries the modules' events.
	Messaging *Block `yaml:"messaging,omitempty"`
}

// Block selects and configures one provider kind: one {type, config} envelope, or, for a kind
// whose row says Split (secrets), a store and a keeper chosen independently, e.g. a Vault KV
// store with a cloud KMS keeper.
type Block struct {
	provider.Envelope `yaml:",inline"`
	// Store is the {type, config} block of the adapter serving as the secret store (split
	// kinds only).
	Store *provider.Envelope `yaml:"store,omitempty"`
	// Keeper is the {type, config} block of the adapter serving as the keeper, which encrypts
	// and decrypts (split kinds only).
	Keeper *provider.Envelope `yaml:"keeper,omitempty"`
}

// Block returns the block configured under key (a kind's Key), or nil.
func (p *Providers) Block(key string) *Block {
	v := reflect.ValueOf(p).Elem()
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
		if name == key {
			b, _ := v.Field(i).Interface().(*Block)
			return b
		}
	}
	return nil
}

// Blocks returns the configured blocks of kind k, with their paths: its {type, config} block,
// or its store and keeper blocks. Blocks without a type are left out.
func (p *Providers) Blocks(k kinds.Kind) []kinds.Block {
	b := p.Block(k.Key)
	if b == nil {
		return nil
	}
	path := "providers." + k.Key
	var out []kinds.Block
	add := func(path, role string, e *provider.Envelope) {
		if e != nil && e.Type != "" {
			out = append(out, kinds.Block{Path: path, Role: role, Envelope: e})
		}
	}
	add(path, "", &b.Envelope)
	add(path+"."+kinds.RoleStore, kinds.RoleStore, b.Store)
	add(path+"."+kinds.RoleKeeper, kinds.RoleKeeper, b.Keeper)
	return out
}

// All returns the configured blocks of every kind, in the kind table's opening order.
func (p *Providers) All() []kinds.Block {
	var out []kinds.Block
	for _, k := range kinds.All() {
		out = append(out, p.Blocks(k)...)
	}
	return out
}

// Inventory configures the inventory's gRPC API and how modules reach it.
type Inventory struct {
	// Address is the inventory's gRPC address (host:port) for a process whose target does not
	// include the inventory module (a split deployment); empty when the inventory runs in this
	// process.
	Address string `yaml:"address,omitempty"`
	// TLS secures the connection to Address; mode verify-full unless set otherwise.
	TLS provider.TLS `yaml:"tls"`
	// Credentials are the OAuth2 client credentials this process presents to a remote
	// inventory: a service account of the identity provider holding ServiceRole.
	Credentials *ServiceCredentials `yaml:"credentials,omitempty"`
	// ServiceRole is the role a token must carry to call the inventory's gRPC API from another
	// process (modules in the same process call it directly).
	ServiceRole string `yaml:"serviceRole"`
}

// ServiceCredentials are OAuth2 client credentials of a service account.
type ServiceCredentials struct {
	// ClientID is the service account's client id.
	ClientID string `yaml:"clientID"`
	// ClientSecret is its secret, as a secret reference.
	ClientSecret provider.SecretRef `yaml:"clientSecret"`
}

// API configures the northbound REST API.
type API struct {
	// Scenario is the legacy apiv2 scenario naming the services served: fulleim (every
	// service), noobb (all but the telemetry services) or vpro (hosts only); the paths of the
	// others answer 404 and are left out of the served OpenAPI document.
	Scenario string `yaml:"scenario" jsonschema:"enum=fulleim,enum=noobb,enum=vpro"`
	// MaxBodyBytes is the largest request body accepted, in bytes (default 102400, the legacy
	// API's 100K); a larger one is refused before it is decoded.
	MaxBodyBytes int `yaml:"maxBodyBytes"`
	// ReadRole is the project role that may read a project's resources: a token holds it as
	// "<project id>_<ReadRole>" (default im-r, the legacy role).
	ReadRole string `yaml:"readRole"`
	// WriteRole is the project role that may read and change a project's resources (default
	// im-rw).
	WriteRole string `yaml:"writeRole"`
}

// Defaults of the api block.
const (
	DefaultScenario     = "fulleim"
	DefaultMaxBodyBytes = 100 << 10
	// MaxMaxBodyBytes is the largest maxBodyBytes accepted (16 MiB).
	MaxMaxBodyBytes = 16 << 20
)

// DefaultServiceRole is the role calls to the inventory's gRPC API must carry by default.
const DefaultServiceRole = "eim-service"

// Default returns the configuration used where eim.yaml says nothing: all modules, loopback
// listeners, a data directory under the working directory and JSON logs.
func Default() *Config {
	return &Config{
		Target:     "all",
		Listen:     Listen{HTTP: "127.0.0.1:8080", GRPC: "127.0.0.1:9090", GRPCTLS: ServerTLS{ReloadInterval: DefaultTLSReload}},
		DataDir:    ".data",
		Log:        Log{Level: "info", Format: "json"},
		Inventory:  Inventory{ServiceRole: DefaultServiceRole},
		API:        API{Scenario: DefaultScenario, MaxBodyBytes: DefaultMaxBodyBytes, ReadRole: "im-r", WriteRole: "im-rw"},
		Southbound: defaultSouthbound(),
		Telemetry:  defaultTelemetry(),
		OOB:        defaultOOB(),
		HostMgr:    defaultHostMgr(),
		Onboarding: defaultOnboarding(),
		OSResource: defaultOSResource(),
		Startup: Startup{
			Timeout:         provider.Duration(60 * time.Second),
			ShutdownTimeout: provider.Duration(20 * time.Second),
		},
	}
}
