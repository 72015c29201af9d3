package migrate

import (
	"maps"
	"slices"
)

// emfCatalog returns why each EMF application other than the EIM umbrellas is not carried
// over, by application name.
func emfCatalog() map[string]string {
	groups := map[string][]string{
		"Traefik ingress: the eim chart uses a standard Kubernetes Ingress (global.ingress)": {
			"traefik", "traefik-pre", "traefik-boots", "traefik-extra-objects", "traefik-boots-extra-objects", "kyverno-traefik-policy"},
		"Istio service mesh: the BYO deployment uses TLS to each provider instead of mesh mTLS": {
			"istio-base", "istio-policy", "istiod", "kiali", "kyverno-istio-policy", "wait-istio-job"},
		"cluster networking of the EMF platform (load balancers, gateways): the eim chart needs only an Ingress": {
			"ingress-haproxy", "ingress-nginx", "haproxy-ingress-pxe-boots", "nginx-ingress-pxe-boots", "metallb", "metallb-config",
			"aws-lb", "aws-lb-tgb", "multitenant_gateway", "nexus-api-gw", "squid-proxy"},
		"the Keycloak EMF deploys: BYO, providers.identity points at your Keycloak or OIDC provider": {
			"platform-keycloak", "keycloak-operator", "keycloak-tenant-controller", "copy-keycloak-admin-to-infra"},
		"the Vault EMF deploys and configures: BYO, providers.secrets points at your Vault": {
			"vault", "secrets-config", "external-secrets"},
		"the in-cluster PostgreSQL (CloudNativePG) EMF deploys: BYO, providers.database points at your database": {
			"postgresql-operator", "postgresql-cluster", "postgresql-secrets"},
		"EMF certificate plumbing: global.ingress.tls names the certificate, each provider's tls.ca its CA": {
			"cert-manager", "platform-autocert", "self-signed-cert", "certificate-file-server", "cert-synchronizer",
			"secret-wait-tls-orch", "secret-wait-tls-boots", "copy-ca-cert-boots-to-gateway", "copy-ca-cert-boots-to-infra",
			"copy-ca-cert-gateway-to-cattle", "copy-ca-cert-gateway-to-infra"},
		"application orchestration: not part of EIM": {
			"app-deployment-crd", "app-deployment-manager", "app-deployment-manager-secret", "app-resource-manager", "app-service-proxy",
			"app-orch-catalog", "app-orch-tenant-controller", "akri-helper", "akri-helper-role", "fleet-crd", "fleet-controller",
			"fleet-rs-secret", "harbor-oci", "harbor-oci-security-patch", "malware-scanner", "copy-app-gitea-cred-to-fleet",
			"copy-ca-cert-gitea-to-app", "copy-ca-cert-gitea-to-cluster", "copy-cluster-gitea-cred-to-fleet"},
		"cluster orchestration: not part of EIM": {
			"capi-operator-pre", "capi-operator", "capi-providers-config", "cluster-manager", "cluster-connect-gateway",
			"intel-infra-provider", "cluster-autoscaler"},
		"the EMF observability stack: EIM exports metrics (global.metrics) and traces (global.telemetry) to yours": {
			"alerting-monitor", "edgenode-dashboards", "edgenode-observability", "orchestrator-dashboards", "orchestrator-observability",
			"orchestrator-prometheus-agent", "kube-prometheus-stack", "prometheus-crd", "sre-exporter", "observability-tenant-controller",
			"botkube", "audit", "k8s-metrics-server"},
		"the EMF web UI and its helpers: not part of the BYO EIM (use the REST API)": {
			"web-ui-root", "web-ui-app-orch", "web-ui-cluster-orch", "web-ui-infra", "web-ui-admin", "metadata-broker",
			"docs-service", "docs-service-infra", "component-status"},
		"EMF multi-tenancy (Nexus tenancy manager, auth-service): the tenant module manages projects against your identity provider": {
			"tenancy-manager", "tenancy-datamodel", "tenancy-api-mapping", "tenancy-init", "auth-service", "namespace-label",
			"namespace-resource-quota"},
		"EMF platform services (Release Service proxy and tokens, policies, reloader): not needed by the BYO EIM": {
			"rs-proxy", "rs-image-pull-secrets", "oci-secret", "token-fs", "token-refresh", "aws-sm-get-rs-token", "aws-sm-proxy",
			"secret-wait-rs-token", "secret-wait-azure-ad-creds", "copy-rs-token-to-cluster", "reloader", "kyverno", "kyverno-policy",
			"kyverno-extra-policies"},
		whyProvisioning: {"pxe-server"},
		"Argo CD itself: the BYO EIM is a plain Helm release": {"argocd"},
	}
	out := map[string]string{}
	for why, apps := range groups {
		for _, a := range apps {
			out[a] = why
		}
	}
	return out
}

// emfRules classifies the EMF cluster and profile values (argo.*, root.*, ...).
func emfRules() []Rule {
	out := []Rule{
		mapTo("*.global.registry.name", "global.image.registry", factImageRegistry, 1, areaGlobal, ""),
		mapTo("*.global.registry.imagePullSecrets", "global.image.pullSecrets", factImagePullSecrets, 1, areaGlobal, ""),
		mapTo("global.registry.name", "global.image.registry", factImageRegistry, 1, areaGlobal, ""),
		mapTo("global.registry.imagePullSecrets", "global.image.pullSecrets", factImagePullSecrets, 1, areaGlobal, ""),
		secret(drop("argo.infra-onboarding.passWord", areaEMF, "the local OS user of provisioned edge nodes: OS provisioning is not part of the BYO modules")),
		secret(drop("argo.infra-external.loca.osPassword", areaEMF, whyLOCA)),
		mapTo("argo.containerRegistryURL", "global.image.registry", factImageRegistry, 2, areaGlobal, "EMF renders it into global.registry.name"),
		mapTo("argo.imagePullSecrets", "global.image.pullSecrets", factImagePullSecrets, 2, areaGlobal, "EMF renders it into global.registry.imagePullSecrets"),
		mapTo("argo.proxy.httpProxy", "global.proxy.http", factProxyHTTP, 0, areaGlobal, ""),
		mapTo("argo.proxy.httpsProxy", "global.proxy.https", factProxyHTTPS, 0, areaGlobal, ""),
		mapTo("argo.proxy.noProxy", "global.proxy.noProxy", factProxyNo, 0, areaGlobal, ""),
		drop("argo.proxy.**", areaEMF, "proxies handed to edge nodes during OS provisioning"),
		drop("argo.releaseService.**", areaEMF, "the Release Service registry edge nodes are provisioned from"),
		drop("argo.nginxCDN.**", areaEMF, whyProvisioning),
		drop("argo.o11y.**", areaEMF, emfCatalog()["orchestrator-observability"]),
		drop("argo.resources.**", areaEMF, "resources of EMF platform components that are not EIM modules"),
		drop("argo.aws.**", areaEMF, "AWS account wiring of the EMF installer (KMS unseal, IRSA): configure your providers instead"),
		drop("argo.cors.**", areaEMF, "CORS of the EMF web UI: "+whyCORS),
		drop("argo.ui.**", areaEMF, emfCatalog()["web-ui-root"]),
		drop("argo.adm.**", areaEMF, emfCatalog()["app-deployment-manager"]),
		drop("argo.catalog.**", areaEMF, emfCatalog()["app-orch-catalog"]),
		drop("argo.git.**", areaEMF, emfCatalog()["app-deployment-manager"]),
		drop("argo.harbor.**", areaEMF, emfCatalog()["harbor-oci"]),
		drop("argo.metadata-broker.**", areaEMF, emfCatalog()["metadata-broker"]),
		drop("argo.tokenRefresh", areaEMF, emfCatalog()["token-refresh"]),
		drop("argo.tokenRefresh.**", areaEMF, emfCatalog()["token-refresh"]),
	}
	for _, k := range []string{"project", "namespace", "clusterName", "deployRepoURL", "deployRepoRevision", "utilsRepoURL",
		"utilsRepoRevision", "targetServer", "autosync", "chartRepoURL", "rsChartRepoURL", "orchestratorVersion"} {
		out = append(out, drop("argo."+k, areaEMF, "Argo CD / GitOps wiring of the EMF installer: the BYO EIM is a plain Helm release"))
	}
	for _, u := range Umbrellas() {
		out = append(out,
			mapTo("argo.enabled."+u, "target, <module>.enabled", factUmbrellaPrefix+u, 0, areaModules, "the EMF application deploying the legacy "+u+" release"),
			Rule{Pattern: "argo." + u + ".**", Class: throughEMF, To: u + ".*", Area: areaEMF, Why: "input of the EMF template custom/" + u + ".tpl: " +
				"classified as the " + u + " values it renders into; dead when no template reads it (or postCustomTemplateOverwrite replaces what it renders), dropped without --emf-cluster"},
			Rule{Pattern: "postCustomTemplateOverwrite." + u + ".**", Class: throughEMF, To: u + ".*", Area: areaEMF, Why: "merged into the " + u +
				" values: classified as the key it sets there; dead when the application is not enabled, dropped without --emf-cluster"})
	}
	catalog := emfCatalog()
	for _, app := range slices.Sorted(maps.Keys(catalog)) {
		why := catalog[app]
		out = append(out,
			drop("argo.enabled."+app, areaEMF, why),
			drop("argo."+app+".**", areaEMF, why),
			drop("postCustomTemplateOverwrite."+app+".**", areaEMF, why),
			drop(app+".**", areaEMF, why))
	}
	out = append(out,
		drop("root.**", areaEMF, "EMF root-app settings (Argo CD app of apps); the migration read the profile files it lists"),
		drop("orchestratorDeployment.**", areaEMF, "settings of the EMF installer (target cluster, mail server, Argo CD service)"),
		drop("postCustomTemplateOverwrite", areaEMF, "no overwrite is set"),
		drop("import", areaCharts, "an empty import block: it toggles nothing"),
		drop("*.import", areaCharts, "an empty import block: it toggles nothing"))
	return out
}

// chartRules classifies the legacy charts: the import toggles of the charts that become
// modules enable them; every key of the other charts is dropped with the chart's reason.
func chartRules() []Rule {
	var out []Rule
	charts := legacyCharts()
	for _, name := range slices.Sorted(maps.Keys(charts)) {
		info := charts[name]
		toggle := append(Path{}, info.Path[:len(info.Path)-1]...).String() + ".import." + name + ".enabled"
		if info.Module != "" {
			out = append(out, mapTo(toggle, info.Module+".enabled", "module."+info.Module+".enabled", 0, areaModules, "the legacy chart's import toggle"))
			continue
		}
		out = append(out, drop(toggle, areaCharts, info.Why), drop(info.Path.String()+".**", areaCharts, info.Why))
	}
	return out
}
