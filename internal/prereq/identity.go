package prereq

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/eim-byoi/eim/providers/provider"
)

// AudienceScope is the client scope bootstrap adds to the realm's default scopes: its
// audience mappers put the configured audiences into every access token.
const AudienceScope = "eim-audience"

// identityPlanner plans the Keycloak side: the realm, the audience scope (a realm default and a
// default of the admin client), the admin client with the realm-management roles the enabled
// modules need, and its secret at the reference eim.yaml names.
type identityPlanner struct {
	planner
	spec *Spec
	kc   *kcAdmin
	sink *sink
	// projectIDs are the projects whose legacy roles and edge-node group are created.
	projectIDs []string
}

func (p *identityPlanner) plan(ctx context.Context) error {
	var realm struct {
		Realm string `json:"realm"`
	}
	_, err := p.kc.do(ctx, http.MethodGet, "", nil, &realm)
	switch provider.CodeOf(err) {
	case provider.OK:
	case provider.NotFound:
		p.add("create", "realm "+p.kc.realm, "", func(ctx context.Context) error {
			root := *p.kc
			root.realm = ""
			_, err := root.createRealm(ctx, p.kc.realm)
			return err
		})
		return p.planAll(ctx, false)
	default:
		return err
	}
	return p.planAll(ctx, true)
}

// planAll plans the rest; with exists false (a realm still to create) it reads nothing.
func (p *identityPlanner) planAll(ctx context.Context, exists bool) error {
	if err := p.audience(ctx, exists); err != nil {
		return err
	}
	if err := p.projects(ctx, exists, p.projectIDs); err != nil {
		return err
	}
	if p.spec.Identity.Admin.ClientID == "" {
		return nil
	}
	return p.adminClient(ctx, exists)
}

func (k *kcAdmin) createRealm(ctx context.Context, realm string) (http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, k.base+"/admin/realms", strings.NewReader(
		fmt.Sprintf(`{"realm":%q,"enabled":true}`, realm)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+k.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, provider.WithCode(provider.Unavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized {
		return nil, provider.Errorf(provider.PermissionDenied, "create realm %s: %s: the Keycloak administrator lacks the master realm's role create-realm "+
			"(fix: kcadm.sh add-roles -r master --uusername <the administrator> --rolename create-realm, or create the realm and use an administrator of it)", realm, resp.Status)
	}
	if resp.StatusCode != http.StatusCreated {
		return nil, provider.Errorf(provider.FailedPrecondition, "create realm %s: %s", realm, resp.Status)
	}
	return resp.Header, nil
}

func (p *identityPlanner) audienceScope() map[string]any {
	var mappers []map[string]any
	for _, a := range p.spec.Identity.Audiences {
		mappers = append(mappers, map[string]any{"name": "audience-" + a, "protocol": "openid-connect",
			"protocolMapper": "oidc-audience-mapper", "config": map[string]string{"included.custom.audience": a,
				"access.token.claim": "true", "id.token.claim": "false", "introspection.token.claim": "true"}})
	}
	return map[string]any{"name": AudienceScope, "protocol": "openid-connect",
		"attributes":      map[string]string{"include.in.token.scope": "false"},
		"protocolMappers": mappers}
}

// audience plans the audience scope and makes it a realm default.
func (p *identityPlanner) audience(ctx context.Context, exists bool) error {
	if len(p.spec.Identity.Audiences) == 0 {
		return nil
	}
	id := ""
	if exists {
		var err error
		if id, err = p.kc.scopeByName(ctx, AudienceScope); err != nil {
			return err
		}
	}
	if id == "" {
		p.add("create", "client scope "+AudienceScope, "audience "+strings.Join(p.spec.Identity.Audiences, ", "), func(ctx context.Context) error {
			_, err := p.kc.do(ctx, http.MethodPost, "/client-scopes", p.audienceScope(), nil)
			return err
		})
	} else if err := p.audienceMappers(ctx, id); err != nil {
		return err
	}
	isDefault := false
	if id != "" {
		var err error
		if isDefault, err = p.kc.hasScope(ctx, "/default-default-client-scopes", AudienceScope); err != nil {
			return err
		}
	}
	if !isDefault {
		p.add("update", "realm default client scopes", "add "+AudienceScope, func(ctx context.Context) error {
			sid, err := p.kc.scopeByName(ctx, AudienceScope)
			if err != nil {
				return err
			}
			_, err = p.kc.do(ctx, http.MethodPut, "/default-default-client-scopes/"+sid, nil, nil)
			return err
		})
	}
	return nil
}

// audienceMappers plans the audience mappers the existing scope lacks.
func (p *identityPlanner) audienceMappers(ctx context.Context, id string) error {
	var mappers []struct {
		Config map[string]string `json:"config"`
	}
	if _, err := p.kc.do(ctx, http.MethodGet, "/client-scopes/"+id+"/protocol-mappers/models", nil, &mappers); err != nil {
		return err
	}
	have := map[string]bool{}
	for _, m := range mappers {
		have[m.Config["included.custom.audience"]] = true
	}
	for _, m := range p.audienceScope()["protocolMappers"].([]map[string]any) {
		aud := m["config"].(map[string]string)["included.custom.audience"]
		if have[aud] {
			continue
		}
		p.add("update", "client scope "+AudienceScope, "add audience "+aud, func(ctx context.Context) error {
			_, err := p.kc.do(ctx, http.MethodPost, "/client-scopes/"+id+"/protocol-mappers/models", m, nil)
			return err
		})
	}
	return nil
}

// adminClient plans the admin client, its audience scope, its service account's roles and its
// secret at the configured reference.
func (p *identityPlanner) adminClient(ctx context.Context, exists bool) error {
	a := p.spec.Identity.Admin
	id := ""
	if exists {
		var err error
		if id, err = p.kc.clientByID(ctx, a.ClientID); err != nil {
			return err
		}
	}
	if id == "" {
		p.add("create", "client "+a.ClientID, "confidential, service account only", func(ctx context.Context) error {
			_, err := p.kc.do(ctx, http.MethodPost, "/clients", map[string]any{"clientId": a.ClientID, "enabled": true,
				"protocol": "openid-connect", "publicClient": false, "clientAuthenticatorType": "client-secret",
				"serviceAccountsEnabled": true, "standardFlowEnabled": false, "implicitFlowEnabled": false,
				"directAccessGrantsEnabled": false, "name": "EIM admin client (eim bootstrap)"}, nil)
			return err
		})
	}
	if err := p.adminScope(ctx, id); err != nil {
		return err
	}
	if err := p.adminRoles(ctx, id); err != nil {
		return err
	}
	return p.adminSecret(ctx, id)
}

// lookup returns the admin client's internal id at apply time.
func (p *identityPlanner) lookup(ctx context.Context) (string, error) {
	id, err := p.kc.clientByID(ctx, p.spec.Identity.Admin.ClientID)
	if err == nil && id == "" {
		err = provider.Errorf(provider.NotFound, "client %s is missing", p.spec.Identity.Admin.ClientID)
	}
	return id, err
}

func (p *identityPlanner) adminScope(ctx context.Context, id string) error {
	if len(p.spec.Identity.Audiences) == 0 {
		return nil
	}
	if id != "" {
		if ok, err := p.kc.hasScope(ctx, "/clients/"+id+"/default-client-scopes", AudienceScope); err != nil || ok {
			return err
		}
	}
	p.add("update", "client "+p.spec.Identity.Admin.ClientID, "default client scope "+AudienceScope, func(ctx context.Context) error {
		cid, err := p.lookup(ctx)
		if err != nil {
			return err
		}
		if ok, err := p.kc.hasScope(ctx, "/clients/"+cid+"/default-client-scopes", AudienceScope); err != nil || ok {
			return err // a client created after the realm default was set has it already
		}
		sid, err := p.kc.scopeByName(ctx, AudienceScope)
		if err != nil {
			return err
		}
		_, err = p.kc.do(ctx, http.MethodPut, "/clients/"+cid+"/default-client-scopes/"+sid, nil, nil)
		return err
	})
	return nil
}

func (p *identityPlanner) adminRoles(ctx context.Context, id string) error {
	want := p.spec.IdentityRoles()
	missing := want
	if id != "" {
		rm, err := p.kc.clientByID(ctx, "realm-management")
		if err != nil {
			return err
		}
		_, have, err := p.kc.serviceAccountRoles(ctx, id, rm)
		if err != nil {
			return err
		}
		missing = nil
		for _, r := range want {
			if !slices.Contains(have, r) {
				missing = append(missing, r)
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	p.add("grant", "service account of "+p.spec.Identity.Admin.ClientID, "realm-management roles "+strings.Join(missing, ", "),
		func(ctx context.Context) error { return p.grantRoles(ctx, missing) })
	return nil
}

func (p *identityPlanner) grantRoles(ctx context.Context, roles []string) error {
	cid, err := p.lookup(ctx)
	if err != nil {
		return err
	}
	rm, err := p.kc.clientByID(ctx, "realm-management")
	if err != nil {
		return err
	}
	var user kcRef
	if _, err := p.kc.do(ctx, http.MethodGet, "/clients/"+cid+"/service-account-user", nil, &user); err != nil {
		return err
	}
	reps := make([]kcRef, 0, len(roles))
	for _, r := range roles {
		var rep kcRef
		if _, err := p.kc.do(ctx, http.MethodGet, "/clients/"+rm+"/roles/"+r, nil, &rep); err != nil {
			return err
		}
		reps = append(reps, rep)
	}
	_, err = p.kc.do(ctx, http.MethodPost, "/users/"+user.ID+"/role-mappings/clients/"+rm, reps, nil)
	return err
}

// adminSecret plans writing the client's secret to the configured reference unless it holds it.
func (p *identityPlanner) adminSecret(ctx context.Context, id string) error {
	ref := &p.spec.Identity.Admin.ClientSecret
	if ref.IsZero() {
		return nil
	}
	if id != "" {
		cur, ok, err := p.sink.read(ctx, ref)
		if err != nil {
			return err
		}
		if got, err := p.clientSecret(ctx, id); err != nil {
			return err
		} else if ok && cur == got {
			return nil
		}
	}
	st := p.add("write-secret", "secret of client "+p.spec.Identity.Admin.ClientID, "", func(ctx context.Context) error {
		cid, err := p.lookup(ctx)
		if err != nil {
			return err
		}
		s, err := p.clientSecret(ctx, cid)
		if err != nil {
			return err
		}
		return p.sink.write(ctx, ref, s)
	})
	st.SecretTo = p.sink.where(ref)
	return nil
}

func (p *identityPlanner) clientSecret(ctx context.Context, id string) (string, error) {
	var sec struct {
		Value string `json:"value"`
	}
	_, err := p.kc.do(ctx, http.MethodGet, "/clients/"+id+"/client-secret", nil, &sec)
	return sec.Value, err
}

// oidcSteps are the manual steps for a generic OIDC provider, which has no admin API EIM
// knows: what to create there so that eim serve and eim doctor succeed.
func oidcSteps(s *Spec) []Step {
	c := s.OIDC
	p := planner{provider: "identity"}
	p.add("manual", "audience", "make "+c.Issuer+" put one of the audiences ["+strings.Join(c.Audiences, ", ")+
		"] into the aud claim of every access token EIM verifies (an audience mapper or resource indicator)", nil)
	p.add("manual", "project roles", "for each project UUID P, define the roles P_im-r, P_im-rw, P_en-agent-rw and P_en-ob and "+
		"emit them in the claim "+strings.Join(c.Claims.Roles, " or ")+" of users' and agents' tokens", nil)
	if slices.Contains(s.Modules, "onboarding") {
		p.add("manual", "dynamic client registration", "enable RFC 7591 registration at "+c.Issuer+
			" and set clientIssuer.enabled with an initial access token reference (onboarding issues edge-node clients)", nil)
	} else {
		p.add("manual", "edge-node clients", "create one confidential client per edge node (client credentials grant) whose tokens carry "+
			"the role P_en-agent-rw of its project", nil)
	}
	return p.steps
}
