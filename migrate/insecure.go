package migrate

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// detector flags an insecure legacy setting wherever its pattern matches, whatever the key's
// classification: a setting that is dropped can still describe how the legacy deployment ran.
type detector struct {
	Pattern string
	Test    func(v any) bool
	Message func(v any) string
	Fix     string
}

func isFalse(v any) bool { b, ok := asBool(v); return ok && !b }
func isTrue(v any) bool  { b, ok := asBool(v); return ok && b }

func isPlainHTTP(v any) bool {
	s, ok := v.(string)
	return ok && strings.HasPrefix(strings.ToLower(strings.TrimSpace(s)), "http://")
}

func nonEmptyList(v any) bool {
	l, ok := v.([]any)
	if !ok {
		return false
	}
	for _, e := range l {
		if isSet(e) {
			return true
		}
	}
	return false
}

func msg(s string) func(any) string { return func(any) string { return s } }

// detectors returns the insecure-setting checks.
func detectors() []detector {
	const dbFix = "set providers.database.config.tls.mode to verify-full with tls.ca naming the server's CA"
	const idpHTTP = "the identity provider is reached over plain HTTP: token signing keys travel unauthenticated"
	return []detector{
		{"**.postgresql.ssl", isFalse, msg("database connections without TLS (PGSSLMODE=disable)"), dbFix},
		{"argo.database.ssl", isFalse, msg("database connections without TLS (PGSSLMODE=disable)"), dbFix},
		{"**.oidc_tls_insecure_skip_verify_value", isTrue, msg("the identity provider's TLS certificate is not verified"),
			"the new identity provider always verifies: mount Keycloak's CA bundle at providers.identity.config.tls.ca"},
		{"**.insecureSkipVerify", isTrue, msg("TLS certificate verification is disabled"), "trust the server's CA instead"},
		{"**.requireTls", isFalse, msg("TLS is not required"), "require TLS"},
		{"**.clients.bypass", nonEmptyList, func(v any) string {
			return fmt.Sprintf("token checks are bypassed for clients %v", v)
		}, "remove the bypass: the new identity provider verifies every token (grant the client a role instead)"},
		{"**.vault.token", isSet, msg("a static Vault token"), "use Vault Kubernetes auth (providers.secrets.config.auth.kubernetes.role)"},
		{"**.vaultToken", isSet, msg("a static Vault token"), "use Vault Kubernetes auth (providers.secrets.config.auth.kubernetes.role)"},
		{"**.VAULT_TOKEN", isSet, msg("a static Vault token"), "use Vault Kubernetes auth (providers.secrets.config.auth.kubernetes.role)"},
		{"**.vaultUrl", isPlainHTTP, msg("Vault is reached over plain HTTP"), "use https:// and providers.secrets.config.tls.ca"},
		{"**.vault.url", isPlainHTTP, msg("Vault is reached over plain HTTP"), "use https:// and providers.secrets.config.tls.ca"},
		{"**.oidc_server_url", isPlainHTTP, msg(idpHTTP), "use the realm's https:// URL"},
		{"**.keycloakUrl", isPlainHTTP, msg(idpHTTP), "use Keycloak's https:// URL"},
		{"**.enableAuth", isFalse, msg("request authentication is disabled"), "the new modules always authenticate; make sure clients send tokens"},
		{"argo.vault.authorizedAddrs", func(v any) bool { s, _ := v.(string); return strings.Contains(s, "0.0.0.0/0") },
			msg("Vault trusts X-Forwarded-For from any address (0.0.0.0/0)"), "restrict authorizedAddrs to your load balancers"},
		{"argo.self-signed-cert.generateOrchCert", isTrue, msg("the orchestrator uses a self-signed certificate"),
			"issue the certificate from your CA or cert-manager (global.ingress.tls)"},
	}
}

// credentialKey matches key names that usually hold a credential.
var credentialKey = regexp.MustCompile(`(?i)(password|passwd|secret_?key|client_?secret|token|api_?key|private_?key)$`)

// knownDefault is a credential the legacy charts or EMF templates set by default.
type knownDefault struct {
	Pattern string
	Value   string
	Message string
	Fix     string
}

// knownDefaults lists the default credentials of the legacy charts and EMF templates.
func knownDefaults() []knownDefault {
	const osUser = "the local OS user of every edge node the legacy stack provisioned has EMF's default password " +
		"(custom/infra-onboarding.tpl and the onboarding-manager chart set it when none is given; the value is not shown)"
	const osFix = "change that user's password, or remove the user, on every edge node the legacy stack provisioned: anyone who knows " +
		"the default can log in. The BYO modules do not provision operating systems, so nothing sets it again"
	return []knownDefault{
		{"**.onboarding-manager.env.passWord", "user", osUser, osFix},
		{"argo.infra-onboarding.passWord", "user", osUser, osFix},
	}
}

// weakPasswords returns values no credential should have: common defaults.
func weakPasswords() []string {
	return []string{"user", "password", "passw0rd", "admin", "administrator", "root", "changeme", "changeit",
		"secret", "default", "test", "guest", "123456", "12345678", "password1", "letmein"}
}

// userKeys returns the keys that name a user next to a password.
func userKeys() []string { return []string{"userName", "username", "user", "login", "adminUser"} }

// defaultCredential flags a credential that holds a known default: one of the legacy defaults,
// a common default password, or the user name next to it. Its value is never shown.
func defaultCredential(t Tree, l Leaf, pats [][]string, defaults []knownDefault) (Finding, bool) {
	s, ok := l.Value.(string)
	if !ok || s == "" || !credentialKey.MatchString(l.Path[len(l.Path)-1]) {
		return Finding{}, false
	}
	key := l.Path.String()
	for i, d := range defaults {
		if ok, _ := matchPattern(pats[i], l.Path); ok && s == d.Value {
			return Finding{Key: key, Message: d.Message, Fix: d.Fix}, true
		}
	}
	const fix = "change it wherever the legacy deployment used it, and keep the new one in your secrets provider"
	if slices.Contains(weakPasswords(), strings.ToLower(s)) {
		return Finding{Key: key, Message: "a well-known default password (the value is not shown)", Fix: fix}, true
	}
	parent := subtree(t, l.Path[:len(l.Path)-1]...)
	for _, u := range userKeys() {
		if name, ok := parent[u].(string); ok && name != "" && name == s {
			return Finding{Key: key, Message: "the password is the user name next to it (" + u + "; the value is not shown)", Fix: fix}, true
		}
	}
	return Finding{}, false
}
