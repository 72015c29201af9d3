package oob

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	statusv1 "github.com/eim-byoi/eim/api/gen/resources/status/v1"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/internal/resync"
)

// hostKey names a host: its project and resource id.
type hostKey struct{ tenant, id string }

// hostOut is what the module writes back to a host.
type hostOut struct {
	power       computev1.PowerState
	powerStatus string
	powerInd    statusv1.StatusIndication
	powerOn     uint32
	amt         computev1.AmtState
	amtStatus   string
	amtInd      statusv1.StatusIndication
}

func outOf(h *computev1.HostResource) hostOut {
	return hostOut{power: h.GetCurrentPowerState(), powerStatus: h.GetPowerStatus(), powerInd: h.GetPowerStatusIndicator(),
		powerOn: h.GetPowerOnTime(), amt: h.GetCurrentAmtState(), amtStatus: h.GetAmtStatus(), amtInd: h.GetAmtStatusIndicator()}
}

// managed reports whether the module drives h through MPS: its AMT is activated (connected to
// MPS or not), and it has a UUID (MPS's device GUID).
func managed(h *computev1.HostResource) bool {
	s := h.GetCurrentAmtState()
	return h.GetUuid() != "" && (s == computev1.AmtState_AMT_STATE_PROVISIONED || s == computev1.AmtState_AMT_STATE_DISCONNECTED)
}

// reconcileHost brings h's device to h's desired AMT and power state through MPS and writes
// what it finds back. A device MPS does not reach (404) is shown as not connected and retried
// with backoff, as is a power action AMT refused; other failures (MPS down) are returned.
func (m *Module) reconcileHost(ctx context.Context, tenant string, h *computev1.HostResource) error {
	key := hostKey{tenant, h.GetResourceId()}
	if !managed(h) {
		m.retries.done(key)
		return nil
	}
	cur := outOf(h)
	want, err := m.drive(ctx, tenant, h, cur)
	switch code := provider.CodeOf(err); {
	case err == nil:
		if want.amt == computev1.AmtState_AMT_STATE_DISCONNECTED {
			want.amt, want.amtStatus, want.amtInd = computev1.AmtState_AMT_STATE_PROVISIONED, "AMT provisioned", idle
		}
	case code == provider.NotFound:
		want.amt, want.amtStatus, want.amtInd = computev1.AmtState_AMT_STATE_DISCONNECTED, NotConnectedStatus, failed
		want.powerStatus, want.powerInd = NotConnectedStatus, failed
	case code == provider.FailedPrecondition:
		want.powerStatus, want.powerInd = truncate(err.Error()), failed
	}
	if werr := m.writeHost(ctx, key, cur, want); werr != nil {
		return werr
	}
	if err != nil {
		m.retries.failed(key, err)
		return fmt.Errorf("host %s (%s): %w", h.GetResourceId(), h.GetUuid(), err)
	}
	if want.power != h.GetDesiredPowerState() && h.GetDesiredPowerState() != computev1.PowerState_POWER_STATE_UNSPECIFIED &&
		h.GetDesiredAmtState() != computev1.AmtState_AMT_STATE_UNPROVISIONED {
		m.retries.failed(key, nil) // the device is on its way: look again
		return nil
	}
	m.retries.done(key)
	return nil
}

// drive runs the MPS calls h needs and returns what to write.
func (m *Module) drive(ctx context.Context, tenant string, h *computev1.HostResource, want hostOut) (hostOut, error) {
	guid := h.GetUuid()
	if h.GetDesiredAmtState() == computev1.AmtState_AMT_STATE_UNPROVISIONED {
		if err := m.deactivate(ctx, tenant, guid); err != nil {
			return want, err
		}
		want.amt, want.amtStatus, want.amtInd = computev1.AmtState_AMT_STATE_UNPROVISIONED, "AMT unprovisioned", idle
		return want, nil
	}
	desired := h.GetDesiredPowerState()
	state, err := m.powerState(ctx, tenant, guid)
	if err != nil {
		return want, err
	}
	if transient(desired) {
		if h.GetCurrentPowerState() == desired {
			return want, nil // done already; the read checked that MPS reaches the device
		}
		if err := m.powerAction(ctx, tenant, guid, powerActions[desired]); err != nil {
			return want, err
		}
		want.power, want.powerStatus, want.powerInd, want.powerOn = desired, powerStatusText[desired], idle, m.unixNow()
		return want, nil
	}
	if desired != computev1.PowerState_POWER_STATE_UNSPECIFIED && state != desired && !m.settling(tenant, h, desired) {
		if err := m.powerAction(ctx, tenant, guid, powerActions[desired]); err != nil {
			return want, err
		}
		m.sent[hostKey{tenant, h.GetResourceId()}] = sentAction{state: desired, at: m.now()}
		if state, err = m.powerState(ctx, tenant, guid); err != nil {
			return want, err
		}
	}
	if state == computev1.PowerState_POWER_STATE_ON && h.GetCurrentPowerState() != computev1.PowerState_POWER_STATE_ON {
		want.powerOn = m.unixNow()
	}
	want.power = state
	if state == desired {
		delete(m.sent, hostKey{tenant, h.GetResourceId()})
	}
	if desired == computev1.PowerState_POWER_STATE_UNSPECIFIED || state == desired {
		want.powerStatus, want.powerInd = powerStatusText[state], idle
	} else {
		want.powerStatus, want.powerInd = "Changing power state to "+powerStatusText[desired], inProgress
	}
	return want, nil
}

// sentAction is the last power action sent to a host's device, and when.
type sentAction struct {
	state computev1.PowerState
	at    time.Time
}

// settling reports whether the action for desired was sent to h's device less than retryMax
// ago: a device takes time to change its power state, and the action is not sent again
// meanwhile (the state is read again with backoff). Called with hostMu held.
func (m *Module) settling(tenant string, h *computev1.HostResource, desired computev1.PowerState) bool {
	last, ok := m.sent[hostKey{tenant, h.GetResourceId()}]
	return ok && last.state == desired && m.now().Sub(last.at) < time.Duration(m.cfg.RetryMax)
}

// writeHost writes the fields of want that differ from cur (with the status timestamps of
// the statuses that changed); nothing when none differs.
func (m *Module) writeHost(ctx context.Context, key hostKey, cur, want hostOut) error {
	if cur == want {
		return nil
	}
	now := m.unixNow()
	h := &computev1.HostResource{CurrentPowerState: want.power, PowerStatus: want.powerStatus, PowerStatusIndicator: want.powerInd,
		PowerOnTime: want.powerOn, CurrentAmtState: want.amt, AmtStatus: want.amtStatus, AmtStatusIndicator: want.amtInd,
		PowerStatusTimestamp: now, AmtStatusTimestamp: now}
	var mask []string
	add := func(changed bool, paths ...string) {
		if changed {
			mask = append(mask, paths...)
		}
	}
	add(cur.power != want.power, "current_power_state")
	add(cur.powerStatus != want.powerStatus || cur.powerInd != want.powerInd, "power_status", "power_status_indicator", "power_status_timestamp")
	add(cur.powerOn != want.powerOn, "power_on_time")
	add(cur.amt != want.amt, "current_amt_state")
	add(cur.amtStatus != want.amtStatus || cur.amtInd != want.amtInd, "amt_status", "amt_status_indicator", "amt_status_timestamp")
	return m.updateHost(ctx, key, h, mask)
}

// updateHost writes the masked fields of h; a write the database aborts is retried.
func (m *Module) updateHost(ctx context.Context, key hostKey, h *computev1.HostResource, mask []string) error {
	slices.Sort(mask)
	return resync.RetryAborted(ctx, func() error {
		_, err := m.inv.UpdateResource(ctx, &inventoryv1.UpdateResourceRequest{TenantId: key.tenant, ResourceId: key.id,
			Resource:  &inventoryv1.Resource{Resource: &inventoryv1.Resource_Host{Host: h}},
			FieldMask: &fieldmaskpb.FieldMask{Paths: mask}})
		if provider.CodeOf(err) == provider.NotFound {
			return nil // deleted meanwhile
		}
		return err
	})
}

// reconcileHostByID reads a host and reconciles it, under the host lock so that no pass acts
// on a stale read; a host gone is nothing to do.
func (m *Module) reconcileHostByID(ctx context.Context, key hostKey) error {
	m.hostMu.Lock()
	defer m.hostMu.Unlock()
	resp, err := m.inv.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: key.tenant, ResourceId: key.id,
		Kind: inventoryv1.ResourceKind_RESOURCE_KIND_HOST})
	if provider.CodeOf(err) == provider.NotFound {
		m.retries.done(key)
		return nil
	}
	if err != nil {
		return err
	}
	return m.reconcileHost(ctx, key.tenant, resp.GetStored().GetResource().GetHost())
}

// reconcileHosts reconciles every host of tenant, page by page; each is read again under the
// host lock.
func (m *Module) reconcileHosts(ctx context.Context, tenant string) error {
	var errs []error
	for offset := uint32(0); ; {
		resp, err := m.inv.ListResources(ctx, &inventoryv1.ListResourcesRequest{TenantId: tenant,
			Kind: inventoryv1.ResourceKind_RESOURCE_KIND_HOST, PageSize: 100, Offset: offset, OrderBy: "resource_id"})
		if err != nil {
			return err
		}
		for _, s := range resp.GetResources() {
			h := s.GetResource().GetHost()
			if !managed(h) {
				continue
			}
			if err := m.reconcileHostByID(ctx, hostKey{tenant, h.GetResourceId()}); err != nil {
				errs = append(errs, err)
			}
		}
		if !resp.GetHasNext() {
			break
		}
		offset += uint32(len(resp.GetResources()))
	}
	return firstOf(errs)
}

func (m *Module) unixNow() uint32 { return uint32(m.now().Unix()) }

// truncate keeps a status within the inventory's 1024 characters.
func truncate(s string) string {
	if len(s) > 1000 {
		return s[:1000]
	}
	return s
}

// firstOf summarizes errs: nil, or how many failed and the first.
func firstOf(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%d failures, first: %w", len(errs), errs[0])
}

// retries paces the reconciliation of the hosts that failed: each is reconciled again after a
// backoff that grows with its consecutive failures, until it succeeds.
type retries struct {
	backoff provider.Backoff
	run     func(hostKey)

	mu       sync.Mutex
	attempts map[hostKey]int
	timers   map[hostKey]*time.Timer
	closed   bool
	running  sync.WaitGroup
}

func newRetries(b provider.Backoff, run func(hostKey)) *retries {
	return &retries{backoff: b, run: run, attempts: map[hostKey]int{}, timers: map[hostKey]*time.Timer{}}
}

// failed schedules key again after its backoff (unless it is scheduled already).
func (r *retries) failed(key hostKey, _ error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.attempts[key]++
	if r.timers[key] != nil {
		return
	}
	r.timers[key] = time.AfterFunc(r.backoff.Delay(r.attempts[key]), func() {
		r.mu.Lock()
		delete(r.timers, key)
		if r.closed {
			r.mu.Unlock()
			return
		}
		r.running.Add(1)
		r.mu.Unlock()
		defer r.running.Done()
		r.run(key)
	})
}

// done forgets key's failures.
func (r *retries) done(key hostKey) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.attempts, key)
	if t := r.timers[key]; t != nil {
		t.Stop()
		delete(r.timers, key)
	}
}

// Attempts returns key's consecutive failures.
func (r *retries) Attempts(key hostKey) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.attempts[key]
}

// close stops every pending retry and waits for those running.
func (r *retries) close() {
	r.mu.Lock()
	r.closed = true
	for k, t := range r.timers {
		t.Stop()
		delete(r.timers, k)
	}
	r.mu.Unlock()
	r.running.Wait()
}
