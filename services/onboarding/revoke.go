package onboarding

import (
	"context"
	"errors"
	"log/slog"
	"time"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/inventory"
)

// eventGroup is the onboarding module's consumer group of the inventory's change events.
const eventGroup = "onboarding"

// reconciler keeps each issued client in step with its host: the client of a deleted or
// invalidated host is revoked; an issue a crash interrupted is finished (or its client revoked).
// It runs on the inventory's change events, at start and every onboarding.resyncInterval, so
// a change missed while the process was down, or while the broker lost events, is handled at
// the latest at the next start or resync.
type reconciler struct {
	issuer *issuer
	hosts  *hosts
	log    *slog.Logger
}

// all reconciles every journal record, returning the first error after trying them all.
func (r *reconciler) all(ctx context.Context) error {
	recs, err := r.issuer.journal.all(ctx)
	if err != nil {
		return err
	}
	return r.each(ctx, recs)
}

func (r *reconciler) each(ctx context.Context, recs []record) error {
	var errs []error
	for _, rec := range recs {
		if err := r.one(ctx, rec); err != nil {
			r.log.Warn("onboarding: reconciling a device client failed; it is retried", "project", rec.Project, "host", rec.Host,
				"device", rec.Device, "error", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// one reconciles one record with its host, holding the device's lock (an onboarding of the
// device in progress finishes first), on the record as it is then.
func (r *reconciler) one(ctx context.Context, rec record) error {
	unlock := r.issuer.locks.lock(rec.Project + "/" + rec.Device)
	defer unlock()
	cur, err := r.issuer.journal.get(ctx, rec.Project, rec.Device)
	if err != nil || cur == nil {
		return err
	}
	rec = *cur
	h, err := r.hosts.get(ctx, rec.Project, rec.Host)
	switch {
	case provider.CodeOf(err) == provider.NotFound:
		r.log.Info("onboarding: host deleted: revoking its device client", "project", rec.Project, "host", rec.Host, "client", rec.ClientID)
		return r.issuer.revoke(ctx, rec)
	case err != nil:
		return err
	case untrusted(h) || rec.State == stateRevoking:
		r.log.Info("onboarding: host invalidated: revoking its device client", "project", rec.Project, "host", rec.Host, "client", rec.ClientID)
		if err := r.issuer.revoke(ctx, rec); err != nil || !untrusted(h) {
			return err
		}
		return r.hosts.invalidated(ctx, rec.Project, h)
	case rec.State == stateIssuing:
		return r.finish(ctx, rec)
	}
	return nil
}

// finish completes an issue a crash interrupted between the journal's intent and the host's
// update: a client the identity provider has is kept and the host marked onboarded (the device,
// which never got the answer, asks again and receives that same client); when the provider has
// none, the intent is dropped.
func (r *reconciler) finish(ctx context.Context, rec record) error {
	c, err := r.issuer.clients.GetClient(ctx, rec.Project, rec.Device)
	if provider.CodeOf(err) == provider.NotFound {
		return r.issuer.journal.remove(ctx, rec.Project, rec.Device)
	}
	if err != nil {
		return err
	}
	if err := r.hosts.onboarded(ctx, rec.Project, rec.Host, ""); err != nil {
		return err
	}
	rec.ClientID, rec.State = c.ID, stateIssued
	r.log.Info("onboarding: finished an interrupted onboarding", "project", rec.Project, "host", rec.Host, "client", c.ID)
	return r.issuer.journal.put(ctx, rec)
}

// handle reconciles what one change event concerns: a host updated or deleted, or a project
// deleted (with every host of it). An error redelivers the event.
func (r *reconciler) handle(ctx context.Context, m messaging.Message) error {
	c, err := inventory.DecodeChange(m)
	if err != nil {
		r.log.Warn("onboarding: ignoring an event it cannot decode", "id", m.ID, "error", err)
		return nil
	}
	var recs []record
	switch c.GetKind() {
	case inventoryv1.ResourceKind_RESOURCE_KIND_HOST:
		recs, err = r.issuer.journal.ofHost(ctx, c.GetTenantId(), c.GetResourceId())
	case inventoryv1.ResourceKind_RESOURCE_KIND_PROJECT:
		recs, err = r.issuer.journal.ofProject(ctx, c.GetTenantId())
	}
	if err != nil {
		return err
	}
	return r.each(ctx, recs)
}

// topics are the events the reconciler follows.
func topics() []string {
	return []string{
		inventory.Topic("host", inventoryv1.Operation_OPERATION_UPDATED),
		inventory.Topic("host", inventoryv1.Operation_OPERATION_DELETED),
		inventory.Topic("project", inventoryv1.Operation_OPERATION_DELETED),
	}
}

// subscribe follows the topics on bus.
func (r *reconciler) subscribe(ctx context.Context, bus *messaging.Bus) ([]*messaging.Subscription, error) {
	var subs []*messaging.Subscription
	for _, t := range topics() {
		s, err := bus.Subscribe(ctx, t, eventGroup, r.handle)
		if err != nil {
			for _, s := range subs {
				_ = s.Close(context.WithoutCancel(ctx))
			}
			return nil, err
		}
		subs = append(subs, s)
	}
	return subs, nil
}

// resync reconciles every record every interval until ctx ends.
func (r *reconciler) resync(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = r.all(ctx) // each failure is logged and retried at the next resync or event
		}
	}
}
