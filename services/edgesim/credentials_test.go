package edgesim_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"

	onboardingmgrv1 "github.com/eim-byoi/eim/api/gen/onboardingmgr/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/edgesim"
)

// issueClients creates an edge-node client of the embedded issuer for each node of fleet, as
// an operator issues device credentials in the identity provider, and writes the
// credentials file eim edge-sim reads.
func (b *bed) issueClients(t *testing.T, fleet []edgesim.Node) string {
	t.Helper()
	var issuer identity.ClientIssuer = b.idp
	f := edgesim.CredentialsFile{}
	for _, n := range fleet {
		c, err := issuer.CreateClient(context.Background(), n.Tenant.ID, n.GUID)
		require.NoError(t, err)
		f.TokenURL = c.TokenURL
		f.Nodes = append(f.Nodes, edgesim.CredentialsEntry{GUID: n.GUID, Serial: n.Serial, Project: n.Tenant.Name, ProjectID: n.Tenant.ID,
			ClientID: c.ID, ClientSecret: c.Secret.Reveal()})
	}
	raw, err := json.Marshal(f)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "credentials.json")
	require.NoError(t, os.WriteFile(path, raw, 0o600))
	return path
}

func TestClientCredentialsFromTheIdentityProvider(t *testing.T) {
	b := newBed(t)
	b.serve()
	want := edgesim.NewFleet(6, tenants("alpha", "beta"), t.Name())
	fleet, creds, err := edgesim.LoadCredentialsFile(b.issueClients(t, want), nil)
	require.NoError(t, err)
	require.Len(t, fleet, len(want))
	for i := range fleet {
		assert.Equal(t, want[i].GUID, fleet[i].GUID)
		assert.Equal(t, want[i].Tenant, fleet[i].Tenant)
	}
	cfg := b.config(fleet, edgesim.NewClientCredentials(creds))
	cfg.Stop = b.rec.until(t, every(fleet, func(r nodeRecord) bool { return r.heartbeats >= 2 && r.polls >= 1 }))

	sum, err := edgesim.Run(t.Context(), cfg)
	require.NoError(t, err)
	nodes, _ := b.rec.snapshot()

	assert.Empty(t, sum.Errors)
	assert.Empty(t, sum.CredentialErrors)
	subjects := map[string]bool{}
	for _, n := range fleet {
		r := nodes[n.GUID]
		assert.Equal(t, map[string]bool{n.Tenant.ID: true}, r.projects, "the client's roles name its project")
		require.Len(t, r.subjects, 1)
		for s := range r.subjects {
			subjects[s] = true
		}
	}
	assert.Len(t, subjects, len(fleet), "each device speaks as its own client")
}

func TestCredentialsFileErrorsNameTheEntry(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"not JSON", "{", "docs/edge-sim.md"},
		{"no token URL", `{"nodes":[{"guid":"g","clientId":"c","clientSecret":"s3cr3t-value"}]}`, "node 0"},
		{"no secret", `{"tokenURL":"http://127.0.0.1:1/token","nodes":[{"guid":"g","clientId":"c"}]}`, "clientSecret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.json")
			require.NoError(t, os.WriteFile(path, []byte(tc.body), 0o600))
			_, _, err := edgesim.LoadCredentialsFile(path, nil)
			require.Error(t, err)
			assert.Equal(t, provider.InvalidArgument, provider.CodeOf(err))
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "s3cr3t-value")
		})
	}
}

// onboarding serves NonInteractiveOnboardingService/OnboardNodeStream with the legacy
// semantics: a known node is first answered NODE_STATE_REGISTERED (it asks again on the same
// stream), then NODE_STATE_ONBOARDED with the client the identity provider issued for it, and
// the stream ends; an unknown node gets a NotFound status in the answer.
type onboarding struct {
	onboardingmgrv1.UnimplementedNonInteractiveOnboardingServiceServer
	issuer identity.ClientIssuer
	known  map[string]edgesim.Node

	mu       sync.Mutex
	requests map[string]int
}

func (o *onboarding) OnboardNodeStream(s onboardingmgrv1.NonInteractiveOnboardingService_OnboardNodeStreamServer) error {
	for {
		req, err := s.Recv()
		if err != nil {
			return err
		}
		if err := req.ValidateAll(); err != nil {
			return s.Send(&onboardingmgrv1.OnboardNodeStreamResponse{Status: &status.Status{Code: int32(codes.InvalidArgument), Message: err.Error()}})
		}
		n, ok := o.known[req.GetUuid()]
		if !ok || n.Serial != req.GetSerialnum() {
			return s.Send(&onboardingmgrv1.OnboardNodeStreamResponse{Status: &status.Status{Code: int32(codes.NotFound), Message: "Node doesn't exist"}})
		}
		o.mu.Lock()
		o.requests[n.GUID]++
		first := o.requests[n.GUID] == 1
		o.mu.Unlock()
		if first {
			if err := s.Send(&onboardingmgrv1.OnboardNodeStreamResponse{Status: &status.Status{Code: int32(codes.OK)},
				NodeState: onboardingmgrv1.OnboardNodeStreamResponse_NODE_STATE_REGISTERED, ProjectId: n.Tenant.ID}); err != nil {
				return err
			}
			continue
		}
		c, err := o.issuer.CreateClient(s.Context(), n.Tenant.ID, n.GUID)
		if err != nil {
			return provider.GRPCError(err)
		}
		return s.Send(&onboardingmgrv1.OnboardNodeStreamResponse{Status: &status.Status{Code: int32(codes.OK)},
			NodeState: onboardingmgrv1.OnboardNodeStreamResponse_NODE_STATE_ONBOARDED,
			ClientId:  c.ID, ClientSecret: c.Secret.Reveal(), ProjectId: n.Tenant.ID})
	}
}

func TestOnboardingObtainsTheNodesCredentials(t *testing.T) {
	b := newBed(t)
	fleet := edgesim.NewFleet(5, tenants("alpha"), t.Name())
	stranger := edgesim.NewFleet(1, tenants("alpha"), "not registered")[0]
	ob := &onboarding{issuer: b.idp, known: map[string]edgesim.Node{}, requests: map[string]int{}}
	for _, n := range fleet {
		ob.known[n.GUID] = n
	}
	b.server.RegisterPublic(&onboardingmgrv1.NonInteractiveOnboardingService_ServiceDesc, ob, "OnboardNodeStream")
	b.serve()
	all := append(fleet[:len(fleet):len(fleet)], stranger)
	creds := edgesim.NewOnboarding(all, b.iss.URL()+"/token", nil, provider.Backoff{Min: 10e6, Max: 50e6})
	cfg := b.config(all, creds)
	cfg.Stop = b.rec.until(t, every(fleet, func(r nodeRecord) bool { return r.heartbeats >= 2 && r.systemInfo >= 1 }))

	sum, err := edgesim.Run(t.Context(), cfg)
	require.NoError(t, err)
	nodes, _ := b.rec.snapshot()

	for _, n := range fleet {
		assert.Equal(t, map[string]bool{n.Tenant.ID: true}, nodes[n.GUID].projects)
		assert.Equal(t, 2, ob.requests[n.GUID], "registered, then onboarded on the same stream")
	}
	assert.NotContains(t, nodes, stranger.GUID, "a node that could not onboard never calls")
	assert.Positive(t, sum.CredentialErrors["NotFound"], "the unknown node's onboarding fails with the answer's code")
	require.Contains(t, sum.RPCs, edgesim.RPCOnboardStream)
	assert.EqualValues(t, len(fleet), sum.RPCs[edgesim.RPCOnboardStream].Acknowledged, "each node onboards once")
	assert.Equal(t, sum.RPCs[edgesim.RPCOnboardStream].Sent-int64(len(fleet)), sum.RPCs[edgesim.RPCOnboardStream].Errors["NotFound"])
	assert.Empty(t, sum.RPCs[edgesim.RPCInstance].Errors)
}
