package prereq

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/eim-byoi/eim/providers/provider"
)

// Admin holds the privileged credentials bootstrap uses, read from its own file (never from
// eim.yaml, which only names the least-privileged identities EIM runs with). Every credential
// is a secret reference ({env} or {file}).
type Admin struct {
	// Keycloak is a Keycloak administrator: a user of Realm (master by default) logging in
	// through ClientID (admin-cli), or with ClientSecret a confidential admin client.
	Keycloak *KeycloakAdmin `yaml:"keycloak,omitempty"`
	// Vault is a Vault/OpenBao token allowed to mount engines, write policies and auth roles.
	Vault *VaultAdmin `yaml:"vault,omitempty"`
	// Database is a database superuser (PostgreSQL: CREATEDB and CREATEROLE suffice; MySQL:
	// CREATE USER, CREATE and GRANT OPTION).
	Database *DatabaseAdmin `yaml:"database,omitempty"`
	// RabbitMQ is a RabbitMQ administrator of the management API (providers.messaging is
	// rabbitmq); NATS needs none (bootstrap prints its manual step).
	RabbitMQ *RabbitMQAdmin `yaml:"rabbitmq,omitempty"`
	// Redis is a Redis user allowed to manage ACL users (ACL GETUSER, SETUSER, DRYRUN, SAVE;
	// CONFIG GET) when providers.messaging is redis.
	Redis *RedisAdmin `yaml:"redis,omitempty"`
	// SecretsDir receives generated secrets whose reference in eim.yaml is {env: VAR}, one file
	// of mode 0600 each; ./eim-secrets when unset.
	SecretsDir string `yaml:"secretsDir,omitempty"`
}

// KeycloakAdmin is a Keycloak administrator's login.
type KeycloakAdmin struct {
	// Realm is the realm the administrator logs in to; master when unset.
	Realm string `yaml:"realm,omitempty"`
	// ClientID is the client the administrator logs in through; admin-cli when unset.
	ClientID string `yaml:"clientID,omitempty"`
	// ClientSecret is the secret of a confidential admin client (client credentials grant).
	ClientSecret provider.SecretRef `yaml:"clientSecret,omitempty"`
	// User is the administrator's user name (password grant).
	User string `yaml:"user,omitempty"`
	// Password is the administrator's password.
	Password provider.SecretRef `yaml:"password,omitempty"`
}

// VaultAdmin is a Vault administrator's token and the names bootstrap gives what it creates.
type VaultAdmin struct {
	// Token is the administrator's token (`eim bootstrap secrets --print-admin-policy` prints
	// the policy it needs).
	Token provider.SecretRef `yaml:"token"`
	// Policy is the name of EIM's policy; eim when unset.
	Policy string `yaml:"policy,omitempty"`
	// Role is the name of EIM's AppRole, Kubernetes or JWT role; eim when unset.
	Role string `yaml:"role,omitempty"`
	// ServiceAccount and Namespace bind the Kubernetes auth role (kubernetes auth only).
	ServiceAccount string `yaml:"serviceAccount,omitempty"`
	Namespace      string `yaml:"namespace,omitempty"`
	// JWT binds the jwt auth role (jwt auth only); without it bootstrap prints the manual step.
	JWT *VaultJWT `yaml:"jwt,omitempty"`
	// Kubernetes configures the kubernetes auth method (kubernetes auth only): the API server
	// that reviews the service-account tokens. Without it bootstrap creates the role only.
	Kubernetes *VaultKubernetes `yaml:"kubernetes,omitempty"`
}

// VaultKubernetes is the API server the kubernetes auth method asks to review tokens.
type VaultKubernetes struct {
	// Host is the API server's URL as Vault reaches it (kubernetes_host), e.g.
	// https://kubernetes.default.svc or https://10.0.0.1:6443.
	Host string `yaml:"host"`
	// CA is the PEM file of the API server's CA (kubernetes_ca_cert).
	CA string `yaml:"ca,omitempty"`
	// TokenReviewerJWT is the token of a service account bound to the ClusterRole
	// system:auth-delegator (token_reviewer_jwt); when unset Vault reviews each login with the
	// logging-in token itself, which then needs system:auth-delegator.
	TokenReviewerJWT provider.SecretRef `yaml:"tokenReviewerJWT,omitempty"`
}

// VaultJWT is what the jwt auth method trusts and the role requires of the token EIM presents.
type VaultJWT struct {
	// Issuer is the OIDC issuer whose keys Vault discovers (oidc_discovery_url, bound_issuer);
	// providers.identity's issuer when unset.
	Issuer string `yaml:"issuer,omitempty"`
	// CA is the PEM file of the CA of the issuer's TLS certificate when the system roots do not
	// hold it (oidc_discovery_ca_pem).
	CA string `yaml:"ca,omitempty"`
	// Audience is the audience the token carries (bound_audiences); providers.identity's first
	// audience when unset.
	Audience string `yaml:"audience,omitempty"`
	// Subject is the token's sub claim (bound_subject), e.g. the id of the service-account user
	// of EIM's Keycloak client (required).
	Subject string `yaml:"subject"`
}

// DatabaseAdmin is a database administrator's login.
type DatabaseAdmin struct {
	// User is the administrator's user name.
	User string `yaml:"user"`
	// Password is the administrator's password.
	Password provider.SecretRef `yaml:"password"`
	// Database is the database the administrator connects to: postgres (PostgreSQL) or none
	// (MySQL) when unset.
	Database string `yaml:"database,omitempty"`
	// VaultUser is the role Vault's database secrets engine logs in as to create the runtime
	// users when database.dynamic is set (PostgreSQL); <runtimeRole>_vault when unset.
	VaultUser string `yaml:"vaultUser,omitempty"`
}

// LoadAdmin reads the admin file strictly and resolves its references from the environment
// and files.
func LoadAdmin(ctx context.Context, path string) (*Admin, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, provider.WithCode(provider.InvalidArgument, fmt.Errorf("admin credentials: %w", err))
	}
	var a Admin
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&a); err != nil {
		return nil, provider.WithCode(provider.InvalidArgument, fmt.Errorf("admin credentials %s: %w", path, err))
	}
	src := provider.SecretSources{LookupEnv: os.LookupEnv, ReadFile: os.ReadFile}
	var errs []error
	provider.WalkSecretRefs(&a, "", func(p string, ref *provider.SecretRef) {
		if !ref.IsZero() {
			if err := ref.Resolve(ctx, src); err != nil {
				errs = append(errs, fmt.Errorf("admin credentials %s: %w", p, err))
			}
		}
	})
	a.setDefaults()
	return &a, errors.Join(errs...)
}

func (a *Admin) setDefaults() {
	if a.SecretsDir == "" {
		a.SecretsDir = "eim-secrets"
	}
	if k := a.Keycloak; k != nil {
		if k.Realm == "" {
			k.Realm = "master"
		}
		if k.ClientID == "" {
			k.ClientID = "admin-cli"
		}
	}
	if v := a.Vault; v != nil {
		if v.Policy == "" {
			v.Policy = "eim"
		}
		if v.Role == "" {
			v.Role = "eim"
		}
	}
}
