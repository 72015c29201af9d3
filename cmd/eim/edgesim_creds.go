package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/edgesim"
	"github.com/eim-byoi/eim/services/process"
)

// edgeSimWiring gives eim edge-sim its fleet, credentials and API tokens from the flags.
type edgeSimWiring struct {
	flags  edgeSimFlags
	conf   *config.Config
	minter *process.Minter
}

// open opens the embedded issuer once (the server's eim.yaml: the same dataDir or providers).
func (w *edgeSimWiring) open(ctx context.Context, log *slog.Logger, r *process.Redactor) (*process.Minter, error) {
	if w.minter == nil {
		m, err := process.OpenMinter(ctx, w.conf, log, r)
		if err != nil {
			return nil, fmt.Errorf("%w (or give the nodes credentials with --credentials or --onboard)", err)
		}
		w.minter = m
	}
	return w.minter, nil
}

func (w *edgeSimWiring) close(ctx context.Context) {
	if w.minter != nil {
		_ = w.minter.Close(context.WithoutCancel(ctx))
	}
}

// tenants are the projects <prefix>-1 .. <prefix>-<tenants>.
func (w *edgeSimWiring) tenants() []edgesim.Tenant {
	out := make([]edgesim.Tenant, max(w.flags.tenants, 1))
	for i := range out {
		out[i].Name = fmt.Sprintf("%s-%d", w.flags.prefix, i+1)
	}
	return out
}

// credentials sets cfg's fleet and credentials.
func (w *edgeSimWiring) credentials(ctx context.Context, log *slog.Logger, r *process.Redactor, cfg *edgesim.Config) error {
	f := w.flags
	switch {
	case f.credentials != "":
		fleet, creds, err := edgesim.LoadCredentialsFile(f.credentials, nil)
		if err != nil {
			return err
		}
		cfg.Fleet, cfg.Credentials = fleet, edgesim.NewClientCredentials(creds)
		return nil
	case f.onboard:
		url, err := w.onboardTokenURL(ctx, log, r)
		if err != nil {
			return err
		}
		cfg.Fleet = edgesim.NewFleet(f.nodes, w.tenants(), f.seed)
		cfg.Credentials = edgesim.NewOnboarding(cfg.Fleet, url, nil, provider.Backoff{})
		return nil
	}
	m, err := w.open(ctx, log, r)
	if err != nil {
		return err
	}
	cfg.Fleet = edgesim.NewFleet(f.nodes, w.tenants(), f.seed)
	if !f.register {
		if err := resolveTenants(ctx, m, cfg.Fleet); err != nil {
			return err
		}
	}
	role := w.conf.Southbound.AgentRole
	cfg.Credentials = edgesim.NewMinted(cfg.Fleet, f.tokenTTL, func(ctx context.Context, subject, project string) (string, error) {
		tok, err := m.Mint(ctx, process.TokenRequest{Project: project, Roles: []string{role}, Subject: subject, TTL: f.tokenTTL})
		if err != nil {
			return "", err
		}
		return tok.Token, nil
	})
	return nil
}

// onboardTokenURL is --token-url, or the embedded issuer's token endpoint.
func (w *edgeSimWiring) onboardTokenURL(ctx context.Context, log *slog.Logger, r *process.Redactor) (string, error) {
	if w.flags.tokenURL != "" {
		return w.flags.tokenURL, nil
	}
	m, err := process.OpenMinter(ctx, w.conf, log, r)
	if err == nil {
		w.minter = m
		if u := m.TokenURL(); u != "" {
			return u, nil
		}
	}
	return "", provider.Errorf(provider.InvalidArgument,
		"--token-url: name the token endpoint of the clients the nodes obtain by onboarding (your identity provider's)")
}

// resolveTenants fills in the fleet's project ids from the inventory.
func resolveTenants(ctx context.Context, m *process.Minter, fleet []edgesim.Node) error {
	ids := map[string]string{}
	for i := range fleet {
		name := fleet[i].Tenant.Name
		id, ok := ids[name]
		if !ok {
			var err error
			if id, err = m.ProjectID(ctx, name); err != nil {
				return fmt.Errorf("%w (or add --register --create-projects)", err)
			}
			ids[name] = id
		}
		fleet[i].Tenant.ID = id
	}
	return nil
}

// registration is how --register calls the API.
func (w *edgeSimWiring) registration(ctx context.Context, log *slog.Logger, r *process.Redactor) (edgesim.Registration, error) {
	f := w.flags
	reg := edgesim.Registration{APIURL: f.apiURL, CreateProjects: f.createProjects, Instances: f.instances, OS: f.os,
		Concurrency: f.registerConcurrency}
	if reg.APIURL == "" {
		reg.APIURL = "http://" + w.conf.Listen.HTTP
	}
	if f.apiTokenFile != "" {
		reg.Token = func(context.Context, string) (string, error) {
			raw, err := os.ReadFile(f.apiTokenFile)
			if err != nil {
				return "", provider.Errorf(provider.InvalidArgument, "--api-token-file: %v", err)
			}
			return strings.TrimSpace(string(raw)), nil
		}
		return reg, nil
	}
	m, err := w.open(ctx, log, r)
	if err != nil {
		return reg, err
	}
	reg.Token = func(ctx context.Context, project string) (string, error) {
		req := process.TokenRequest{Subject: "eim-edge-sim", Project: project, Roles: []string{"im-rw"}}
		if project == "" {
			req.GlobalRoles = []string{"project-write-role"}
		}
		tok, err := m.Mint(ctx, req)
		if err != nil {
			return "", err
		}
		return tok.Token, nil
	}
	return reg, nil
}
