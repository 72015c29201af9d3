package prereq

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/hashicorp/vault/api"
)

// kubernetesConfig plans the kubernetes auth method's API server (host, CA and token
// reviewer) when the admin file names it. The reviewer's token cannot be read back: an existing
// configuration with the same host and CA is kept.
func (p *secretsPlanner) kubernetesConfig(ctx context.Context, mount string, exists bool) error {
	k := p.admin.Kubernetes
	if k == nil || k.Host == "" {
		return nil
	}
	var ca string
	if k.CA != "" {
		b, err := os.ReadFile(k.CA)
		if err != nil {
			return fmt.Errorf("vault.kubernetes.ca of the admin file: %w", err)
		}
		ca = string(b)
	}
	var cur *api.Secret
	if exists {
		var err error
		if cur, err = p.c.Logical().ReadWithContext(ctx, "auth/"+mount+"/config"); err != nil {
			return err
		}
	}
	if fieldIs(cur, "kubernetes_host", k.Host) && strings.TrimSpace(fieldOf(cur, "kubernetes_ca_cert")) == strings.TrimSpace(ca) {
		return nil
	}
	detail := "kubernetes_host=" + k.Host
	if !k.TokenReviewerJWT.IsZero() {
		detail += ", token reviewer " + k.TokenReviewerJWT.String()
	}
	p.add(createOrUpdate(cur), "kubernetes config of "+mount, detail, func(ctx context.Context) error {
		data := map[string]any{"kubernetes_host": k.Host, "kubernetes_ca_cert": ca}
		if jwt := k.TokenReviewerJWT.Value().Reveal(); jwt != "" {
			data["token_reviewer_jwt"] = strings.TrimSpace(jwt)
		}
		_, err := p.c.Logical().WriteWithContext(ctx, "auth/"+mount+"/config", data)
		return err
	})
	return nil
}

func fieldOf(s *api.Secret, key string) string {
	v, _ := dataField(s, key)
	return v
}

// kubeBound reports whether the role binds exactly the service account and namespace.
func kubeBound(role *api.Secret, sa, ns string) bool {
	if role == nil || role.Data == nil {
		return false
	}
	names, _ := role.Data["bound_service_account_names"].([]any)
	nss, _ := role.Data["bound_service_account_namespaces"].([]any)
	return len(names) == 1 && slices.Contains(names, any(sa)) && len(nss) == 1 && slices.Contains(nss, any(ns))
}
