package inventory

import (
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/module"
)

// bearer is per-RPC credentials of one fixed token.
type bearer string

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(b)}, nil
}
func (bearer) RequireTransportSecurity() bool { return false }

// TestDialCallsAsTheServiceAccount: a Remote client calls with its service token alone, also when
// the caller's context carries the REST caller's authorization as outgoing metadata (what
// grpc-gateway forwards): the inventory sees one token, the service account's.
func TestDialCallsAsTheServiceAccount(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer()
	desc := module.Guard(inventoryv1.InventoryService_ServiceDesc, authorize(tokens{
		"svc": {Subject: "svc", Roles: []string{"eim-service"}}, "user": {Subject: "alice", Roles: []string{"eim-service"}},
	}, "eim-service"))
	var seen []string
	srv.RegisterService(&desc, recorder{seen: &seen})
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)

	r, err := Dial(ln.Addr().String(), nil, bearer("svc"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	for _, tc := range []struct {
		name string
		md   []string
	}{
		{"a context without metadata", nil},
		{"the REST caller's token forwarded", []string{"authorization", "Bearer user", "x-request-id", "r1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := metadata.AppendToOutgoingContext(context.Background(), tc.md...)
			_, err := r.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: "t", ResourceId: "host-00000000"})
			assert.Equal(t, provider.NotFound, provider.CodeOf(err), "the call reached the handler: %v", err)
			assert.Equal(t, "svc", seen[len(seen)-1], "as the service account")
		})
	}
}

// recorder records the subject of each call that reached it.
type recorder struct {
	inventoryv1.UnimplementedInventoryServiceServer
	seen *[]string
}

func (r recorder) GetResource(ctx context.Context, _ *inventoryv1.GetResourceRequest) (*inventoryv1.GetResourceResponse, error) {
	p, _ := identity.FromContext(ctx)
	*r.seen = append(*r.seen, p.Subject)
	return nil, provider.GRPCError(provider.Errorf(provider.NotFound, "reached the handler"))
}
