package prereq

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/eim-byoi/eim/providers/identity/keycloak"
	"github.com/eim-byoi/eim/providers/provider"
)

// Targets returns what `eim bootstrap` accepts besides all, in the order all runs them: secrets
// first (the other steps store generated secrets there), then identity, database and messaging.
func Targets() []string { return []string{"secrets", "identity", "database", KindMessaging} }

// Options are the inputs of one bootstrap run.
type Options struct {
	// Target is identity, secrets, database or all.
	Target string
	// DryRun plans without changing anything.
	DryRun bool
	// Admin holds the administrators' credentials.
	Admin *Admin
	// Projects are project (tenant) UUIDs whose legacy realm roles and edge-node group bootstrap
	// identity creates.
	Projects []string
	// HTTPClient reaches Keycloak; http.DefaultClient when nil (the issuer's TLS settings apply
	// through its transport when set).
	HTTPClient *http.Client
}

// Bootstrap plans (and unless DryRun applies) what the spec needs on the target providers.
// A provider the configuration does not use is skipped; one without administrator
// credentials is an error naming the admin file key.
func Bootstrap(ctx context.Context, spec *Spec, o Options) (*Plan, error) {
	plan := &Plan{Target: o.Target, DryRun: o.DryRun}
	ResolveLocal(ctx, spec.Config)
	sk, err := newSink(spec, o.Admin)
	if err != nil {
		return plan, err
	}
	for _, t := range Targets() {
		if o.Target != "all" && o.Target != t {
			continue
		}
		if err := runTarget(ctx, spec, o, sk, t, plan); err != nil {
			return plan, err
		}
	}
	plan.Applied = !o.DryRun
	return plan, nil
}

// runTarget plans target t, adds its steps to plan and, unless a dry run, applies them.
func runTarget(ctx context.Context, spec *Spec, o Options, sk *sink, t string, plan *Plan) error {
	var db *sql.DB
	if t == "database" && spec.Database != nil && o.Admin.Database != nil {
		a := o.Admin.Database
		var err error
		if db, err = spec.Database.OpenSQL(ctx, a.User, a.Password.Value().Reveal(), a.Database); err != nil {
			return fmt.Errorf("database administrator %s: %w", a.User, err)
		}
		defer db.Close()
	}
	steps, err := planTarget(ctx, spec, o, sk, t, db)
	plan.Steps = append(plan.Steps, steps...)
	if err != nil || o.DryRun {
		return err
	}
	return apply(ctx, steps)
}

func planTarget(ctx context.Context, spec *Spec, o Options, sk *sink, t string, db *sql.DB) ([]Step, error) {
	a := o.Admin
	switch t {
	case "secrets":
		if spec.Vault == nil {
			return nil, nil
		}
		if a.Vault == nil {
			return nil, needAdmin("vault", "providers.secrets is vault")
		}
		p := &secretsPlanner{planner: planner{provider: t}, spec: spec, admin: a.Vault, c: sk.vault, sink: sk}
		err := p.plan(ctx)
		return p.steps, err
	case "identity":
		if spec.OIDC != nil {
			return oidcSteps(spec), nil
		}
		if spec.Identity == nil {
			return nil, nil
		}
		if a.Keycloak == nil {
			return nil, needAdmin("keycloak", "providers.identity is keycloak")
		}
		kc, err := keycloakAdmin(ctx, spec.Identity, a.Keycloak, o.HTTPClient)
		if err != nil {
			return nil, err
		}
		p := &identityPlanner{planner: planner{provider: t}, spec: spec, kc: kc, sink: sk, projectIDs: o.Projects}
		err = p.plan(ctx)
		return p.steps, err
	case KindMessaging:
		return planBroker(ctx, spec, o, sk)
	default:
		if spec.Database == nil {
			return nil, nil
		}
		if a.Database == nil {
			return nil, needAdmin("database", "providers.database is "+spec.Database.Dialect)
		}
		p := &databasePlanner{planner: planner{provider: t}, spec: spec, admin: a.Database, db: db, sink: sk}
		err := p.plan(ctx)
		return p.steps, err
	}
}

func needAdmin(key, why string) error {
	return provider.Errorf(provider.InvalidArgument, "%s: the admin credentials file has no %s block (fix: add %s: {...} to the file given with --admin)", why, key, key)
}

func newSink(spec *Spec, a *Admin) (*sink, error) {
	sk := &sink{dir: a.SecretsDir}
	if spec.Vault != nil && a.Vault != nil {
		c, err := VaultClient(spec.Vault, a.Vault.Token.Value().Reveal())
		if err != nil {
			return nil, err
		}
		sk.vault, sk.kvMount = c, spec.Vault.KV.Mount
	}
	return sk, nil
}

func keycloakAdmin(ctx context.Context, c *keycloak.Config, a *KeycloakAdmin, hc *http.Client) (*kcAdmin, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	i := strings.LastIndex(c.Issuer, "/realms/")
	base, realm := c.Issuer[:i], c.Issuer[i+len("/realms/"):]
	tok, err := KeycloakToken(ctx, hc, base, a.Realm, a.ClientID, a.ClientSecret.Value().Reveal(), a.User, a.Password.Value().Reveal())
	if err != nil {
		return nil, err
	}
	return &kcAdmin{base: base, realm: realm, client: hc, token: tok}, nil
}

// ResolveLocal resolves the configuration's {env} and {file} references that can be resolved
// now (the TLS files, existing credentials); the others stay empty.
func ResolveLocal(ctx context.Context, cfg any) {
	src := provider.SecretSources{LookupEnv: os.LookupEnv, ReadFile: os.ReadFile}
	provider.WalkSecretRefs(cfg, "", func(_ string, ref *provider.SecretRef) {
		if !ref.IsZero() && ref.Secret == "" {
			_ = ref.Resolve(ctx, src)
		}
	})
}

func planBroker(ctx context.Context, spec *Spec, o Options, sk *sink) ([]Step, error) {
	if spec.Redis != nil {
		if o.Admin.Redis == nil {
			return nil, needAdmin("redis", "providers.messaging is redis")
		}
		return planRedis(ctx, spec.Redis, o.Admin.Redis, sk)
	}
	if spec.NATS == nil && spec.RabbitMQ == nil {
		return nil, nil
	}
	if spec.RabbitMQ != nil && o.Admin.RabbitMQ == nil {
		return nil, needAdmin("rabbitmq", "providers.messaging is rabbitmq")
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	p := &brokerPlanner{planner: planner{provider: KindMessaging}, spec: spec, admin: o.Admin.RabbitMQ, hc: hc, sink: sk}
	err := p.plan(ctx)
	return p.steps, err
}
