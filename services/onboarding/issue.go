package onboarding

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
)

// issuer creates devices' clients through the identity provider's ClientIssuer, journaling the
// intent first: a device that asks again gets the same client (GetClient), never a second one.
type issuer struct {
	clients identity.ClientIssuer
	journal *journal
	hosts   *hosts
	locks   keyedMutex
	// window is how long after its issue a client is delivered again (onboarding.redeliveryWindow).
	window time.Duration
	// afterCreate runs between "client created" and "host updated": the crash test's fault
	// point (see fault.go); nothing in production builds.
	afterCreate func(ctx context.Context)
}

// issue returns the client of the device of host hostID in project, creating it when the
// identity provider has none, and marks the host onboarded. setUUID is the UUID to record on a
// host registered by serial number only ("" otherwise). A client issued to that host more than
// the redelivery window ago is not delivered again (FailedPrecondition, as the legacy manager
// answered an onboarded node).
func (s *issuer) issue(ctx context.Context, project, hostID, device, setUUID string) (*identity.Client, error) {
	device = strings.ToLower(device)
	unlock := s.locks.lock(project + "/" + device)
	defer unlock()
	prev, err := s.journal.get(ctx, project, device)
	if err != nil {
		return nil, err
	}
	if prev != nil && prev.Host != hostID { // the device's former host was deleted and the device registered again
		if err := s.revoke(ctx, *prev); err != nil {
			return nil, err
		}
		prev = nil
	}
	if prev != nil && prev.State == stateIssued {
		c, err := s.redeliver(ctx, *prev)
		if provider.CodeOf(err) != provider.NotFound {
			return c, err
		} // the provider lost the client (deleted there by hand): issued again below
	}
	if err := s.journal.put(ctx, record{Project: project, Device: device, Host: hostID, State: stateIssuing}); err != nil {
		return nil, err
	}
	c, err := s.client(ctx, project, device)
	if err != nil {
		return nil, err
	}
	s.afterCreate(ctx)
	if err := s.hosts.onboarded(ctx, project, hostID, setUUID); err != nil {
		return nil, err
	}
	if err := s.journal.put(ctx, record{Project: project, Device: device, Host: hostID, ClientID: c.ID, State: stateIssued}); err != nil {
		return nil, err
	}
	return c, nil
}

// errDelivered is the refusal of a device whose client was delivered more than the redelivery
// window ago; its text is the legacy manager's answer to an onboarded node.
var errDelivered = errors.New("Node is already HOST_STATE_ONBOARDED")

// redeliver returns an issued client again to a device that lost the answer, within the
// redelivery window after its issue.
func (s *issuer) redeliver(ctx context.Context, r record) (*identity.Client, error) {
	if s.journal.now().Sub(r.Since) > s.window {
		return nil, provider.WithCode(provider.FailedPrecondition, fmt.Errorf("%w: its client was delivered at %s, more than onboarding.redeliveryWindow ago",
			errDelivered, r.Since.UTC().Format(time.RFC3339)))
	}
	return s.clients.GetClient(ctx, r.Project, r.Device)
}

// client returns the device's existing client, or creates it.
func (s *issuer) client(ctx context.Context, project, device string) (*identity.Client, error) {
	c, err := s.clients.GetClient(ctx, project, device)
	if provider.CodeOf(err) != provider.NotFound {
		return c, err
	}
	c, err = s.clients.CreateClient(ctx, project, device)
	if provider.CodeOf(err) == provider.AlreadyExists { // created meanwhile by another replica
		return s.clients.GetClient(ctx, project, device)
	}
	return c, err
}

// revoke revokes the device's client (one the identity provider no longer has is revoked
// already) and forgets it. The journal says "revoking" first, so a crash midway is finished at
// the next start. The caller holds the device's lock.
func (s *issuer) revoke(ctx context.Context, r record) error {
	r.State = stateRevoking
	if err := s.journal.put(ctx, r); err != nil {
		return err
	}
	if err := s.clients.RevokeClient(ctx, r.Project, r.Device); err != nil && provider.CodeOf(err) != provider.NotFound {
		return err
	}
	return s.journal.remove(ctx, r.Project, r.Device)
}

// keyedMutex serializes the work on one device within the process.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	sync.Mutex
	users int
}

// lock locks key and returns its unlock.
func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyLock{}
		k.locks[key] = l
	}
	l.users++
	k.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		k.mu.Lock()
		if l.users--; l.users == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}
