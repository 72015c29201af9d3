// Package osresource is the OS resource module: the OS profile catalog (the legacy os-profiles
// manifests, built in or read from a directory or an https:// tarball, validated strictly: a bad
// manifest is skipped and reported by file and field), and in every project the OS resources of
// the enabled profiles and the infra_onboarding provider whose config carries the legacy
// auto-provisioning defaults (defaultOs, autoProvision). Projects are reconciled at start, when
// the inventory publishes inventory.project.created, and every osresource.resyncInterval. See
// docs/modules/osresource.md.
package osresource

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/resync"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/services/tenant"
)

// Group is the messaging group the module follows project creations as.
const Group = "osresource"

// Module is the running OS resource module.
type Module struct {
	rec     *Reconciler
	cfg     config.OSResource
	client  *http.Client
	bus     *messaging.Bus
	log     *slog.Logger
	metrics *metrics

	mu      sync.Mutex // serializes reconciliations
	state   sync.Mutex // guards catalog and lastErr
	catalog *Catalog
	lastErr error

	sub  *messaging.Subscription
	loop *resync.Loop
}

var (
	_ module.Module     = (*Module)(nil)
	_ provider.Detailer = (*Module)(nil)
)

// Factory builds the module over the inventory client; it follows project creations on the
// messaging bus when the process has one.
func Factory(deps module.Deps) (module.Module, error) {
	if deps.Inventory == nil {
		return nil, provider.Errorf(provider.FailedPrecondition, "osresource manages the inventory's OS resources: run the inventory module, or set inventory.address")
	}
	cfg := config.Default().OSResource
	if deps.Config != nil {
		cfg = deps.Config.OSResource
	}
	client, err := httpClient(cfg)
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(deps.Metrics)
	if err != nil {
		return nil, err
	}
	log := deps.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Module{rec: &Reconciler{Inventory: deps.Inventory, Config: cfg}, cfg: cfg, client: client, bus: deps.Messaging,
		log: log.With("module", module.OSResource), metrics: m}, nil
}

// httpClient verifies an https:// source with osresource.tls.
func httpClient(cfg config.OSResource) (*http.Client, error) {
	if !strings.HasPrefix(cfg.Source, "https://") {
		return nil, nil
	}
	u, err := url.Parse(cfg.Source)
	if err != nil {
		return nil, provider.Errorf(provider.InvalidArgument, "osresource.source: %v", err)
	}
	tc, err := cfg.TLS.Config(u.Hostname(), provider.TLSVerifyFull)
	if err != nil {
		return nil, fmt.Errorf("osresource.tls: %w", err)
	}
	if tc == nil {
		return nil, provider.Errorf(provider.InvalidArgument, "osresource.tls.mode disable cannot fetch an https:// source (fix: remove the mode)")
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: tc, Proxy: http.ProxyFromEnvironment}, Timeout: fetchTimeout}, nil
}

// Start loads the catalog and reconciles every project, then follows project creations and
// resyncs every resyncInterval. A failed first sync is logged and reported by CheckHealth, and
// retried in the background: it does not stop the process.
func (m *Module) Start(ctx context.Context) error {
	if m.bus != nil {
		sub, err := m.bus.Subscribe(ctx, inventory.Topic("project", inventoryv1.Operation_OPERATION_CREATED), Group, m.onProject,
			messaging.Retry(time.Second, time.Minute))
		if err != nil {
			return fmt.Errorf("osresource: follow project creations: %w", err)
		}
		m.sub = sub
	}
	err := m.Sync(ctx)
	if err != nil {
		m.log.Warn("first OS resource sync failed; retrying in the background", "error", err.Error())
	}
	m.loop = resync.Start(ctx, m.cfg.ResyncInterval.Std(), err != nil, m.log, "OS resource sync", m.Sync)
	return nil
}

// onProject reconciles a new project; an error redelivers the event.
func (m *Module) onProject(ctx context.Context, msg messaging.Message) error {
	c, err := inventory.DecodeChange(msg)
	if err != nil {
		m.log.Warn("dropping an undecodable project event", "error", err.Error())
		return nil
	}
	cat := m.Catalog()
	if cat == nil {
		return provider.Errorf(provider.Unavailable, "the OS profile catalog is not loaded yet")
	}
	p, err := m.rec.Inventory.GetProject(ctx, &inventoryv1.GetProjectRequest{NameOrId: c.GetTenantId()})
	switch {
	case provider.CodeOf(err) == provider.NotFound:
		return nil
	case err != nil:
		return err
	case tenant.Deleting(p.GetProject()):
		return nil // being torn down: writing to it would leave orphans
	}
	return m.reconcile(ctx, c.GetTenantId(), cat)
}

// Sync reads the catalog again and reconciles every project.
func (m *Module) Sync(ctx context.Context) error {
	cat, err := Load(ctx, m.cfg.Source, m.client)
	if err != nil {
		m.setErr(err)
		return err
	}
	m.loaded(cat)
	resp, err := m.rec.Inventory.ListProjects(ctx, &inventoryv1.ListProjectsRequest{})
	if err != nil {
		m.setErr(err)
		return err
	}
	var errs []error
	for _, p := range resp.GetProjects() {
		if tenant.Deleting(p) {
			continue
		}
		if err := m.reconcile(ctx, p.GetId(), cat); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		err = fmt.Errorf("%d of %d projects not reconciled, first: %w", len(errs), len(resp.GetProjects()), errs[0])
	}
	m.setErr(err)
	return err
}

// reconcile brings one project in line with cat.
func (m *Module) reconcile(ctx context.Context, tenant string, cat *Catalog) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var res Result
	err := resync.RetryAborted(ctx, func() error {
		var err error
		res, err = m.rec.Tenant(ctx, tenant, cat)
		return err
	})
	m.metrics.observe(res, err)
	if err != nil {
		if provider.CodeOf(err) == provider.NotFound {
			return nil // the project was deleted meanwhile
		}
		m.log.Warn("OS resources of a project not reconciled", "project", tenant, "error", err.Error())
		return err
	}
	if res.Created+res.Updated > 0 || res.ProviderChanged {
		m.log.Info("OS resources reconciled", "project", tenant, "created", res.Created, "updated", res.Updated,
			"unchanged", res.Unchanged, "provider_changed", res.ProviderChanged)
	}
	return nil
}

// loaded records a newly loaded catalog and reports its skipped manifests.
func (m *Module) loaded(cat *Catalog) {
	for _, s := range cat.Skipped {
		m.log.Warn("OS profile manifest skipped", "source", cat.Source, "file", s.File, "field", s.Field, "error", s.Error())
	}
	m.metrics.catalog(cat)
	m.state.Lock()
	defer m.state.Unlock()
	m.catalog = cat
}

func (m *Module) setErr(err error) {
	m.state.Lock()
	defer m.state.Unlock()
	m.lastErr = err
}

// Catalog returns the catalog last loaded, nil before the first load.
func (m *Module) Catalog() *Catalog {
	m.state.Lock()
	defer m.state.Unlock()
	return m.catalog
}

// Stop stops following events and the resync loop.
func (m *Module) Stop(ctx context.Context) error {
	var err error
	if m.sub != nil {
		err = m.sub.Close(ctx)
	}
	if lerr := m.loop.Stop(ctx); lerr != nil {
		return lerr
	}
	return err
}

// CheckHealth reports healthy: the module's failures are in the background (a catalog that
// cannot be read, a project not reconciled) and are retried; they must not take the process's
// API out of service. HealthDetail, the log and the metrics report them.
func (m *Module) CheckHealth(context.Context) error { return nil }

// HealthDetail names the catalog's source, how many profiles it loaded and each skipped
// manifest with its file and field, and the last sync's error.
func (m *Module) HealthDetail() string {
	m.state.Lock()
	cat, last := m.catalog, m.lastErr
	m.state.Unlock()
	s := "catalog not loaded yet"
	if cat != nil {
		s = fmt.Sprintf("catalog %s: %d profiles loaded, %d skipped", cat.Source, len(cat.Profiles), len(cat.Skipped))
		for _, e := range cat.Skipped {
			s += "; skipped " + e.Error()
		}
	}
	if last != nil {
		s += "; last sync failed (retrying): " + last.Error()
	}
	return s
}
