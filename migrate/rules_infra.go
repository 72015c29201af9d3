package migrate

import (
	"maps"
	"slices"
)

// Areas group the rules in the mapping table.
const (
	areaDatabase = "database"
	areaIdentity = "identity"
	areaSecrets  = "secrets"
	areaTLS      = "TLS/ingress"
	areaTenancy  = "tenancy"
	areaModules  = "modules"
	areaGlobal   = "global"
	areaEMF      = "EMF"
	areaCharts   = "legacy charts"
)

func mapTo(pattern, to, fact string, prio int, area, why string) Rule {
	return Rule{Pattern: pattern, Class: Mapped, To: to, Fact: fact, Prio: prio, Area: area, Why: why}
}

func drop(pattern, area, why string) Rule {
	return Rule{Pattern: pattern, Class: Dropped, Area: area, Why: why}
}

func dead(pattern, area, why string) Rule {
	return Rule{Pattern: pattern, Class: Dead, Area: area, Why: why}
}

func byDefault(pattern, to, area, why string) Rule {
	return Rule{Pattern: pattern, Class: Defaulted, To: to, Area: area, Why: why}
}

func secret(r Rule) Rule {
	r.Secret = true
	return r
}

const whyNotDeclared = "set by EMF but not declared in the legacy chart's values.yaml: the chart never reads it"

// deadRules lists keys EMF sets that the legacy charts ignore.
func deadRules() []Rule {
	return append(staticDeadRules(), misplacedChartRules()...)
}

// misplacedChartRules: values for a legacy chart written under an umbrella (or chart) that does
// not contain it (infra-core.os-resource-manager, infra-external.mps) reach no chart: Helm
// hands a chart only the values under its own name.
func misplacedChartRules() []Rule {
	charts := legacyCharts()
	var out []Rule
	for _, u := range Umbrellas() {
		for _, name := range slices.Sorted(maps.Keys(charts)) {
			if slices.Equal(charts[name].Path, Path{u, name}) {
				continue
			}
			r := dead(u+"."+name+".**", areaCharts, "values of a legacy chart under an umbrella that does not contain it "+
				"(os-resource-manager is part of infra-managers, mps of infra-external.amt): Helm hands them to no chart, so they had no effect")
			r.Label = "<umbrella>.<a chart it does not contain>.**"
			out = append(out, r)
		}
	}
	return out
}

func staticDeadRules() []Rule {
	return []Rule{
		byDefault("**.multiTenancy.enableCredentialsGroupCache", "", areaTenancy, "the identity adapter caches what it needs"),
		dead("**.multiTenancy.enforceMultiTenancy", areaTenancy, "multi-tenancy is always enforced by the legacy services; no chart reads this key"),
		dead("infra-core.api.**", areaModules, "the v1 api sub-chart was removed from infra-core (apiv2 replaced it): the api block is ignored"),
		dead("infra-core.import.api.enabled", areaModules, "infra-core has no api dependency any more: the toggle is ignored"),
		dead("infra-core.inventory.miinv.**", areaModules, "the inventory chart reads inventory.*, not miinv.*: the block is ignored"),
		dead("infra-core.apiv2.oidc.oidc_env_name", areaIdentity, whyNotDeclared),
		dead("infra-core.tenant-controller.oidc.oidc_server_url", areaIdentity, whyNotDeclared),
		dead("infra-managers.host-manager.serviceArgs.enableTracing", areaGlobal, whyNotDeclared),
		dead("infra-managers.host-manager.serviceArgs.traceURL", areaGlobal, whyNotDeclared),
		dead("infra-managers.maintenance-manager.serviceArgs.traceURL", areaGlobal, whyNotDeclared),
		dead("infra-managers.maintenance-manager.telemetryMgrArgs.enableVal", areaModules, whyNotDeclared),
		dead("infra-managers.attestationstatus-manager.serviceArgs.enableTracing", areaGlobal, whyNotDeclared),
		dead("infra-managers.attestationstatus-manager.serviceArgs.traceURL", areaGlobal, whyNotDeclared),
		dead("infra-managers.os-resource-manager.managerArgs.manualMode", areaModules, whyNotDeclared),
		dead("infra-onboarding.onboarding-manager.env.enableTinkActionTimestamp", areaModules, whyNotDeclared),
		dead("infra-onboarding.onboarding-manager.pvc.storageClassName", areaModules, whyNotDeclared),
		dead("infra-onboarding.tinkerbell.pvc.accessModes", areaCharts, whyNotDeclared),
		dead("infra-onboarding.tinkerbell.tinkerbell_smee.additionalKernelArgs", areaCharts, whyNotDeclared),
		dead("infra-onboarding.tinkerbell.tinkerbell_tink.enabled", areaCharts, whyNotDeclared),
		dead("infra-external.amt.*.tlsOption", areaCharts, whyNotDeclared),
		dead("infra-external.amt.mps.commonName", areaCharts, whyNotDeclared),
		dead("infra-external.amt.rps.postgresql.ssl", areaDatabase, whyNotDeclared),
		dead("infra-external.amt.dm-manager.serviceArgs.passwordPolicy", areaCharts, whyNotDeclared),
		dead("infra-external.import.mps.enabled", areaCharts, "infra-external depends on amt, not on mps/rps/dm-manager: these toggles belong under amt.import"),
		dead("infra-external.import.rps.enabled", areaCharts, "infra-external depends on amt, not on mps/rps/dm-manager: these toggles belong under amt.import"),
		dead("infra-external.import.dm-manager.enabled", areaCharts, "infra-external depends on amt, not on mps/rps/dm-manager: these toggles belong under amt.import"),
	}
}

// infraRules maps the infrastructure settings: database, identity, secrets, TLS and tenancy.
func infraRules() []Rule {
	var out []Rule
	out = append(out, databaseRules()...)
	out = append(out, identityRules()...)
	out = append(out, secretsRules()...)
	out = append(out, tlsRules()...)
	out = append(out, tenancyRules()...)
	return out
}

const (
	toDBConfig = "providers.database.config"
	whyCNPG    = "the in-cluster PostgreSQL (CloudNativePG) EMF deploys: bring your own database through providers.database"
)

func databaseRules() []Rule {
	return []Rule{
		mapTo("infra-core.inventory.postgresql.secrets", toDBConfig+".{host,port,database,user,password}", factDBSecret, 0, areaDatabase,
			"the Kubernetes Secret holding PGHOST/PGPORT/PGDATABASE/PGUSER/PGPASSWORD: mounted at /etc/eim/database, the password is read from it"),
		mapTo("infra-core.inventory.postgresql.ssl", toDBConfig+".tls.mode", factDBSSL, 0, areaDatabase, "ssl true → require (verify-full on aurora), false → disable"),
		mapTo("argo.database.ssl", toDBConfig+".tls.mode", factDBSSL, 1, areaDatabase, "EMF renders it into inventory.postgresql.ssl"),
		mapTo("argo.database.type", toDBConfig, factDBType, 0, areaDatabase, "local: the in-cluster CloudNativePG; aurora: AWS managed PostgreSQL (TLS verify-full)"),
		mapTo("argo.database.databases", toDBConfig+".{database,user}", factDBDatabases, 0, areaDatabase, "the orch-infra/inventory entry names the database <namespace>-<name> and its role <namespace>-<name>_user"),
		mapTo("postgresql-secrets.databases", toDBConfig+".{database,user}", factDBDatabases, 1, areaDatabase, "same list, as rendered for postgresql-secrets"),
		mapTo("postgresql-secrets.host", toDBConfig+".host", factDBHost, 0, areaDatabase, "the CloudNativePG read-write service"),
		drop("postgresql-secrets.**", areaDatabase, whyCNPG),
		mapTo("infra-core.inventory.postgresql.readOnlyReplicasEnabled", toDBConfig+".replica", factDBReplicaEnabled, 0, areaDatabase, "read replica: host and port come from the reader Secret"),
		mapTo("infra-core.inventory.postgresql.readOnlyReplicasSecrets", toDBConfig+".replica", factDBReplicaSecret, 0, areaDatabase, "the reader Secret (PGHOST/PGPORT)"),
		secret(mapTo("infra-core.inventory.postgresql.auth.password", toDBConfig+".password", factDBPassword, 0, areaDatabase,
			"an inline password: store it in the database Secret; the config references it")),
		drop("infra-core.inventory.postgresql.pod.**", areaDatabase, "the inventory chart's in-pod PostgreSQL (test only): bring your own database"),
		drop("argo.postgresql.**", areaDatabase, "tuning of the in-cluster CloudNativePG server: tune your own database"),
		drop("**.postgresql.image.**", areaDatabase, "image of an in-cluster PostgreSQL: bring your own database"),
	}
}

const toIdentity = "providers.identity.config"

func identityRules() []Rule {
	const whyEnvName = "names an environment variable of the legacy containers: eim.yaml configures the identity provider directly"
	return []Rule{
		mapTo("infra-core.apiv2.oidc.oidc_server_url", toIdentity+".{issuer,discoveryURL}", factIdentityURL, 0, areaIdentity,
			"the Keycloak realm URL the API verified tokens against; with a known cluster domain the issuer is the realm's public URL and this one reads discovery"),
		mapTo("**.oidc.oidc_server_url", toIdentity+".{issuer,discoveryURL}", factIdentityURL, 1, areaIdentity, "the same Keycloak realm, as another legacy service saw it"),
		mapTo("**.oidc.oidc_tls_insecure_skip_verify_value", toIdentity+".tls.ca", factIdentityInsecure, 0, areaIdentity,
			"the new identity provider always verifies TLS: when the legacy services skipped it, tls.ca asks for the CA bundle (flagged)"),
		drop("**.oidc.clients.bypass", areaIdentity, "the new identity provider verifies every token: there is no bypass list (flagged when it was not empty)"),
		drop("**.oidc.oidc_env_name", areaIdentity, whyEnvName),
		drop("**.oidc.oidc_tls_insecure_skip_verify_env_name", areaIdentity, whyEnvName),
		drop("**.oidc.allow_missing_auth_clients_env_name", areaIdentity, whyEnvName),
		drop("**.oidc.name", areaIdentity, "the name of the legacy Traefik middleware that checked tokens"),
		mapTo("**.keycloakUrl", toIdentity+".{issuer,admin}", factIdentityKeycloakURL, 0, areaIdentity,
			"the Keycloak base URL the onboarding manager used for its admin calls (edge-node clients)"),
		mapTo("**.keycloakRealm", toIdentity+".issuer", factIdentityRealm, 0, areaIdentity, "the realm of the issuer URL"),
		byDefault("**.enableAuth", toIdentity, areaIdentity, "the new modules always authenticate requests (flagged when it was false)"),
		drop("argo.platform-keycloak.**", areaIdentity, "settings of the Keycloak EMF deploys: BYO, providers.identity points at your Keycloak"),
	}
}

const toSecrets = "providers.secrets.config"

func secretsRules() []Rule {
	return []Rule{
		mapTo("infra-core.tenant-controller.vault.url", toSecrets+".address", factVaultAddress, 0, areaSecrets, "the Vault address"),
		mapTo("infra-onboarding.onboarding-manager.env.vaultUrl", toSecrets+".address", factVaultAddress, 0, areaSecrets, "the Vault address"),
		mapTo("**.vaultUrl", toSecrets+".address", factVaultAddress, 1, areaSecrets, "the Vault address, as another legacy service saw it"),
		mapTo("**.vault.url", toSecrets+".address", factVaultAddress, 1, areaSecrets, "the Vault address, as another legacy service saw it"),
		mapTo("**.vaultRole", toSecrets+".auth.kubernetes.role", factVaultRole, 0, areaSecrets, "the Vault Kubernetes-auth role"),
		mapTo("**.vault.role", toSecrets+".auth.kubernetes.role", factVaultRole, 0, areaSecrets, "the Vault Kubernetes-auth role"),
		secret(mapTo("**.vault.token", toSecrets+".auth.token", factVaultToken, 0, areaSecrets, "a static Vault token (flagged): referenced from a file, or replaced by Kubernetes auth when a role is known")),
		secret(mapTo("**.vaultToken", toSecrets+".auth.token", factVaultToken, 0, areaSecrets, "a static Vault token (flagged): referenced from a file, or replaced by Kubernetes auth when a role is known")),
		secret(mapTo("**.VAULT_TOKEN", toSecrets+".auth.token", factVaultToken, 0, areaSecrets, "a static Vault token (flagged): referenced from a file, or replaced by Kubernetes auth when a role is known")),
		mapTo("**.serviceAccount.name", "global.serviceAccount.name", factServiceAccount, 0, areaSecrets,
			"the service account bound to the Vault Kubernetes-auth role"),
		byDefault("**.serviceAccount.enabled", "global.serviceAccount", areaSecrets, "the eim chart creates its service account"),
		byDefault("**.serviceAccount.create", "global.serviceAccount", areaSecrets, "the eim chart creates its service account"),
		byDefault("**.serviceAccount.annotations", "global.serviceAccount", areaSecrets, "the eim chart creates its service account"),
		drop("argo.vault.**", areaSecrets, "settings of the Vault EMF deploys (HA, unseal, init): BYO, providers.secrets points at your Vault"),
	}
}

func tlsRules() []Rule {
	return []Rule{
		mapTo("argo.tlsSecret", "global.ingress.tls.secretName", factTLSSecret, 0, areaTLS, "the orchestrator's TLS certificate Secret"),
		mapTo("**.traefikReverseProxy.secretName", "global.ingress.tls.secretName", factTLSSecret, 1, areaTLS, "the orchestrator's TLS certificate Secret"),
		mapTo("argo.clusterDomain", "global.ingress.domain", factDomain, 0, areaTLS, "the base domain of every public host name (and of the Keycloak issuer)"),
		mapTo("argo.self-signed-cert.generateOrchCert", "global.ingress.tls.selfSigned", factTLSSelfSigned, 0, areaTLS, "a self-signed orchestrator certificate (flagged)"),
		drop("argo.self-signed-cert.**", areaTLS, "settings of the EMF self-signed certificate job"),
		mapTo("argo.autoCert.enabled", "global.ingress.tls.issuer", factTLSAutoCert, 0, areaTLS, "cert-manager issues the certificate"),
		mapTo("argo.autoCert.issuer", "global.ingress.tls.issuer", factTLSIssuer, 0, areaTLS, "the cert-manager issuer"),
		drop("argo.autoCert.**", areaTLS, "settings of the EMF autocert job (ACME staging)"),
	}
}

// ingressRules drop the Traefik and Istio plumbing; they follow the module rules, which pick
// the public host names out of the Traefik routes first.
func ingressRules() []Rule {
	const whyTraefik = "Traefik ingress routing: the eim chart uses a standard Kubernetes Ingress (global.ingress)"
	return []Rule{
		drop("**.traefikReverseProxy.**", areaTLS, whyTraefik),
		drop("**.traefikApiGroup", areaTLS, whyTraefik),
		drop("**.tlsOption", areaTLS, whyTraefik),
		drop("argo.traefik.**", areaTLS, whyTraefik),
		drop("argo.traefikSvcType", areaTLS, whyTraefik),
		drop("argo.istio.**", areaTLS, "Istio service mesh: the BYO deployment uses TLS to each provider instead of mesh mTLS"),
	}
}

func tenancyRules() []Rule {
	return []Rule{
		mapTo("argo.enabled.defaultTenancy", "tenancy.defaultProject", factDefaultTenancy, 0, areaTenancy,
			"the single-tenancy profile (enable-singleTenancy.yaml): one project, created at start; false or absent: multi-tenancy"),
		mapTo("infra-core.import.tenant-config.enabled", "tenancy.defaultProject", factTenantBootstrap, 0, areaTenancy,
			"the one-shot default-tenant job: its project is created at start"),
		mapTo("infra-core.tenant-config.config.defaultTenant", "tenancy.defaultProject", factTenantProject, 0, areaTenancy, "the first project (tenant)"),
		drop("infra-core.tenant-config.config.defaultUser", areaTenancy, "eim creates no users in your identity provider: "+
			"give your first user the project's roles there (docs/modules/tenant.md lists them)"),
		drop("infra-core.tenant-config.config.defaultOrganization", areaTenancy, "projects have no organization above them in eim: "+
			"a project is named by itself (/v1/projects/<name>)"),
		drop("infra-core.tenant-config.**", areaTenancy, "the default-tenant job's own settings (image)"),
		drop("infra-core.tenant-controller.managerArgs.skipOSProvisioning", areaTenancy, whyProvisioning),
	}
}
