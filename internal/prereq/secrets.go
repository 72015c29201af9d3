package prereq

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/vault/api"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets/vault"
)

// secretsPlanner plans the Vault/OpenBao side: the KV mount, the transit mount and key, EIM's
// policy and its auth role (with the credential the configuration's auth method reads).
type secretsPlanner struct {
	planner
	spec  *Spec
	admin *VaultAdmin
	c     *api.Client
	sink  *sink
}

func (p *secretsPlanner) plan(ctx context.Context) error {
	v := p.spec.Vault
	if err := p.mounts(ctx, v); err != nil {
		return err
	}
	if err := p.policy(ctx); err != nil {
		return err
	}
	return p.auth(ctx, v)
}

func (p *secretsPlanner) mounts(ctx context.Context, v *vault.Config) error {
	mounts, err := p.c.Sys().ListMountsWithContext(ctx)
	if err != nil {
		return fmt.Errorf("list the secrets engines: %w", err)
	}
	kv := strings.Trim(v.KV.Mount, "/")
	if m, ok := mounts[kv+"/"]; !ok {
		p.add("create", "kv-v2 mount "+kv, "", func(ctx context.Context) error {
			return p.c.Sys().MountWithContext(ctx, kv, &api.MountInput{Type: "kv", Options: map[string]string{"version": "2"}})
		})
	} else if m.Type != "kv" || m.Options["version"] != "2" {
		return provider.Errorf(provider.FailedPrecondition, "mount %s/ is %s (version %q), not kv version 2: point kv.mount at a kv-v2 engine", kv, m.Type, m.Options["version"])
	}
	t := v.Transit
	if t == nil {
		return nil
	}
	tm := strings.Trim(t.Mount, "/")
	if _, ok := mounts[tm+"/"]; !ok {
		p.add("create", "transit mount "+tm, "", func(ctx context.Context) error {
			return p.c.Sys().MountWithContext(ctx, tm, &api.MountInput{Type: "transit"})
		})
	} else if s, err := p.c.Logical().ReadWithContext(ctx, tm+"/keys/"+t.Key); err != nil || s != nil {
		return err
	}
	p.add("create", "transit key "+tm+"/keys/"+t.Key, "aes256-gcm96", func(ctx context.Context) error {
		_, err := p.c.Logical().WriteWithContext(ctx, tm+"/keys/"+t.Key, map[string]any{"type": "aes256-gcm96"})
		return err
	})
	return nil
}

func (p *secretsPlanner) policy(ctx context.Context) error {
	want := PolicyHCL(p.spec.VaultPaths())
	got, err := p.c.Sys().GetPolicyWithContext(ctx, p.admin.Policy)
	if err != nil {
		return fmt.Errorf("read policy %s: %w", p.admin.Policy, err)
	}
	if strings.TrimSpace(got) == strings.TrimSpace(want) {
		return nil
	}
	action := "update"
	if got == "" {
		action = "create"
	}
	var paths []string
	for _, vp := range p.spec.VaultPaths() {
		paths = append(paths, vp.Path)
	}
	p.add(action, "policy "+p.admin.Policy, strings.Join(paths, ", "), func(ctx context.Context) error {
		return p.c.Sys().PutPolicyWithContext(ctx, p.admin.Policy, want)
	})
	return nil
}

func (p *secretsPlanner) auth(ctx context.Context, v *vault.Config) error {
	a := v.Auth
	switch {
	case a.AppRole != nil:
		return p.appRole(ctx, a.AppRole)
	case a.Token != nil:
		return p.token(ctx, a.Token)
	case a.Kubernetes != nil:
		return p.kubernetes(ctx, a.Kubernetes)
	case a.JWT != nil:
		return p.jwt(ctx, a.JWT)
	case a.TokenFile != "":
		p.add("manual", "token file "+a.TokenFile, "run Vault Agent with an auth method whose role has token_policies="+p.admin.Policy, nil)
	}
	return nil
}

// ensureAuthMount plans enabling the auth method typ at mount when it is not.
func (p *secretsPlanner) ensureAuthMount(ctx context.Context, mount, typ string) (bool, error) {
	auths, err := p.c.Sys().ListAuthWithContext(ctx)
	if err != nil {
		return false, fmt.Errorf("list the auth methods: %w", err)
	}
	if _, ok := auths[strings.Trim(mount, "/")+"/"]; ok {
		return true, nil
	}
	p.add("create", typ+" auth at "+mount, "", func(ctx context.Context) error {
		return p.c.Sys().EnableAuthWithOptionsWithContext(ctx, mount, &api.EnableAuthOptions{Type: typ})
	})
	return false, nil
}

func (p *secretsPlanner) appRole(ctx context.Context, r *vault.AppRole) error {
	exists, err := p.ensureAuthMount(ctx, r.Mount, "approle")
	if err != nil {
		return err
	}
	role := "auth/" + r.Mount + "/role/" + p.admin.Role
	var cur *api.Secret
	if exists {
		if cur, err = p.c.Logical().ReadWithContext(ctx, role); err != nil {
			return err
		}
	}
	if cur == nil || !hasPolicy(cur, p.admin.Policy) {
		p.add(createOrUpdate(cur), "approle role "+p.admin.Role, "token_policies="+p.admin.Policy, func(ctx context.Context) error {
			_, err := p.c.Logical().WriteWithContext(ctx, role, map[string]any{"token_policies": []string{p.admin.Policy},
				"token_ttl": "1h", "token_max_ttl": "24h"})
			return err
		})
	}
	var rid *api.Secret
	if cur != nil {
		if rid, err = p.c.Logical().ReadWithContext(ctx, role+"/role-id"); err != nil {
			return err
		}
	}
	if got, _ := dataField(rid, "role_id"); got != r.RoleID {
		p.add("update", "approle role-id of "+p.admin.Role, "the roleID of eim.yaml", func(ctx context.Context) error {
			_, err := p.c.Logical().WriteWithContext(ctx, role+"/role-id", map[string]any{"role_id": r.RoleID})
			return err
		})
	}
	return p.secretID(ctx, r, role)
}

// secretID plans a new secret id unless the one at the reference's destination logs in.
func (p *secretsPlanner) secretID(ctx context.Context, r *vault.AppRole, role string) error {
	if cur, ok, err := p.sink.read(ctx, &r.SecretID); err != nil {
		return err
	} else if ok && p.loginWorks(ctx, r, cur) {
		return nil
	}
	st := p.add("write-secret", "approle secret-id of "+p.admin.Role, "a new secret id", func(ctx context.Context) error {
		s, err := p.c.Logical().WriteWithContext(ctx, role+"/secret-id", nil)
		if err != nil {
			return err
		}
		id, _ := dataField(s, "secret_id")
		return p.sink.write(ctx, &r.SecretID, id)
	})
	st.SecretTo = p.sink.where(&r.SecretID)
	return nil
}

func (p *secretsPlanner) loginWorks(ctx context.Context, r *vault.AppRole, secretID string) bool {
	c, err := p.c.Clone()
	if err != nil {
		return false
	}
	c.ClearToken()
	s, err := c.Logical().WriteWithContext(ctx, "auth/"+r.Mount+"/login", map[string]any{"role_id": r.RoleID, "secret_id": secretID})
	if err != nil || s == nil || s.Auth == nil {
		return false
	}
	c.SetToken(s.Auth.ClientToken)
	_ = c.Auth().Token().RevokeSelfWithContext(ctx, "")
	return slices.Contains(s.Auth.Policies, p.admin.Policy)
}

// token plans an orphan periodic token holding the policy unless the one at the reference's
// destination is valid and holds it.
func (p *secretsPlanner) token(ctx context.Context, ref *provider.SecretRef) error {
	if cur, ok, err := p.sink.read(ctx, ref); err != nil {
		return err
	} else if ok {
		if s, err := p.c.Auth().Token().LookupWithContext(ctx, cur); err == nil {
			if pol, _ := s.TokenPolicies(); slices.Contains(pol, p.admin.Policy) {
				return nil
			}
		}
	}
	st := p.add("write-secret", "token with policy "+p.admin.Policy, "an orphan periodic token (period 24h)", func(ctx context.Context) error {
		s, err := p.c.Auth().Token().CreateOrphanWithContext(ctx, &api.TokenCreateRequest{Policies: []string{p.admin.Policy},
			Period: "24h", DisplayName: "eim"})
		if err != nil {
			return err
		}
		return p.sink.write(ctx, ref, s.Auth.ClientToken)
	})
	st.SecretTo = p.sink.where(ref)
	return nil
}

func (p *secretsPlanner) kubernetes(ctx context.Context, k *vault.Kubernetes) error {
	if p.admin.ServiceAccount == "" || p.admin.Namespace == "" {
		p.add("manual", "kubernetes role "+k.Role, fmt.Sprintf("bao write auth/%s/role/%s bound_service_account_names=<sa> "+
			"bound_service_account_namespaces=<ns> token_policies=%s (or set vault.serviceAccount and vault.namespace in the admin file)",
			k.Mount, k.Role, p.admin.Policy), nil)
		return nil
	}
	exists, err := p.ensureAuthMount(ctx, k.Mount, "kubernetes")
	if err != nil {
		return err
	}
	if err := p.kubernetesConfig(ctx, k.Mount, exists); err != nil {
		return err
	}
	role := "auth/" + k.Mount + "/role/" + k.Role
	var cur *api.Secret
	if exists {
		if cur, err = p.c.Logical().ReadWithContext(ctx, role); err != nil {
			return err
		}
	}
	if cur == nil || !hasPolicy(cur, p.admin.Policy) || !kubeBound(cur, p.admin.ServiceAccount, p.admin.Namespace) {
		p.add(createOrUpdate(cur), "kubernetes role "+k.Role, "token_policies="+p.admin.Policy, func(ctx context.Context) error {
			_, err := p.c.Logical().WriteWithContext(ctx, role, map[string]any{"token_policies": []string{p.admin.Policy},
				"bound_service_account_names": p.admin.ServiceAccount, "bound_service_account_namespaces": p.admin.Namespace})
			return err
		})
	}
	return nil
}

func hasPolicy(s *api.Secret, policy string) bool {
	if s == nil || s.Data == nil {
		return false
	}
	list, _ := s.Data["token_policies"].([]any)
	for _, x := range list {
		if x == policy {
			return true
		}
	}
	return false
}

func createOrUpdate(cur *api.Secret) string {
	if cur == nil {
		return "create"
	}
	return "update"
}

func dataField(s *api.Secret, key string) (string, bool) {
	if s == nil || s.Data == nil {
		return "", false
	}
	v, ok := s.Data[key].(string)
	return v, ok
}

// newSecret returns a random secret of 24 bytes, hex encoded (safe in SQL literals and URLs).
func newSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}
