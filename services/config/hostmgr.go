package config

import (
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// HostMgr configures the host manager (module hostmgr): how often the edge nodes' node agents
// are expected to call, and when a host whose calls stopped is shown as "No Connection".
type HostMgr struct {
	// HeartbeatInterval is the period of the node agents' heartbeat (the legacy node-agent's
	// onboarding.heartbeatInterval, 10s); the host manager checks for missed heartbeats and for
	// inventory changes of the hosts it caches at this period.
	HeartbeatInterval provider.Duration `yaml:"heartbeatInterval"`
	// MissedHeartbeats is how many heartbeat intervals may pass without a call before the host
	// is marked "No Connection" (default 3).
	MissedHeartbeats int `yaml:"missedHeartbeats"`
	// TenantMetrics is how many tenants eim_hostmgr_tenant_hosts reports hosts by status for:
	// the tenants with the most hosts, the others summed under tenant="other". 0 (the default)
	// exports no per-tenant series; keep it small (each tenant adds six series).
	TenantMetrics int `yaml:"tenantMetrics"`
}

// Defaults of the hostmgr block.
const (
	DefaultHeartbeatInterval = provider.Duration(10 * time.Second)
	DefaultMissedHeartbeats  = 3
	// MaxTenantMetrics caps hostmgr.tenantMetrics: the per-tenant gauge stays a bounded set.
	MaxTenantMetrics = 100
)

func defaultHostMgr() HostMgr {
	return HostMgr{HeartbeatInterval: DefaultHeartbeatInterval, MissedHeartbeats: DefaultMissedHeartbeats}
}

// ConnectionLostAfter is how long a host may stay silent before it is marked "No Connection".
func (h HostMgr) ConnectionLostAfter() time.Duration {
	return time.Duration(h.MissedHeartbeats) * time.Duration(h.HeartbeatInterval)
}

func (h HostMgr) validate(v *provider.Validation) {
	v.Check(h.HeartbeatInterval >= provider.Duration(10*time.Millisecond), "hostmgr.heartbeatInterval", "must be at least 10ms",
		`use the agents' heartbeat period, e.g. "10s"`)
	v.Check(h.MissedHeartbeats >= 1, "hostmgr.missedHeartbeats", "must be at least 1", "e.g. 3")
	v.Check(h.TenantMetrics >= 0 && h.TenantMetrics <= MaxTenantMetrics, "hostmgr.tenantMetrics",
		"must be between 0 and 100", "0 (off) or the few tenants to watch, e.g. 10")
}
