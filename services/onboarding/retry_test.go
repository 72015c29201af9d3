package onboarding_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	onboardingv1 "github.com/eim-byoi/eim/api/gen/onboardingmgr/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
)

// TestRetryGetsTheSameClient: a device that loses its answer (it hangs up right after asking)
// and asks again, and eight copies of it asking at once, all receive one client, the same id
// and secret, the one the identity provider holds; its credentials work.
func TestRetryGetsTheSameClient(t *testing.T) {
	s := startStack(t, newConfig(t))
	e := localEnv(t, s)
	id, sn := uuid.NewString(), serial()
	s.register(t, e.projectName, e.operator, id, sn, true)

	ctx, cancel := context.WithCancel(context.Background())
	lost, err := onboardingv1.NewNonInteractiveOnboardingServiceClient(s.conn(t)).OnboardNodeStream(ctx)
	require.NoError(t, err)
	require.NoError(t, lost.Send(&onboardingv1.OnboardNodeStreamRequest{Uuid: id, Serialnum: sn, MacId: "02:00:00:aa:bb:cc", HostIp: "10.0.0.7"}))
	cancel() // the answer is lost

	const copies = 8
	answers := make([]*onboardingv1.OnboardNodeStreamResponse, copies)
	var wg sync.WaitGroup
	for i := range copies {
		dev := s.newDevice(t, id, sn)
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, dev.stream.Send(&onboardingv1.OnboardNodeStreamRequest{Uuid: id, Serialnum: sn, MacId: "02:00:00:aa:bb:cc", HostIp: "10.0.0.7"}))
			resp, err := dev.stream.Recv()
			assert.NoError(t, err)
			answers[i] = resp
		}()
	}
	wg.Wait()
	held, err := s.id.GetClient(context.Background(), e.projectID, id)
	require.NoError(t, err)
	for i, a := range answers {
		require.Equal(t, onboarded, a.GetNodeState(), "copy %d: %v", i, a)
		assert.Equal(t, held.ID, a.GetClientId(), "copy %d", i)
		assert.Equal(t, held.Secret.Reveal(), a.GetClientSecret(), "copy %d: the secret the provider holds", i)
	}
	_, err = identity.NewTokenSource(e.creds(t, held.ID, held.Secret.Reveal())).Token(context.Background())
	require.NoError(t, err)
}

// TestRedeliveryWindow: once onboarding.redeliveryWindow has passed since the issue, asking
// again is refused as the legacy manager refused an onboarded node (the credentials keep
// working); after the host is deleted and registered again, the device onboards again and gets
// a new secret, the former one refused.
func TestRedeliveryWindow(t *testing.T) {
	cfg := newConfig(t)
	cfg.Onboarding.RedeliveryWindow = provider.Duration(time.Second)
	s := startStack(t, cfg)
	e := localEnv(t, s)
	id, sn := uuid.NewString(), serial()
	host := s.register(t, e.projectName, e.operator, id, sn, true)
	first := s.newDevice(t, id, sn).ask(t)
	require.Equal(t, onboarded, first.GetNodeState(), "%v", first)

	var again *onboardingv1.OnboardNodeStreamResponse
	require.Eventually(t, func() bool {
		again = s.newDevice(t, id, sn).ask(t)
		return again.GetStatus().GetCode() == int32(codes.FailedPrecondition)
	}, time.Minute, 100*time.Millisecond, "refused once the window has passed")
	assert.Contains(t, again.GetStatus().GetMessage(), "Node is already HOST_STATE_ONBOARDED")
	assert.Empty(t, again.GetClientSecret())
	creds := e.creds(t, first.GetClientId(), first.GetClientSecret())
	_, err := identity.NewTokenSource(creds).Token(context.Background())
	require.NoError(t, err, "a refused ask revokes nothing")

	code, body := s.do(t, http.MethodDelete, hostPath(e.projectName, host), e.operator, nil)
	require.Equal(t, http.StatusOK, code, "%s", body)
	s.register(t, e.projectName, e.operator, id, sn, true)
	second := s.newDevice(t, id, sn).ask(t)
	require.Equal(t, onboarded, second.GetNodeState(), "registered again: %v", second)
	assert.NotEqual(t, first.GetClientSecret(), second.GetClientSecret(), "a new client")
	revoked(t, creds)
	_, err = identity.NewTokenSource(e.creds(t, second.GetClientId(), second.GetClientSecret())).Token(context.Background())
	require.NoError(t, err)
}
