package migrate

import "github.com/eim-byoi/eim/services/module"

// chartInfo describes one legacy infra chart: where its values sit in the normalized tree and
// the EIM module it becomes, if any.
type chartInfo struct {
	// Path is the key path of the chart's values: umbrella, then sub-chart names.
	Path Path
	// Module is the new module the chart turns into; "" when it has none.
	Module string
	// Why explains, for a chart without a module, why its settings are not carried over.
	Why string
}

// Umbrellas lists the legacy umbrella charts (the releases EMF deploys), in deployment order.
func Umbrellas() []string {
	return []string{"infra-core", "infra-managers", "infra-onboarding", "infra-external"}
}

const (
	whyProvisioning = "OS provisioning stack (Tinkerbell/DKAM/PXE): the BYO EIM modules onboard devices without it"
	whyAMT          = "the Device Management Toolkit's own servers (MPS, RPS, KVM, SOL) of the legacy out-of-band stack: eim deploys none of them; its oob module drives the MPS and RPS you run (oob.mps, oob.rps)"
	whyLOCA         = "Lenovo LOCA integration: not part of the BYO EIM modules"
	whyTelemetry    = "telemetry profiles: the BYO EIM exports metrics and traces through global.metrics/global.telemetry"
)

// legacyCharts returns every legacy infra chart by its chart name (the key under its umbrella).
func legacyCharts() map[string]chartInfo {
	c := func(module, why string, path ...string) chartInfo {
		return chartInfo{Path: path, Module: module, Why: why}
	}
	return map[string]chartInfo{
		"inventory":                 c(module.Inventory, "", "infra-core", "inventory"),
		"apiv2":                     c(module.API, "", "infra-core", "apiv2"),
		"api":                       c("", "the v1 API chart was removed from infra-core: the api block is ignored (dead in legacy)", "infra-core", "api"),
		"tenant-controller":         c(module.Tenant, "", "infra-core", "tenant-controller"),
		"tenant-config":             c("", "one-shot job that creates the default tenant: the tenant module's bootstrap settings replace it", "infra-core", "tenant-config"),
		"exporter":                  c("", "Prometheus exporter of inventory metrics: the inventory module exposes /metrics itself", "infra-core", "exporter"),
		"credentials":               c("", "one-shot job that seeds Keycloak/Vault credentials: the identity adapter's admin client replaces it", "infra-core", "credentials"),
		"host-manager":              c(module.HostMgr, "", "infra-managers", "host-manager"),
		"maintenance-manager":       c(module.Maintenance, "", "infra-managers", "maintenance-manager"),
		"os-resource-manager":       c(module.OSResource, "", "infra-managers", "os-resource-manager"),
		"networking-manager":        c("", "IP-uniqueness checks of the networking manager: not part of the BYO EIM modules", "infra-managers", "networking-manager"),
		"telemetry-manager":         c("", whyTelemetry, "infra-managers", "telemetry-manager"),
		"attestationstatus-manager": c("", "attestation status manager: not part of the BYO EIM modules", "infra-managers", "attestationstatus-manager"),
		"onboarding-manager":        c(module.Onboarding, "", "infra-onboarding", "onboarding-manager"),
		"dkam":                      c("", whyProvisioning, "infra-onboarding", "dkam"),
		"tinkerbell":                c("", whyProvisioning, "infra-onboarding", "tinkerbell"),
		"tinkerbell_tink":           c("", whyProvisioning, "infra-onboarding", "tinkerbell", "tinkerbell_tink"),
		"tinkerbell_smee":           c("", whyProvisioning, "infra-onboarding", "tinkerbell", "tinkerbell_smee"),
		"tinkerbell_hegel":          c("", whyProvisioning, "infra-onboarding", "tinkerbell", "tinkerbell_hegel"),
		"pxe-server":                c("", whyProvisioning, "infra-onboarding", "pxe-server"),
		"infra-config":              c("", "edge-node provisioning configuration (agent manifest, proxies, NTP, firewall): the BYO edge nodes are configured by their own installer", "infra-onboarding", "infra-config"),
		"amt":                       c("", whyAMT, "infra-external", "amt"),
		"mps":                       c("", whyAMT, "infra-external", "amt", "mps"),
		"rps":                       c("", whyAMT, "infra-external", "amt", "rps"),
		"dm-manager":                c(module.OOB, "", "infra-external", "amt", "dm-manager"),
		"kvm-manager":               c("", whyAMT, "infra-external", "amt", "kvm-manager"),
		"sol-manager":               c("", whyAMT, "infra-external", "amt", "sol-manager"),
		"loca-manager":              c("", whyLOCA, "infra-external", "loca-manager"),
		"loca-metadata-manager":     c("", whyLOCA, "infra-external", "loca-metadata-manager"),
		"loca-templates-manager":    c("", whyLOCA, "infra-external", "loca-templates-manager"),
		"loca-credentials":          c("", whyLOCA, "infra-external", "loca-credentials"),
	}
}

// ChartPath returns where the values of the legacy chart named chart sit in the normalized
// tree: nothing for an umbrella (its values are already at the top), the umbrella and
// sub-chart names for a known sub-chart, and the chart name itself otherwise.
func ChartPath(chart string) Path {
	for _, u := range Umbrellas() {
		if u == chart {
			return Path{u}
		}
	}
	if info, ok := legacyCharts()[chart]; ok {
		return info.Path
	}
	return Path{chart}
}

// moduleCharts returns, per new module, the legacy chart it comes from.
func moduleCharts() map[string]chartInfo {
	out := map[string]chartInfo{}
	for _, info := range legacyCharts() {
		if info.Module != "" {
			out[info.Module] = info
		}
	}
	return out
}
