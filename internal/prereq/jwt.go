package prereq

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/hashicorp/vault/api"

	"github.com/eim-byoi/eim/providers/secrets/vault"
)

// jwtBinding is the issuer, audience and subject the jwt role binds, from the admin file and,
// for what it leaves unset, providers.identity.
type jwtBinding struct {
	issuer, ca, audience, subject string
}

func (p *secretsPlanner) jwtBinding() (jwtBinding, bool) {
	j := p.admin.JWT
	if j == nil || j.Subject == "" {
		return jwtBinding{}, false
	}
	b := jwtBinding{issuer: j.Issuer, audience: j.Audience, subject: j.Subject}
	if id := p.spec.Identity; id != nil {
		if b.issuer == "" {
			b.issuer = id.Issuer
		}
		if b.audience == "" && len(id.Audiences) > 0 {
			b.audience = id.Audiences[0]
		}
	}
	if j.CA != "" {
		pem, err := os.ReadFile(j.CA)
		if err != nil {
			return jwtBinding{}, false
		}
		b.ca = string(pem)
	}
	return b, b.issuer != "" && b.audience != ""
}

// jwt plans the jwt auth method at its mount, its issuer (OIDC discovery) and EIM's role:
// tokens of that issuer with the audience and the subject get EIM's policy.
func (p *secretsPlanner) jwt(ctx context.Context, j *vault.JWT) error {
	b, ok := p.jwtBinding()
	if !ok {
		p.add("manual", "jwt role "+j.Role, fmt.Sprintf("bao auth enable -path=%s jwt; bao write auth/%s/config oidc_discovery_url=<your issuer> bound_issuer=<your issuer>; "+
			"bao write auth/%s/role/%s role_type=jwt user_claim=sub bound_audiences=<aud> bound_subject=<sub> token_policies=%s "+
			"(or set vault.jwt.subject, and issuer and audience unless providers.identity names them, in the admin file)",
			j.Mount, j.Mount, j.Mount, j.Role, p.admin.Policy), nil)
		return nil
	}
	mount := strings.Trim(j.Mount, "/")
	exists, err := p.ensureAuthMount(ctx, mount, "jwt")
	if err != nil {
		return err
	}
	var cfg, role *api.Secret
	if exists {
		if cfg, err = p.c.Logical().ReadWithContext(ctx, "auth/"+mount+"/config"); err != nil {
			return err
		}
		if role, err = p.c.Logical().ReadWithContext(ctx, "auth/"+mount+"/role/"+j.Role); err != nil {
			return err
		}
	}
	if got, _ := dataField(cfg, "oidc_discovery_url"); got != b.issuer || !fieldIs(cfg, "bound_issuer", b.issuer) {
		p.add(createOrUpdate(cfg), "jwt config of "+mount, "oidc_discovery_url="+b.issuer, func(ctx context.Context) error {
			data := map[string]any{"oidc_discovery_url": b.issuer, "bound_issuer": b.issuer}
			if b.ca != "" {
				data["oidc_discovery_ca_pem"] = b.ca
			}
			_, err := p.c.Logical().WriteWithContext(ctx, "auth/"+mount+"/config", data)
			return err
		})
	}
	if jwtRoleMatches(role, b, p.admin.Policy) {
		return nil
	}
	detail := "bound_audiences=" + b.audience + " bound_subject=" + b.subject + " token_policies=" + p.admin.Policy
	p.add(createOrUpdate(role), "jwt role "+j.Role, detail, func(ctx context.Context) error {
		_, err := p.c.Logical().WriteWithContext(ctx, "auth/"+mount+"/role/"+j.Role, map[string]any{"role_type": "jwt", "user_claim": "sub",
			"bound_audiences": []string{b.audience}, "bound_subject": b.subject, "token_policies": []string{p.admin.Policy},
			"token_ttl": "1h", "token_max_ttl": "24h"})
		return err
	})
	return nil
}

func fieldIs(s *api.Secret, key, want string) bool {
	got, _ := dataField(s, key)
	return got == want
}

func jwtRoleMatches(role *api.Secret, b jwtBinding, policy string) bool {
	if role == nil || role.Data == nil || !hasPolicy(role, policy) {
		return false
	}
	auds, _ := role.Data["bound_audiences"].([]any)
	return fieldIs(role, "role_type", "jwt") && fieldIs(role, "user_claim", "sub") && fieldIs(role, "bound_subject", b.subject) &&
		len(auds) == 1 && slices.Contains(auds, any(b.audience))
}
