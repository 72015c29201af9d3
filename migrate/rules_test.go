package migrate

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mappingCase is one mapping rule at work: a legacy document (helm get values of an umbrella,
// or a chart's values with chart set), a key of the output and its expected value, and the
// classification of a legacy key.
type mappingCase struct {
	name  string
	chart string
	doc   string
	out   string // dotted output key; "" checks only the classification
	want  any
	key   string
	class Class
}

func TestMappingRules(t *testing.T) {
	cases := []mappingCase{
		{"db secret mounted", "infra-core", "inventory: {postgresql: {secrets: inventory-aurora-postgresql}}",
			"global.secretMounts", []any{Tree{"secretName": "inventory-aurora-postgresql", "mountPath": "/etc/eim/database"}}, "infra-core.inventory.postgresql.secrets", Mapped},
		{"db password is a file reference", "infra-core", "inventory: {postgresql: {secrets: s}}",
			"providers.database.config.password", Tree{"file": "/etc/eim/database/PGPASSWORD"}, "", ""},
		{"ssl false disables TLS", "infra-core", "inventory: {postgresql: {secrets: s, ssl: false}}",
			"providers.database.config.tls.mode", "disable", "infra-core.inventory.postgresql.ssl", Mapped},
		{"ssl true requires TLS", "infra-core", "inventory: {postgresql: {secrets: s, ssl: true}}",
			"providers.database.config.tls.mode", "require", "", ""},
		{"aurora verifies TLS", "", "argo: {database: {type: aurora, ssl: true}}",
			"providers.database.config.tls.mode", "verify-full", "argo.database.type", Mapped},
		{"aurora from the secret name", "infra-core", "inventory: {postgresql: {secrets: inventory-aurora-postgresql, ssl: true}}",
			"providers.database.config.tls.ca", Tree{"file": "/etc/eim/database-ca/ca.pem"}, "", ""},
		{"EMF database list names database and user", "", "argo: {database: {type: local, databases: [{namespace: orch-infra, name: inventory}]}}",
			"providers.database.config.user", "orch-infra-inventory_user", "argo.database.databases", Mapped},
		{"postgresql-secrets host", "", "postgresql-secrets: {host: pg.example}\nargo: {database: {type: local}}",
			"providers.database.config.host", "pg.example", "postgresql-secrets.host", Mapped},
		{"read replica", "infra-core", "inventory: {postgresql: {secrets: s, readOnlyReplicasEnabled: true, readOnlyReplicasSecrets: r}}",
			"providers.database.config.replica.host", "NEEDS-INPUT: PGHOST of Secret r", "", ""},
		{"messaging defaults to sql", "infra-core", "inventory: {postgresql: {secrets: s}}",
			"providers.messaging.type", "sql", "", ""},
		{"vault address and role", "infra-core", "tenant-controller: {vault: {url: 'https://v:8200', role: eim}}",
			"providers.secrets.config", Tree{"address": "https://v:8200", "auth": Tree{"kubernetes": Tree{"role": "eim"}}, "kv": Tree{"mount": "secret"}}, "infra-core.tenant-controller.vault.role", Mapped},
		{"static vault token becomes a file reference", "infra-core", "tenant-controller: {vault: {url: 'https://v', token: s.abc}}",
			"providers.secrets.config.auth.token", Tree{"file": "/etc/eim/vault/token"}, "infra-core.tenant-controller.vault.token", Mapped},
		{"issuer from the public domain", "", "argo: {clusterDomain: example.org}\ninfra-core: {apiv2: {oidc: {oidc_server_url: 'http://kc/realms/edge'}}}",
			"providers.identity.config.issuer", "https://keycloak.example.org/realms/edge", "infra-core.apiv2.oidc.oidc_server_url", Mapped},
		{"legacy URL reads discovery", "", "argo: {clusterDomain: example.org}\ninfra-core: {apiv2: {oidc: {oidc_server_url: 'http://kc/realms/edge'}}}",
			"providers.identity.config.discoveryURL", "http://kc/realms/edge/.well-known/openid-configuration", "", ""},
		{"issuer without a domain", "apiv2", "oidc: {oidc_server_url: 'https://kc.example.com/realms/edge'}",
			"providers.identity.config.issuer", "https://kc.example.com/realms/edge", "", ""},
		{"in-cluster issuer needs input", "apiv2", "oidc: {oidc_server_url: 'https://keycloak.orch-platform.svc/realms/edge'}",
			"providers.identity.config.discoveryURL", "https://keycloak.orch-platform.svc/realms/edge/.well-known/openid-configuration", "", ""},
		{"skip-verify asks for a CA", "apiv2", "oidc: {oidc_server_url: 'https://kc/realms/e', oidc_tls_insecure_skip_verify_value: 'true'}",
			"providers.identity.config.tls", Tree{"ca": Tree{"file": "/etc/eim/identity/ca.pem"}}, "infra-core.apiv2.oidc.oidc_tls_insecure_skip_verify_value", Mapped},
		{"admin client from the onboarding manager", "onboarding-manager",
			"env: {oidc: {oidc_server_url: 'https://kc/realms/e'}, vaultUrl: 'https://v', vaultRole: r, onboardingManagerClientName: m2m, onboardingCredentialsSecretName: p, onboardingCredentialsSecretKey: k, enCredentialsPrefix: node-}",
			"providers.identity.config.admin", Tree{"clientID": "m2m", "clientSecret": Tree{"secret": "p#k"}, "clientIDPattern": "node-{device}"}, "", ""},
		{"admin secret without vault is a file", "onboarding-manager", "env: {oidc: {oidc_server_url: 'https://kc/realms/e'}}",
			"providers.identity.config.admin.clientSecret", Tree{"file": "/etc/eim/identity/client_secret"}, "", ""},
		{"credentials management cannot be turned off", "onboarding-manager",
			"managerArgs: {disableCredentialsManagement: true}\nenv: {oidc: {oidc_server_url: 'https://kc/realms/e'}}",
			"providers.identity.config.admin.clientSecret", Tree{"file": "/etc/eim/identity/client_secret"},
			"infra-onboarding.onboarding-manager.managerArgs.disableCredentialsManagement", Dropped},
		{"bypass dropped", "onboarding-manager", "env: {oidc: {clients: {bypass: [x]}}}", "", nil, "infra-onboarding.onboarding-manager.env.oidc.clients.bypass", Dropped},
		{"enforceMultiTenancy is dead", "host-manager", "multiTenancy: {enforceMultiTenancy: 'true'}", "", nil, "infra-managers.host-manager.multiTenancy.enforceMultiTenancy", Dead},
		{"old api block is dead", "infra-core", "api: {oidc: {oidc_server_url: x}}", "", nil, "infra-core.api.oidc.oidc_server_url", Dead},
		{"miinv is dead", "infra-core", "inventory: {miinv: {enableTracing: true}}", "", nil, "infra-core.inventory.miinv.enableTracing", Dead},
		{"replicas", "inventory", "replicaCount: 3", "inventory.replicaCount", 3, "infra-core.inventory.replicaCount", Mapped},
		{"resources", "apiv2", "resources: {limits: {cpu: 1}}", "api.resources", Tree{"limits": Tree{"cpu": 1}}, "infra-core.apiv2.resources.limits.cpu", Mapped},
		{"log level", "host-manager", "globalLogLevel: debug", "hostmgr.logLevel", "debug", "infra-managers.host-manager.globalLogLevel", Mapped},
		{"odd log level", "apiv2", "serviceArgsProxy: {globalLogLevel: silly}", "api.logLevel", "debug", "", ""},
		{"tracing", "inventory", "inventory: {enableTracing: true, traceURL: 'otel:4318'}", "global.telemetry", Tree{"enabled": true, "protocol": "http", "endpoint": "http://otel:4318"}, "", ""},
		{"metrics", "maintenance-manager", "metrics: {enabled: true}", "global.metrics.enabled", true, "infra-managers.maintenance-manager.metrics.enabled", Mapped},
		{"image registry and pull secrets", "infra-core", "global: {registry: {name: reg.example/, imagePullSecrets: [{name: pull}, {name: ''}]}}",
			"global.image", Tree{"registry": "reg.example", "pullPolicy": "IfNotPresent", "pullSecrets": []any{Tree{"name": "pull"}}}, "", ""},
		{"host names without Traefik matchers", "host-manager", "traefikReverseProxy: {host: {grpc: {name: 'Host(`infra-node.x`)'}}, secretName: tls}",
			"global.ingress", Tree{"hosts": Tree{"hostmgr": "infra-node.x"}, "tls": Tree{"secretName": "tls"}}, "infra-managers.host-manager.traefikReverseProxy.secretName", Mapped},
		{"traefik plumbing dropped", "host-manager", "traefikReverseProxy: {tlsOption: x}", "", nil, "infra-managers.host-manager.traefikReverseProxy.tlsOption", Dropped},
		{"scenario", "apiv2", "eimScenario: noobb", "api.scenario", "noobb", "infra-core.apiv2.eimScenario", Mapped},
		{"heartbeat interval", "host-manager", "heartbeat: {baseTimeDuration: 30, timeoutTimes: 3}", "hostmgr.heartbeatInterval", "30s", "infra-managers.host-manager.heartbeat.baseTimeDuration", Mapped},
		{"missed heartbeats", "host-manager", "heartbeat: {baseTimeDuration: 30, timeoutTimes: 4}", "hostmgr.missedHeartbeats", 4, "infra-managers.host-manager.heartbeat.timeoutTimes", Mapped},
		{"provisioning check dropped", "host-manager", "disabledProvisioning: true", "", nil, "infra-managers.host-manager.disabledProvisioning", Dropped},
		{"os resource settings", "os-resource-manager", "managerArgs: {osSecurityFeatureEnable: true, inventoryTickerPeriod: 1h, disableProviderAutomation: true}\nautoProvision: {enabled: true, defaultProfile: x}",
			"osresource", Tree{"enabled": true, "replicaCount": 1, "logLevel": "info", "resources": Tree{}, "osSecurityFeatureEnable": true, "resyncInterval": "1h",
				"disableProviderAutomation": true, "autoProvision": true, "defaultProfile": "x"}, "infra-managers.os-resource-manager.autoProvision.enabled", Mapped},
		{"os profiles", "os-resource-manager", "managerArgs: {enabledProfiles: [a, b], osProfileRevision: '1.2'}", "osresource.enabledProfiles", []any{"a", "b"}, "", ""},
		{"default-tenant job's project", "infra-core", "import: {tenant-config: {enabled: true}}\ntenant-config: {config: {defaultTenant: p, defaultUser: u, defaultOrganization: o}}",
			"tenancy.defaultProject", "p", "infra-core.tenant-config.config.defaultTenant", Mapped},
		{"default-tenant job's user dropped", "infra-core", "import: {tenant-config: {enabled: true}}\ntenant-config: {config: {defaultTenant: p, defaultUser: u}}",
			"tenancy.defaultProject", "p", "infra-core.tenant-config.config.defaultUser", Dropped},
		{"single tenancy", "", "argo: {enabled: {defaultTenancy: true}}\ninventory: {}", "tenancy.defaultProject", "default", "argo.enabled.defaultTenancy", Mapped},
		{"service account", "inventory", "serviceAccount: {name: orch-svc}", "global.serviceAccount.name", "orch-svc", "", ""},
		{"proxy", "", "argo: {proxy: {httpsProxy: 'http://p:3128', enHttpProxy: x}}\ninventory: {}", "global.proxy", Tree{"https": "http://p:3128"}, "argo.proxy.enHttpProxy", Dropped},
		{"self-signed certificate", "", "argo: {self-signed-cert: {generateOrchCert: true}, tlsSecret: tls-orch}\ninventory: {}", "global.ingress.tls", Tree{"selfSigned": true, "secretName": "tls-orch"}, "", ""},
		{"EMF app of another product dropped", "", "argo: {enabled: {harbor-oci: true}}\ninventory: {}", "", nil, "argo.enabled.harbor-oci", Dropped},
		{"unknown key", "", "something: {new: 1}\ninventory: {}", "", nil, "something.new", Unknown},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := translate(t, Input{Sources: []Source{{Name: "in.yaml", Data: []byte(c.doc), Chart: c.chart}}}, ChartValues)
			if c.out != "" {
				got, ok := lookup(values(t, res.Output), strings.Split(c.out, ".")...)
				require.True(t, ok, "%s missing in\n%s", c.out, res.Output)
				assert.Equal(t, c.want, got)
			}
			if c.key != "" {
				assert.Contains(t, res.Report.Keys, entryFor(t, res.Report, c.key))
				assert.Equal(t, c.class, entryFor(t, res.Report, c.key).Class)
			}
		})
	}
}

func entryFor(t *testing.T, r *Report, key string) Entry {
	t.Helper()
	for _, e := range r.Keys {
		if e.Key == key {
			return e
		}
	}
	require.Failf(t, "key not in report", "%s", key)
	return Entry{}
}

func TestTarget(t *testing.T) {
	cases := []struct {
		name, chart, doc, want string
	}{
		{"every module but oob from the umbrellas", "", "infra-core: {}\ninfra-managers: {}\ninfra-onboarding: {}", "inventory,api,onboarding,hostmgr,maintenance,osresource,tenant"},
		{"all from the umbrellas", "", "infra-core: {}\ninfra-managers: {}\ninfra-onboarding: {}\ninfra-external: {}", "all"},
		{"no module but a provider: all", "", "argo: {database: {type: aurora}}", "all"},
		{"one chart", "inventory", "replicaCount: 1", "inventory"},
		{"inventory added", "host-manager", "replicaCount: 1", "inventory,hostmgr"},
		{"import toggles", "infra-managers", "import: {host-manager: {enabled: true}, maintenance-manager: {enabled: true}, os-resource-manager: {enabled: false}}\n",
			"inventory,hostmgr,maintenance"},
		{"day2 profile", "", "infra-core: {import: {inventory: {enabled: true}, apiv2: {enabled: true}, tenant-controller: {enabled: false}}}\ninfra-managers: {import: {host-manager: {enabled: true}, maintenance-manager: {enabled: true}, os-resource-manager: {enabled: false}}}",
			"day2"},
		{"EMF umbrella off", "", "argo: {enabled: {infra-core: true, infra-managers: true, infra-onboarding: false}}\ninfra-core: {}\ninfra-managers: {}\ninfra-onboarding: {}",
			"inventory,api,hostmgr,maintenance,osresource,tenant"},
		{"vpro scenario", "", "infra-core: {apiv2: {eimScenario: vpro}}\ninfra-managers: {}\ninfra-onboarding: {}", "inventory,api,hostmgr,tenant"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := translate(t, Input{Sources: []Source{{Name: "in.yaml", Data: []byte(c.doc), Chart: c.chart}}}, ChartValues)
			assert.Equal(t, c.want, values(t, res.Output)["target"])
		})
	}
}

func TestEIMConfigFormat(t *testing.T) {
	res := translate(t, Input{Sources: []Source{{Name: "in.yaml", Chart: "apiv2", Data: []byte("serviceArgsProxy: {globalLogLevel: debug}\noidc: {oidc_server_url: 'https://kc/realms/e'}")}}}, EIMConfig)
	v := values(t, res.Output)
	assert.Equal(t, []string{"log", "providers", "target"}, sortedKeys(v))
	assert.Equal(t, "debug", lookupAny(v, "log", "level"))
	assert.Equal(t, "inventory,api", v["target"])
}

func sortedKeys(t Tree) []string {
	var out []string
	for _, l := range []string{"log", "providers", "target", "listen", "global"} {
		if _, ok := t[l]; ok {
			out = append(out, l)
		}
	}
	return out
}

func TestPatterns(t *testing.T) {
	cases := []struct {
		pattern, path string
		match         bool
		rest          string
	}{
		{"a.b", "a.b", true, ""},
		{"a.*", "a.b", true, ""},
		{"a.*", "a.b.c", false, ""},
		{"a.**", "a.b.c", true, "b.c"},
		{"a.**", "a", true, ""},
		{"**.c", "a.b.c", true, ""},
		{"**.c", "c", true, ""},
		{"a.**.c", "a.x.y.c", true, ""},
		{"a.inv*", "a.invCacheX", true, ""},
		{"a.*Path", "a.initResourcesPath", true, ""},
		{"a.x*y*z", "a.xayz", true, ""},
		{"a.x*y*z", "a.xaz", false, ""},
	}
	for _, c := range cases {
		ok, rest := Rule{Pattern: c.pattern}.match(Path(strings.Split(c.path, ".")))
		assert.Equal(t, c.match, ok, "%s ~ %s", c.pattern, c.path)
		if c.rest != "" {
			assert.Equal(t, c.rest, rest.String())
		}
	}
}

func TestPathString(t *testing.T) {
	assert.Equal(t, `a.annotations["metallb.universe.tf/pool"]`, Path{"a", "annotations", "metallb.universe.tf/pool"}.String())
}
