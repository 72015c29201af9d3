package config

import (
	"fmt"
	"net"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// Southbound configures the listener the edge-node agents call: the host manager's,
// maintenance manager's and onboarding manager's gRPC services, served with TLS 1.3 and ALPN h2
// as the legacy agents require. It listens only when the target runs one of those modules.
type Southbound struct {
	// Address is the host:port of the TLS listener the agents call; in a container use :8443
	// (every interface).
	Address string `yaml:"address"`
	// TLS is the listener's certificate. Unset, a local CA and a server certificate for the
	// address's host, localhost and 127.0.0.1 are generated under <dataDir>/southbound (ca.pem is
	// what a device or eim edge-sim trusts); set it in production.
	TLS ServerTLS `yaml:"tls"`
	// Plaintext is an optional loopback host:port serving the same services without TLS, for
	// tests and tools on the same machine; empty (the default) serves none.
	Plaintext string `yaml:"plaintext,omitempty"`
	// ProjectHeader is the gRPC metadata key a proxy in front of EIM may set to the caller's
	// project id (legacy: activeprojectid). The token must still hold the role in that project;
	// without the header the project is the one the token holds the role in.
	ProjectHeader string `yaml:"projectHeader"`
	// AgentRole is the project role of the edge-node agents: a token holds it as
	// "<project id>_<agentRole>" with the legacy claims, or as a role together with a tenant
	// claim (providers.identity claims.tenants); default en-agent-rw.
	AgentRole string `yaml:"agentRole"`
	// MaxInFlight bounds the agents' calls handled at once (default 128; 0: no bound). A call
	// finding none free waits at most 1s, then is refused UNAVAILABLE and the agent sends it
	// again: under overload the calls handled finish within the agents' deadlines instead of all
	// of them queuing past them.
	MaxInFlight int `yaml:"maxInFlight"`
}

// ServerTLS is a server's certificate and private key, as secret references.
type ServerTLS struct {
	// Cert is the PEM certificate chain the server presents (leaf first).
	Cert provider.SecretRef `yaml:"cert,omitempty"`
	// Key is the PEM private key of cert.
	Key provider.SecretRef `yaml:"key,omitempty"`
	// ReloadInterval is how often cert and key are read again: a rotated certificate is served
	// to new connections without a restart, and open connections are kept (default 1m).
	ReloadInterval provider.Duration `yaml:"reloadInterval"`
}

// Defaults of the southbound block.
const (
	DefaultSouthboundAddress = "127.0.0.1:8443"
	DefaultProjectHeader     = "activeprojectid"
	DefaultAgentRole         = "en-agent-rw"
	DefaultTLSReload         = provider.Duration(time.Minute)
	DefaultMaxInFlight       = 128
)

func defaultSouthbound() Southbound {
	return Southbound{Address: DefaultSouthboundAddress, ProjectHeader: DefaultProjectHeader, AgentRole: DefaultAgentRole,
		TLS: ServerTLS{ReloadInterval: DefaultTLSReload}, MaxInFlight: DefaultMaxInFlight}
}

// Generated reports whether the listener's certificate is generated locally (tls.cert unset).
func (s Southbound) Generated() bool { return s.TLS.Cert.IsZero() }

func (s Southbound) validate(v *provider.Validation) {
	validateAddr(v, "southbound.address", s.Address)
	if s.Plaintext != "" {
		validateAddr(v, "southbound.plaintext", s.Plaintext)
		host, _, _ := net.SplitHostPort(s.Plaintext)
		ip := net.ParseIP(host)
		v.Check(host == "localhost" || (ip != nil && ip.IsLoopback()), "southbound.plaintext",
			fmt.Sprintf("%q is not a loopback address: agents' tokens would cross the network in clear", s.Plaintext),
			`use 127.0.0.1:PORT, or remove it`)
	}
	s.TLS.validate(v, "southbound.tls", "or neither to generate a local CA")
	v.Required("southbound.projectHeader", s.ProjectHeader, "name the metadata key, e.g. "+DefaultProjectHeader)
	v.Required("southbound.agentRole", s.AgentRole, "name the agents' project role, e.g. "+DefaultAgentRole)
	v.Check(s.MaxInFlight >= 0, "southbound.maxInFlight", "is negative", "use 0 (no bound) or more, e.g. 128")
}

// validate checks a server certificate block at path: cert and key set together, a sane reload
// period.
// neither says what leaving both unset means.
func (t ServerTLS) validate(v *provider.Validation, path, neither string) {
	v.Check(t.Cert.IsZero() == t.Key.IsZero(), path, "sets only one of cert and key",
		"set both to secret references (e.g. {file: /etc/eim/tls/tls.crt} and {file: /etc/eim/tls/tls.key}), "+neither)
	v.Check(t.ReloadInterval >= provider.Duration(time.Second), path+".reloadInterval", "must be at least 1s", `e.g. "1m"`)
}
