package migrate

import (
	"slices"
	"strings"

	"github.com/eim-byoi/eim/services/module"
)

// moduleRules maps the settings of the legacy charts that become EIM modules: the settings
// every such chart has (replicas, resources, log level, image, tracing, metrics, Kubernetes
// plumbing), then each module's own.
func moduleRules() []Rule {
	var out []Rule
	out = append(out, moduleSettingRules()...)
	charts := moduleCharts()
	for _, m := range moduleOrder() {
		out = append(out, commonModuleRules(m, charts[m].Path.String())...)
	}
	return out
}

// moduleOrder lists the modules in the order of the module graph.
func moduleOrder() []string {
	var out []string
	for _, d := range module.EIM().Modules() {
		out = append(out, d.Name)
	}
	return out
}

func commonModuleRules(m, chart string) []Rule {
	const whyChart = "the eim chart sets its own (the same or stricter)"
	const whyAddr = "listen addresses come from eim.yaml listen; modules reach inventory through the eim chart's service"
	const whyImage = "one eim image runs every module: global.image"
	f := "module." + m + "."
	r := []Rule{
		mapTo(chart+".replicaCount", m+".replicaCount", f+"replicaCount", 0, areaModules, ""),
		mapTo(chart+".resources", m+".resources", f+"resources", 0, areaModules, ""),
		mapTo(chart+".resources.**", m+".resources", f+"resources", 0, areaModules, ""),
		mapTo(chart+".**.globalLogLevel", m+".logLevel", f+"logLevel", 0, areaModules, ""),
		mapTo(chart+".globalLogLevel", m+".logLevel", f+"logLevel", 0, areaModules, ""),
		mapTo(chart+".**.enableTracing", "global.telemetry.enabled", factTracingEnabled, 0, areaGlobal, "tracing is on when any module traced"),
		mapTo(chart+".**.traceURL", "global.telemetry.endpoint", factTracingEndpoint, 0, areaGlobal, "the OTLP/HTTP collector (protocol http)"),
		mapTo(chart+".metrics.enabled", "global.metrics.enabled", factMetricsEnabled, 0, areaGlobal, "metrics are on when any module exported them"),
		byDefault(chart+".metrics.**", "global.metrics", areaGlobal, "metrics are served on listen.http /metrics"),
		mapTo(chart+".image.pullPolicy", "global.image.pullPolicy", factImagePullPolicy, 0, areaGlobal, ""),
		byDefault(chart+".image.**", "global.image", areaGlobal, whyImage),
		mapTo(chart+".global.registry.name", "global.image.registry", factImageRegistry, 0, areaGlobal, ""),
		mapTo(chart+".global.registry.imagePullSecrets", "global.image.pullSecrets", factImagePullSecrets, 0, areaGlobal, ""),
		mapTo(chart+".imagePullSecrets", "global.image.pullSecrets", factImagePullSecrets, 1, areaGlobal, ""),
		byDefault(chart+".**.inventoryAddress", "", areaModules, whyAddr),
		byDefault(chart+".inventory.addr", "", areaModules, whyAddr),
		byDefault(chart+".inventory.port", "", areaModules, whyAddr),
		byDefault(chart+".**.oamServerAddress", "", areaModules, whyAddr),
		byDefault(chart+".**.oamservaddr", "", areaModules, whyAddr),
		byDefault(chart+".oamserver.**", "", areaModules, "health endpoints are served on listen.http (/healthz, /readyz)"),
		byDefault(chart+".**.serverAddress", "", areaModules, whyAddr),
		byDefault(chart+".**.grpcAddress", "", areaModules, whyAddr),
	}
	for _, k := range []string{"podSecurityContext", "securityContext", "podAnnotations", "nodeSelector", "tolerations", "affinity",
		"autoscaling", "service", "nameOverride", "fullnameOverride", "clusterRoleName", "clusterRoleBindingName"} {
		r = append(r, byDefault(chart+"."+k, m, areaModules, whyChart), byDefault(chart+"."+k+".**", m, areaModules, whyChart))
	}
	return r
}

const (
	whyCORS = "the api module sends no CORS headers (no browser UI is part of the BYO modules): " +
		"a browser application calling the API from another origin needs CORS on the gateway or Ingress in front of it"
	whyAudit = "the api module writes an access log line per request (method, route, status, caller, project; never a token or body) at every log level"
)

// moduleSettingRules carries over each module's own settings.
func moduleSettingRules() []Rule {
	const (
		api  = "infra-core.apiv2."
		hm   = "infra-managers.host-manager."
		mm   = "infra-managers.maintenance-manager."
		osr  = "infra-managers.os-resource-manager."
		om   = "infra-onboarding.onboarding-manager."
		inv  = "infra-core.inventory."
		tc   = "infra-core.tenant-controller."
		cred = "the edge-node credentials the onboarding module issues through the identity provider (ClientIssuer)"
	)
	return []Rule{
		mapTo(api+"eimScenario", "api.scenario, target", factScenario, 0, areaModules, "fulleim/noobb keep the modules; vpro drops onboarding, maintenance and osresource"),
		drop(api+"serviceArgsProxy.allowedCorsOrigins", areaModules, whyCORS),
		byDefault(api+"serviceArgsProxy.baseRESTURL", "", areaModules, "the api module serves /v1 on listen.http under any host name: the public base URL is the Ingress host (global.ingress.hosts.api)"),
		byDefault(api+"*.enableAuditing", "", areaModules, whyAudit),
		byDefault(api+"serviceArgsProxy.echoDebug", "api.logLevel", areaModules, "request logging follows the log level"),
		mapTo(api+"apiv2IngressRoute.apiHostname", "global.ingress.hosts.api", "host.api", 0, areaTLS, "the public API host name"),
		drop(api+"apiv2IngressRoute.**", areaTLS, "Traefik IngressRoute plumbing: the eim chart's Ingress routes /v1 to the api module"),
		byDefault(inv+"inventory.enableAuditing", "", areaModules, whyAudit),
		byDefault(inv+"inventory.policyBundlePath", "", areaModules, "the authorization policies are built into the eim image"),
		mapTo(hm+"traefikReverseProxy.host.grpc.name", "global.ingress.hosts.hostmgr", "host.hostmgr", 0, areaTLS, "the southbound host name edge nodes connect to"),
		mapTo(hm+"heartbeat.baseTimeDuration", "hostmgr.heartbeatInterval", "module.hostmgr.heartbeatInterval", 0, areaModules, "seconds → duration"),
		mapTo(hm+"heartbeat.timeoutTimes", "hostmgr.missedHeartbeats", "module.hostmgr.missedHeartbeats", 0, areaModules, ""),
		drop(hm+"disabledProvisioning", areaModules, "the legacy host manager's check that a host was provisioned before it may report: "+
			"the hostmgr module accepts any registered host of the caller's project (there is no OS provisioning in the BYO modules)"),
		byDefault(hm+"serviceArgs.invCache*", "", areaModules, "the inventory cache is internal to the process"),
		byDefault(mm+"serviceArgs.invCache*", "", areaModules, "the inventory cache is internal to the process"),
		drop(hm+"envs", areaModules, "environment overrides of the legacy container (BYPASS_HOST_READY_CHECK)"),
		drop(hm+"resourcekind", areaModules, "Harvester resource kind of the legacy host manager"),
		mapTo(mm+"traefikReverseProxy.host.grpc.name", "global.ingress.hosts.maintenance", "host.maintenance", 0, areaTLS, "the southbound host name edge nodes poll for updates"),
		mapTo(om+"traefikReverseProxy.host.grpc.name", "global.ingress.hosts.onboarding", "host.onboarding", 0, areaTLS, "the onboarding host name"),
		mapTo(om+"traefikReverseProxy.host.stream.name", "global.ingress.hosts.onboardingStream", "host.onboardingStream", 0, areaTLS, "the onboarding stream host name"),
		mapTo(om+"env.onboardingManagerClientName", toIdentity+".admin.clientID", factIdentityAdminClient, 0, areaIdentity, "the onboarding manager's Keycloak M2M client"),
		mapTo(om+"env.onboardingCredentialsSecretName", toIdentity+".admin.clientSecret", factIdentityAdminSecretPath, 0, areaIdentity, "the Vault KV path of the M2M client secret"),
		mapTo(om+"env.onboardingCredentialsSecretKey", toIdentity+".admin.clientSecret", factIdentityAdminSecretKey, 0, areaIdentity, "the key of the M2M client secret"),
		mapTo(om+"env.enCredentialsPrefix", toIdentity+".admin.clientIDPattern", factIdentityClientPrefix, 0, areaIdentity, "<prefix>{device}: "+cred),
		drop(om+"managerArgs.disableCredentialsManagement", areaModules, "the onboarding module always issues "+cred+
			"; for devices whose credentials come from your identity provider instead, deploy without onboarding (target day2)"),
		drop(tc+"managerArgs.disableCredentialsManagement", areaModules, "the tenant module creates a project's identity roles and secrets paths "+
			"wherever the identity and secrets adapters can (providers.identity's admin client): there is no switch"),
		drop(om+"env.templateClientServiceAccountUser", areaIdentity, "the Keycloak template client of the legacy code: the ClientIssuer capability creates edge-node clients directly"),
		mapTo(om+"certs.secretNameOrchCaCert", "global.ingress.tls.caSecretName", factTLSCASecret, 0, areaTLS, "the Secret with the orchestrator CA edge nodes trust"),
		byDefault(om+"service.enableIO", "onboarding.operatorRole", areaModules, "the onboarding module always serves interactive onboarding (InteractiveOnboardingService), to tokens holding onboarding.operatorRole"),
		secret(drop(om+"env.passWord", areaModules, "the local OS user of provisioned edge nodes (Tinkerbell): OS provisioning is not part of the BYO modules")),
		drop(om+"env.userName", areaModules, "the local OS user of provisioned edge nodes (Tinkerbell): OS provisioning is not part of the BYO modules"),
		drop(om+"env.mode", areaModules, whyProvisioning),
		drop(om+"env.tinkerActions*", areaModules, whyProvisioning),
		drop(om+"env.rsProxyRegistryAddress", areaModules, whyProvisioning),
		drop(om+"pvc.**", areaModules, whyProvisioning),
		drop(osr+"managerArgs.osProfileRevision", areaModules, "the Release Service revision of the profile manifests: the osresource module reads them from osresource.source "+
			"(unset: the catalog built into the eim binary); to pin a revision, serve that revision's manifests from a directory or an https:// tarball there"),
		mapTo(osr+"managerArgs.enabledProfiles", "osresource.enabledProfiles", "module.osresource.enabledProfiles", 0, areaModules, ""),
		mapTo(osr+"managerArgs.osSecurityFeatureEnable", "osresource.osSecurityFeatureEnable", "module.osresource.osSecurityFeatureEnable", 0, areaModules, ""),
		mapTo(osr+"managerArgs.inventoryTickerPeriod", "osresource.resyncInterval", "module.osresource.resyncInterval", 0, areaModules, ""),
		mapTo(osr+"managerArgs.disableProviderAutomation", "osresource.disableProviderAutomation", "module.osresource.disableProviderAutomation", 0, areaModules, ""),
		byDefault(osr+"autoProvision", "osresource.autoProvision", areaModules, "EMF rendered no autoprovisioning settings: it stays off"),
		mapTo(osr+"autoProvision.enabled", "osresource.autoProvision", "module.osresource.autoProvision", 0, areaModules, ""),
		mapTo(osr+"autoProvision.defaultProfile", "osresource.defaultProfile", "module.osresource.defaultProfile", 0, areaModules, ""),
		drop(osr+"managerArgs.rs*", areaModules, "Release Service proxy of the EMF platform: the profile manifests come from osresource.source"),
		drop(osr+"global.proxies.**", areaModules, "proxies of the legacy OS-profile download: set global.proxy"),
		byDefault(tc+"managerArgs.*ResourcesDefinitionPath", "", areaModules, "the default tenant resources are built into the eim image"),
		drop(tc+"lenovoConfig", areaModules, whyLOCA),
		drop(tc+"lenovoConfig.**", areaModules, whyLOCA),
	}
}

// isModuleFact reports whether a fact name belongs to a module's settings block.
func isModuleFact(name string) (mod, key string, ok bool) {
	rest, found := strings.CutPrefix(name, "module.")
	if !found {
		return "", "", false
	}
	mod, key, ok = strings.Cut(rest, ".")
	return mod, key, ok && slices.Contains(moduleOrder(), mod)
}
