// Package onboarding is the onboarding module: the legacy onboarding manager's gRPC services
// (onboardingmgr.v1, wire-compatible with the legacy device images) on the southbound listener,
// issuing each device's OAuth2 client through the identity provider's ClientIssuer (the
// embedded issuer, Keycloak's admin API, or RFC 7591 dynamic registration) instead of the
// legacy one-Keycloak-client-per-node code, and revoking it when its host is deleted or
// invalidated.
//
// A device without credentials streams its UUID to NonInteractiveOnboardingService (served
// without a token); the module finds its pre-registered host in whichever project holds it,
// answers NODE_STATE_REGISTERED until the host may onboard, then NODE_STATE_ONBOARDED with the
// client's id and secret and the project id. An operator registers nodes through
// InteractiveOnboardingService.CreateNodes with a token holding the en-ob project role. Every
// client is journaled (table onb_clients, no secret in it) before it is created, so a crash is
// repaired at the next start. See docs/modules/onboarding.md.
package onboarding

import (
	"context"
	"log/slog"
	"sync"
	"time"

	onboardingv1 "github.com/eim-byoi/eim/api/gen/onboardingmgr/v1"
	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/module"
)

// Module is the running onboarding module.
type Module struct {
	rec      *reconciler
	db       *storage.DB
	bus      *messaging.Bus
	interval time.Duration
	log      *slog.Logger

	cancel context.CancelFunc
	done   sync.WaitGroup
	subs   []*messaging.Subscription
}

var _ module.Module = (*Module)(nil)

// Factory builds the onboarding module and registers its services on the southbound listener:
// OnboardNodeStream public (the device has no credentials yet), CreateNodes behind the
// listener's token check.
func Factory(deps module.Deps) (module.Module, error) {
	switch {
	case deps.Inventory == nil:
		return nil, provider.Errorf(provider.FailedPrecondition, "onboarding finds hosts in the inventory: run the inventory module, or set inventory.address")
	case deps.Identity == nil:
		return nil, provider.Errorf(provider.FailedPrecondition, "onboarding issues device clients through the identity provider: configure providers.identity")
	case deps.Storage == nil:
		return nil, provider.Errorf(provider.FailedPrecondition, "onboarding journals the clients it issues: configure providers.database")
	case deps.Southbound == nil:
		return nil, provider.Errorf(provider.FailedPrecondition, "onboarding serves the devices on the southbound listener, which this process does not run")
	}
	if err := provider.Require(deps.Identity, "module onboarding", module.ClientIssuer); err != nil {
		return nil, err
	}
	cfg := config.Default().Onboarding
	if deps.Config != nil {
		cfg = deps.Config.Onboarding
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &hosts{inv: deps.Inventory, now: time.Now}
	iss := &issuer{clients: deps.Identity, journal: &journal{db: deps.Storage, now: time.Now}, hosts: h, afterCreate: faultAfterCreate(),
		window: cfg.RedeliveryWindow.Std()}
	deps.Southbound.RegisterPublic(&onboardingv1.NonInteractiveOnboardingService_ServiceDesc, &nodeStream{hosts: h, issuer: iss, log: log},
		"OnboardNodeStream")
	deps.Southbound.RegisterService(&onboardingv1.InteractiveOnboardingService_ServiceDesc, &interactive{hosts: h, role: cfg.OperatorRole})
	return &Module{rec: &reconciler{issuer: iss, hosts: h, log: log}, db: deps.Storage, bus: deps.Messaging,
		interval: cfg.ResyncInterval.Std(), log: log}, nil
}

// Start reconciles every journaled client with its host (finishing an onboarding a crash
// interrupted, revoking the clients of hosts deleted or invalidated while the process was
// down), then follows the inventory's host and project events, and resyncs every
// onboarding.resyncInterval. A failed reconciliation at start is logged and retried by the
// resync: an identity provider down at start does not keep the module from serving.
func (m *Module) Start(ctx context.Context) error {
	if err := m.rec.all(ctx); err != nil {
		m.log.Warn("onboarding: reconciling the issued clients at start failed; retried every resyncInterval", "error", err)
	}
	if m.bus != nil {
		subs, err := m.rec.subscribe(ctx, m.bus)
		if err != nil {
			return err
		}
		m.subs = subs
	}
	life, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel = cancel
	m.done.Add(1)
	go func() {
		defer m.done.Done()
		m.rec.resync(life, m.interval)
	}()
	return nil
}

// Stop ends the event subscriptions and the resync.
func (m *Module) Stop(ctx context.Context) error {
	err := messaging.CloseAll(ctx, m.subs)
	if m.cancel != nil {
		m.cancel()
	}
	m.done.Wait()
	return err
}

// CheckHealth reports the database's health (the journal).
func (m *Module) CheckHealth(ctx context.Context) error { return m.db.CheckHealth(ctx) }
