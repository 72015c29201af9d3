package prereq

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
)

// projects plans the legacy role model of each project: the realm roles <project>_<role> of
// identity.ProjectRoles, the tenant's edge-node group (admin.groupPattern) and its mappings to
// identity.EdgeNodeRoles — what the tenant module creates for projects made through the API,
// needed beforehand where it does not run (the day2 profile).
func (p *identityPlanner) projects(ctx context.Context, exists bool, projects []string) error {
	for _, pr := range projects {
		if err := p.project(ctx, exists, pr); err != nil {
			return err
		}
	}
	return nil
}

func (p *identityPlanner) project(ctx context.Context, exists bool, project string) error {
	for _, r := range identity.ProjectRoles() {
		name := project + "_" + r
		if exists {
			_, err := p.kc.do(ctx, http.MethodGet, "/roles/"+url.PathEscape(name), nil, nil)
			if err == nil {
				continue
			}
			if provider.CodeOf(err) != provider.NotFound {
				return err
			}
		}
		p.add("create", "realm role "+name, "", func(ctx context.Context) error {
			_, err := p.kc.do(ctx, http.MethodPost, "/roles", map[string]string{"name": name}, nil)
			return err
		})
	}
	group := strings.ReplaceAll(p.spec.Identity.Admin.GroupPattern, "{tenant}", project)
	gid, mapped := "", []string(nil)
	if exists {
		var err error
		if gid, err = p.groupID(ctx, group); err != nil {
			return err
		}
		if gid != "" {
			var roles []kcRef
			if _, err := p.kc.do(ctx, http.MethodGet, "/groups/"+gid+"/role-mappings/realm", nil, &roles); err != nil {
				return err
			}
			for _, r := range roles {
				mapped = append(mapped, r.Name)
			}
		}
	}
	if gid == "" {
		p.add("create", "group "+group, "", func(ctx context.Context) error {
			_, err := p.kc.do(ctx, http.MethodPost, "/groups", map[string]string{"name": group}, nil)
			return err
		})
	}
	var missing []string
	for _, r := range identity.EdgeNodeRoles() {
		if !slices.Contains(mapped, project+"_"+r) {
			missing = append(missing, project+"_"+r)
		}
	}
	if len(missing) > 0 {
		p.add("grant", "group "+group, "realm roles "+strings.Join(missing, ", "), func(ctx context.Context) error {
			return p.mapGroup(ctx, group, missing)
		})
	}
	return nil
}

func (p *identityPlanner) mapGroup(ctx context.Context, group string, roles []string) error {
	gid, err := p.groupID(ctx, group)
	if err != nil {
		return err
	}
	reps := make([]kcRef, 0, len(roles))
	for _, r := range roles {
		var rep kcRef
		if _, err := p.kc.do(ctx, http.MethodGet, "/roles/"+url.PathEscape(r), nil, &rep); err != nil {
			return err
		}
		reps = append(reps, rep)
	}
	_, err = p.kc.do(ctx, http.MethodPost, "/groups/"+gid+"/role-mappings/realm", reps, nil)
	return err
}

// groupID returns the id of the top-level group name; "" when there is none.
func (p *identityPlanner) groupID(ctx context.Context, name string) (string, error) {
	var groups []kcRef
	if _, err := p.kc.do(ctx, http.MethodGet, "/groups?exact=true&briefRepresentation=true&search="+url.QueryEscape(name), nil, &groups); err != nil {
		return "", err
	}
	for _, g := range groups {
		if g.Name == name {
			return g.ID, nil
		}
	}
	return "", nil
}
