package onboarding_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	onboardingv1 "github.com/eim-byoi/eim/api/gen/onboardingmgr/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
)

// flowEnv is what the day-0 flow needs of an identity provider: the project, an operator's
// token (im-rw and en-ob in it), and how a device asks for its token.
type flowEnv struct {
	projectName, projectID, operator string
	// creds returns the client-credentials request of an onboarded device.
	creds func(t *testing.T, clientID, secret string) identity.ClientCredentials
	// southCode is the code of an authenticated southbound call (CreateNodes with an empty
	// payload) made with the device's token: past the token check.
	southCode codes.Code
}

const (
	registered = onboardingv1.OnboardNodeStreamResponse_NODE_STATE_REGISTERED
	onboarded  = onboardingv1.OnboardNodeStreamResponse_NODE_STATE_ONBOARDED
	unset      = onboardingv1.OnboardNodeStreamResponse_NODE_STATE_UNSPECIFIED
)

// serial returns a serial number of the legacy pattern.
func serial() string { return "SN" + strings.ToUpper(rand.Text()[:10]) }

// hostState reads a host through the REST API.
func (s *stack) hostState(t *testing.T, e flowEnv, id string) (code int, h map[string]any) {
	t.Helper()
	code, body := s.do(t, http.MethodGet, hostPath(e.projectName, id), e.operator, nil)
	if code == http.StatusOK {
		require.NoError(t, json.Unmarshal(body, &h))
	}
	return code, h
}

// runFlow: a device asks before its host is registered (NOT_FOUND, the stream stays open), is
// REGISTERED until an operator onboards the host, then ONBOARDED with credentials; those obtain
// a token the provider verifies as holding <project>_en-agent-rw, which passes the southbound
// token check; asking again gives the same client; the host deleted, the client is revoked (its
// credentials obtain no token) and a new ask finds no host. A second host, registered with
// auto-onboard, onboards at once and, invalidated, has its client revoked and is refused.
func runFlow(t *testing.T, s *stack, e flowEnv) {
	ctx := context.Background()
	id, sn := uuid.NewString(), serial()
	dev := s.newDevice(t, id, sn)
	resp := dev.ask(t)
	assert.Equal(t, unset, resp.GetNodeState())
	assert.Equal(t, int32(codes.NotFound), resp.GetStatus().GetCode(), "an unknown device: %v", resp)

	host := s.register(t, e.projectName, e.operator, id, sn, false)
	for range 2 {
		resp = dev.ask(t)
		require.Equal(t, registered, resp.GetNodeState(), "%v", resp)
		assert.Equal(t, e.projectID, resp.GetProjectId())
		assert.Empty(t, resp.GetClientId())
	}
	_, h := s.hostState(t, e, host)
	assert.Equal(t, "HOST_STATE_REGISTERED", h["currentState"])
	assert.Equal(t, "Host is Registered", h["registrationStatus"])

	code, body := s.do(t, http.MethodPatch, hostPath(e.projectName, host)+"/onboard", e.operator, map[string]any{})
	require.Equal(t, http.StatusOK, code, "%s", body)
	resp = dev.ask(t)
	require.Equal(t, onboarded, resp.GetNodeState(), "%v", resp)
	assert.Equal(t, e.projectID, resp.GetProjectId())
	require.NotEmpty(t, resp.GetClientId())
	require.NotEmpty(t, resp.GetClientSecret())
	dev.closed(t)
	_, h = s.hostState(t, e, host)
	assert.Equal(t, "HOST_STATE_ONBOARDED", h["currentState"])
	assert.Equal(t, "Onboarded", h["onboardingStatus"])

	creds := e.creds(t, resp.GetClientId(), resp.GetClientSecret())
	tok, err := identity.NewTokenSource(creds).Token(ctx)
	require.NoError(t, err, "the device's credentials obtain a token")
	p, err := s.id.Verify(ctx, tok)
	require.NoError(t, err)
	assert.True(t, p.Has("en-agent-rw", e.projectID), "the device's token holds %s_en-agent-rw: roles %v, tenant roles %v", e.projectID, p.Roles, p.TenantRoles)
	s.southbound(t, tok, e.southCode)

	again := s.newDevice(t, id, sn).ask(t)
	require.Equal(t, onboarded, again.GetNodeState(), "%v", again)
	assert.Equal(t, resp.GetClientId(), again.GetClientId(), "asking again gives the same client")
	assert.Equal(t, resp.GetClientSecret(), again.GetClientSecret(), "and the same secret")

	code, body = s.do(t, http.MethodDelete, hostPath(e.projectName, host), e.operator, nil)
	require.Equal(t, http.StatusOK, code, "%s", body)
	revoked(t, creds)
	resp = s.newDevice(t, id, sn).ask(t)
	assert.Equal(t, int32(codes.NotFound), resp.GetStatus().GetCode(), "a deleted host's device is not onboarded again: %v", resp)
	assert.Empty(t, resp.GetClientSecret())

	runInvalidation(t, s, e)
}

// runInvalidation: auto-onboard onboards at once; an invalidated host's client is revoked, the
// host is UNTRUSTED and its device refused.
func runInvalidation(t *testing.T, s *stack, e flowEnv) {
	id, sn := uuid.NewString(), serial()
	host := s.register(t, e.projectName, e.operator, id, sn, true)
	resp := s.newDevice(t, id, sn).ask(t)
	require.Equal(t, onboarded, resp.GetNodeState(), "auto-onboard: %v", resp)
	creds := e.creds(t, resp.GetClientId(), resp.GetClientSecret())
	_, err := identity.NewTokenSource(creds).Token(context.Background())
	require.NoError(t, err)

	code, body := s.do(t, http.MethodPut, hostPath(e.projectName, host)+"/invalidate", e.operator, map[string]any{})
	require.Equal(t, http.StatusOK, code, "%s", body)
	revoked(t, creds)
	require.Eventually(t, func() bool {
		_, h := s.hostState(t, e, host)
		return h["currentState"] == "HOST_STATE_UNTRUSTED"
	}, time.Minute, 50*time.Millisecond, "the invalidated host becomes UNTRUSTED")
	_, h := s.hostState(t, e, host)
	assert.Equal(t, "Invalidated", h["hostStatus"])
	resp = s.newDevice(t, id, sn).ask(t)
	assert.Equal(t, int32(codes.FailedPrecondition), resp.GetStatus().GetCode(), "an invalidated host's device is refused: %v", resp)
	assert.Empty(t, resp.GetClientSecret())
}

// revoked waits until the credentials no longer obtain a token: the change event (or resync)
// has revoked the client.
func revoked(t *testing.T, creds identity.ClientCredentials) {
	t.Helper()
	var err error
	require.Eventually(t, func() bool {
		_, err = identity.NewTokenSource(creds).Token(context.Background())
		return provider.CodeOf(err) == provider.Unauthenticated
	}, time.Minute, 50*time.Millisecond, "the revoked client's credentials are refused (last: %v)", err)
}

// southbound makes an authenticated southbound call with tok: CreateNodes with an empty
// payload, answered want once past the listener's token check; without a token it is
// UNAUTHENTICATED.
func (s *stack) southbound(t *testing.T, tok string, want codes.Code) {
	t.Helper()
	c := onboardingv1.NewInteractiveOnboardingServiceClient(s.conn(t))
	_, err := c.CreateNodes(context.Background(), &onboardingv1.CreateNodesRequest{})
	assert.Equal(t, codes.Unauthenticated, status.Code(err), "%v", err)
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+tok)
	_, err = c.CreateNodes(ctx, &onboardingv1.CreateNodesRequest{})
	assert.Equal(t, want, status.Code(err), "%v", err)
}

// localEnv is the flow's environment on the embedded issuer.
func localEnv(t *testing.T, s *stack) flowEnv {
	name := "day0"
	pid := s.project(t, name, "")
	tokenURL, err := s.id.TokenURL(context.Background())
	require.NoError(t, err)
	return flowEnv{projectName: name, projectID: pid, operator: s.mint(t, pid+"_im-rw", pid+"_en-ob"), southCode: codes.InvalidArgument,
		creds: func(_ *testing.T, id, secret string) identity.ClientCredentials {
			return identity.ClientCredentials{TokenURL: tokenURL, ClientID: id, Secret: provider.NewSecretValue([]byte(secret))}
		}}
}

// TestDay0Embedded runs the day-0 flow on the embedded defaults (local issuer and secrets,
// SQLite, memory messaging) over the TLS southbound listener.
func TestDay0Embedded(t *testing.T) {
	s := startStack(t, newConfig(t))
	runFlow(t, s, localEnv(t, s))
}

// TestRegisteredBySerialNumber: a host registered by serial number only is found by the serial
// number its device sends; onboarding records the device's UUID on it.
func TestRegisteredBySerialNumber(t *testing.T) {
	s := startStack(t, newConfig(t))
	e := localEnv(t, s)
	sn := serial()
	code, body := s.do(t, http.MethodPost, "/v1/projects/"+e.projectName+"/compute/hosts/register", e.operator,
		map[string]any{"name": "by-serial", "serialNumber": sn, "autoOnboard": true})
	require.Equal(t, http.StatusOK, code, "%s", body)
	var h struct {
		ResourceID string `json:"resourceId"`
	}
	require.NoError(t, json.Unmarshal(body, &h))
	id := uuid.NewString()
	resp := s.newDevice(t, id, sn).ask(t)
	require.Equal(t, onboarded, resp.GetNodeState(), "%v", resp)
	_, got := s.hostState(t, e, h.ResourceID)
	assert.Equal(t, id, got["uuid"], "the device's UUID is recorded")
	assert.Equal(t, "HOST_STATE_ONBOARDED", got["currentState"])
}
