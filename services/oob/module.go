// Package oob is the out-of-band device management module (vPro/AMT): it drives the
// customer's own Device Management Toolkit servers. Each host's desired power state (ON, OFF,
// RESET, SLEEP, HIBERNATE, CYCLE → MPS power actions 2, 8, 10, 4, 7, 5) and desired AMT state
// (unprovisioned → MPS deactivate) are reconciled with MPS, from the inventory's host events
// and a periodic pass, and what MPS reports (power state, power status, power-on time, AMT
// state and status) is written back; a device MPS does not reach is shown as not connected
// and retried with backoff. Each project gets a CIRA configuration and two activation
// profiles (client control mode with user consent, admin control mode without) in RPS,
// created with the project and removed with it; a sweep removes those of deleted projects.
// The legacy dm-manager's southbound service DeviceManagement serves the platform
// manageability agent. Every MPS and RPS call carries the project id in the tenant header.
// See docs/modules/oob.md.
package oob

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	dmv1 "github.com/eim-byoi/eim/api/gen/device_management"
	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/resync"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/services/tenant"
)

// Group is the messaging group the module follows inventory changes as.
const Group = "oob"

// Module is the running oob module.
type Module struct {
	cfg    config.OOB
	inv    inventoryv1.InventoryServiceClient
	bus    *messaging.Bus
	log    *slog.Logger
	mps    *dmtClient
	rps    *dmtClient
	vault  *vault
	server *Server
	now    func() time.Time
	idle   bool // target all without MPS/RPS configured: nothing to drive

	hostMu  sync.Mutex // serializes host reconciliations; guards sent
	sent    map[hostKey]sentAction
	tenants sync.Mutex // serializes project reconciliations
	retries *retries

	state   sync.Mutex // guards lastErr and gone
	lastErr error
	gone    map[string]bool // deleted projects whose removal from RPS failed

	bg     context.Context
	cancel context.CancelFunc
	subs   []*messaging.Subscription
	loop   *resync.Loop
}

var (
	_ module.Module     = (*Module)(nil)
	_ provider.Detailer = (*Module)(nil)
)

// Factory builds the module: its MPS and RPS clients (TLS, authentication) from the oob block,
// and the DeviceManagement service on the southbound listener. With target all and no MPS/RPS
// configured it idles (logged); a target naming oob without them is an error.
func Factory(deps module.Deps) (module.Module, error) {
	switch {
	case deps.Inventory == nil:
		return nil, provider.Errorf(provider.FailedPrecondition, "the oob module keeps host states in the inventory: run the inventory module, or set inventory.address")
	case deps.Southbound == nil:
		return nil, provider.Errorf(provider.FailedPrecondition, "the oob module serves the manageability agents on the southbound listener: run it through eim serve")
	}
	cfg := deps.ConfigOrDefault()
	log := deps.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("module", module.OOB)
	m := &Module{cfg: cfg.OOB, inv: deps.Inventory, bus: deps.Messaging, log: log, now: time.Now, gone: map[string]bool{},
		sent: map[hostKey]sentAction{}}
	if !cfg.OOB.Configured() {
		if !strings.Contains(","+cfg.Target+",", ",all,") {
			return nil, provider.Errorf(provider.FailedPrecondition,
				"the oob module drives the customer's MPS and RPS: set oob.mps.url, oob.rps.url and oob.ciraAddress (docs/modules/oob.md)")
		}
		m.idle = true
		return m, nil
	}
	if err := m.open(deps); err != nil {
		return nil, err
	}
	m.server = &Server{m: m, role: cfg.Southbound.AgentRole}
	deps.Southbound.RegisterService(&dmv1.DeviceManagement_ServiceDesc, m.server)
	return m, nil
}

// open builds the MPS and RPS clients and the password vault.
func (m *Module) open(deps module.Deps) error {
	if m.cfg.CIRAAddress == "" {
		return provider.Errorf(provider.FailedPrecondition, "oob.ciraAddress: set the MPS host:port the devices reach over CIRA, e.g. mps.example.com:4433")
	}
	var store *secrets.Store
	if deps.Secrets != nil {
		store = deps.Secrets.Store()
	}
	m.vault = &vault{store: store, prefix: m.cfg.Passwords.SecretPrefix, cfg: m.cfg.Passwords}
	mpsAuth, err := newAuth(deps.Identity, "oob.mps", m.cfg.MPS, m.cfg.MPS.URL+"/api/v1/authorize")
	if err != nil {
		return err
	}
	if m.mps, err = newClient("mps", m.cfg.MPS, mpsAuth, m.cfg.TenantHeader); err != nil {
		return fmt.Errorf("oob.mps: %w", err)
	}
	rpsAuth := mpsAuth
	if m.cfg.RPS.Auth.Mode() != "" {
		if rpsAuth, err = newAuth(deps.Identity, "oob.rps", m.cfg.RPS, m.cfg.MPS.URL+"/api/v1/authorize"); err != nil {
			return err
		}
	}
	if m.rps, err = newClient("rps", m.cfg.RPS, rpsAuth, m.cfg.TenantHeader); err != nil {
		return fmt.Errorf("oob.rps: %w", err)
	}
	return nil
}

func newClient(name string, srv config.DMTServer, auth tokenSource, header string) (*dmtClient, error) {
	hc, err := newHTTPClient(srv)
	if err != nil {
		return nil, err
	}
	return &dmtClient{name: name, base: strings.TrimRight(srv.URL, "/"), http: hc, auth: auth, header: header}, nil
}

// newAuth returns the token source of srv's auth block: MPS's login (at srv's loginURL, else
// defLogin) or a client-credentials token of the identity provider.
func newAuth(id *identity.Provider, field string, srv config.DMTServer, defLogin string) (tokenSource, error) {
	a := srv.Auth
	switch a.Mode() {
	case "login":
		hc, err := newHTTPClient(srv)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		u := a.LoginURL
		if u == "" {
			u = defLogin
		}
		before := time.Duration(a.RenewBefore)
		if before <= 0 {
			before = time.Duration(config.DefaultDMTRenewBefore)
		}
		return &login{url: u, username: a.Username.Value(), password: a.Password.Value(), http: hc, renewBefore: before, now: time.Now}, nil
	case "token":
		if a.TokenURL == "" && id == nil {
			return nil, provider.Errorf(provider.FailedPrecondition, "%s.auth.tokenURL: set the token endpoint, or configure providers.identity", field)
		}
		creds := identity.ClientCredentials{TokenURL: a.TokenURL, ClientID: a.ClientID, Secret: a.ClientSecret.Value(), Audience: a.Audience}
		if id == nil {
			return identity.NewTokenSource(creds), nil
		}
		return id.TokenSource(context.Background(), creds)
	}
	return nil, provider.Errorf(provider.FailedPrecondition,
		"%s.auth: set username and password (MPS's login) or clientID and clientSecret (a token of the identity provider)", field)
}

// Start follows the inventory's project and host changes, reconciles every project and host
// once, then every oob.reconcileInterval. A failed pass is logged, reported by HealthDetail
// and retried; it does not stop the process.
func (m *Module) Start(ctx context.Context) error {
	if m.idle {
		m.log.Info("oob.mps.url and oob.rps.url are not set: out-of-band management is off (docs/modules/oob.md)")
		return nil
	}
	m.bg, m.cancel = context.WithCancel(context.WithoutCancel(ctx))
	m.retries = newRetries(provider.Backoff{Min: time.Duration(m.cfg.RetryMin), Max: time.Duration(m.cfg.RetryMax), Jitter: 0.2},
		func(k hostKey) {
			if err := m.reconcileHostByID(m.bg, k); err != nil {
				m.log.Warn("host not reconciled; retrying", "project", k.tenant, "host", k.id, "error", err.Error())
			}
		})
	if err := m.subscribe(ctx); err != nil {
		m.closeSubs(ctx)
		return err
	}
	err := m.Reconcile(ctx)
	if err != nil {
		m.log.Warn("reconciling failed; retrying in the background", "error", err.Error())
	}
	m.loop = resync.Start(ctx, time.Duration(m.cfg.ReconcileInterval), err != nil, m.log, "reconciling the hosts and projects", m.Reconcile)
	return nil
}

func (m *Module) subscribe(ctx context.Context) error {
	if m.bus == nil {
		return nil
	}
	subs := []struct {
		kind string
		op   inventoryv1.Operation
		h    messaging.Handler
	}{
		{"project", inventoryv1.Operation_OPERATION_CREATED, m.onProject},
		{"project", inventoryv1.Operation_OPERATION_UPDATED, m.onProject},
		{"project", inventoryv1.Operation_OPERATION_DELETED, m.onProjectDeleted},
		{"host", inventoryv1.Operation_OPERATION_CREATED, m.onHost},
		{"host", inventoryv1.Operation_OPERATION_UPDATED, m.onHost},
	}
	for _, s := range subs {
		sub, err := m.bus.Subscribe(ctx, inventory.Topic(s.kind, s.op), Group, s.h, messaging.Retry(time.Second, time.Minute))
		if err != nil {
			return fmt.Errorf("oob: follow %s changes: %w", s.kind, err)
		}
		m.subs = append(m.subs, sub)
	}
	return nil
}

// onHost reconciles a created or changed host; failures are retried by the host's backoff.
func (m *Module) onHost(ctx context.Context, msg messaging.Message) error {
	c, err := inventory.DecodeChange(msg)
	if err != nil {
		m.log.Warn("dropping an undecodable host event", "error", err.Error())
		return nil
	}
	if err := m.reconcileHostByID(ctx, hostKey{c.GetTenantId(), c.GetResourceId()}); err != nil {
		m.log.Info("host not reconciled; retrying", "project", c.GetTenantId(), "host", c.GetResourceId(), "error", err.Error())
	}
	return nil
}

// onProject configures a created project in RPS, or removes one whose deletion is requested;
// an error redelivers the event.
func (m *Module) onProject(ctx context.Context, msg messaging.Message) error {
	c, err := inventory.DecodeChange(msg)
	if err != nil {
		m.log.Warn("dropping an undecodable project event", "error", err.Error())
		return nil
	}
	resp, err := m.inv.GetProject(ctx, &inventoryv1.GetProjectRequest{NameOrId: c.GetTenantId()})
	if provider.CodeOf(err) == provider.NotFound {
		return m.forgetTenant(ctx, c.GetTenantId())
	}
	if err != nil {
		return err
	}
	m.tenants.Lock()
	defer m.tenants.Unlock()
	return m.project(ctx, resp.GetProject())
}

// onProjectDeleted removes a deleted project from RPS.
func (m *Module) onProjectDeleted(ctx context.Context, msg messaging.Message) error {
	c, err := inventory.DecodeChange(msg)
	if err != nil {
		m.log.Warn("dropping an undecodable project event", "error", err.Error())
		return nil
	}
	return m.forgetTenant(ctx, c.GetTenantId())
}

// forgetTenant removes tenant from RPS; when that fails, the sweep tries again.
func (m *Module) forgetTenant(ctx context.Context, tenant string) error {
	m.tenants.Lock()
	defer m.tenants.Unlock()
	err := m.removeTenant(ctx, tenant)
	m.state.Lock()
	defer m.state.Unlock()
	if err != nil {
		m.gone[tenant] = true
		return err
	}
	delete(m.gone, tenant)
	m.log.Info("project removed from RPS", "project", tenant)
	return nil
}

// project configures p in RPS, or removes it when its deletion is requested.
func (m *Module) project(ctx context.Context, p *inventoryv1.Project) error {
	if tenant.Deleting(p) {
		return m.removeTenant(ctx, p.GetId())
	}
	if err := m.ensureTenant(ctx, p.GetId()); err != nil {
		return fmt.Errorf("project %s (%s): %w", p.GetName(), p.GetId(), err)
	}
	return nil
}

// Reconcile configures every project in RPS, removes the deleted ones (the sweep: projects
// recorded in the secrets provider or whose removal failed, no longer in the inventory), and
// reconciles every host.
func (m *Module) Reconcile(ctx context.Context) error {
	err := m.reconcile(ctx)
	m.state.Lock()
	m.lastErr = err
	m.state.Unlock()
	return err
}

func (m *Module) reconcile(ctx context.Context) error {
	resp, err := m.inv.ListProjects(ctx, &inventoryv1.ListProjectsRequest{})
	if err != nil {
		return err
	}
	var errs []error
	live := map[string]bool{}
	for _, p := range resp.GetProjects() {
		live[p.GetId()] = !tenant.Deleting(p)
		m.tenants.Lock()
		err := m.project(ctx, p)
		m.tenants.Unlock()
		if err != nil {
			errs = append(errs, err)
		}
		if live[p.GetId()] {
			if err := m.reconcileHosts(ctx, p.GetId()); err != nil {
				errs = append(errs, fmt.Errorf("project %s: %w", p.GetName(), err))
			}
		}
	}
	if err := m.sweep(ctx, live); err != nil {
		errs = append(errs, err)
	}
	return firstOf(errs)
}

// sweep removes from RPS the projects recorded or remembered as deleted that the inventory no
// longer holds.
func (m *Module) sweep(ctx context.Context, live map[string]bool) error {
	recorded, err := m.vault.recorded(ctx)
	if err != nil {
		return fmt.Errorf("sweep: list the recorded projects: %w", err)
	}
	m.state.Lock()
	for id := range m.gone {
		recorded = append(recorded, id)
	}
	m.state.Unlock()
	var errs []error
	for _, id := range recorded {
		if _, ok := live[id]; ok {
			continue
		}
		if err := m.forgetTenant(ctx, id); err != nil {
			errs = append(errs, fmt.Errorf("sweep project %s: %w", id, err))
		}
	}
	return firstOf(errs)
}

// Stop stops following events, the periodic pass and the host retries.
func (m *Module) Stop(ctx context.Context) error {
	if m.idle {
		return nil
	}
	err := m.closeSubs(ctx)
	if lerr := m.loop.Stop(ctx); lerr != nil {
		return lerr
	}
	if m.retries != nil {
		m.retries.close()
	}
	if m.cancel != nil {
		m.cancel()
	}
	return err
}

func (m *Module) closeSubs(ctx context.Context) error {
	err := messaging.CloseAll(ctx, m.subs)
	m.subs = nil
	return err
}

// CheckHealth reports healthy: MPS or RPS being down is retried in the background and must not
// take the process's API out of service; HealthDetail and the log report it.
func (m *Module) CheckHealth(context.Context) error { return nil }

// HealthDetail reports the last pass's error, or that the module idles.
func (m *Module) HealthDetail() string {
	if m.idle {
		return "MPS and RPS are not configured (oob.mps.url, oob.rps.url): out-of-band management is off"
	}
	m.state.Lock()
	defer m.state.Unlock()
	if m.lastErr != nil {
		return "last reconciliation failed (retrying): " + m.lastErr.Error()
	}
	return ""
}

// Server returns the module's DeviceManagement implementation (nil when idle).
func (m *Module) Server() *Server { return m.server }

// MPSLogins returns how many times the module logged in to MPS (0 with token auth).
func (m *Module) MPSLogins() int {
	if l, ok := m.mps.auth.(*login); ok {
		return l.Logins()
	}
	return 0
}
