package southbound

import (
	"context"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// QueueWait bounds how long a call waits for one of the southbound.maxInFlight slots before
// it is refused Unavailable (the agents send it again later): under overload the calls that are
// handled finish in time, instead of all of them queuing behind work their callers have given
// up on (a 5 s deadline and a queue longer than 5 s answer nobody).
const QueueWait = time.Second

// admission bounds the calls handled at once.
type admission struct {
	slots chan struct{}
}

func newAdmission(maxInFlight int) *admission {
	if maxInFlight <= 0 {
		return nil
	}
	return &admission{slots: make(chan struct{}, maxInFlight)}
}

// enter takes a slot, waiting at most QueueWait and never past ctx, and returns its release;
// a nil admission admits every call.
func (a *admission) enter(ctx context.Context) (func(), error) {
	if a == nil {
		return func() {}, nil
	}
	select {
	case a.slots <- struct{}{}:
		return a.leave, nil
	default:
	}
	t := time.NewTimer(QueueWait)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		return a.leave, nil
	case <-t.C:
		return nil, provider.GRPCError(provider.Errorf(provider.Unavailable,
			"the server handles %d calls already and none ended within %s: send it again later", cap(a.slots), QueueWait))
	case <-ctx.Done():
		return nil, provider.GRPCError(provider.WithCode(provider.CodeOf(ctx.Err()), ctx.Err()))
	}
}

func (a *admission) leave() { <-a.slots }
