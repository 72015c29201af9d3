package inventory

import (
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/module"
)

// tokens is a verifier that knows a few tokens by value.
type tokens map[string]*identity.Principal

func (v tokens) Verify(_ context.Context, raw string) (*identity.Principal, error) {
	if p, ok := v[raw]; ok {
		return p, nil
	}
	return nil, provider.Errorf(provider.Unauthenticated, "token does not verify")
}

// unimplemented answers every call after the guard with NotFound, so a test sees whether the
// guard let it through.
type unimplemented struct {
	inventoryv1.UnimplementedInventoryServiceServer
}

func (unimplemented) GetResource(context.Context, *inventoryv1.GetResourceRequest) (*inventoryv1.GetResourceResponse, error) {
	return nil, provider.GRPCError(provider.Errorf(provider.NotFound, "reached the handler"))
}

func guarded(t *testing.T, v identity.TokenVerifier) inventoryv1.InventoryServiceClient {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer()
	desc := module.Guard(inventoryv1.InventoryService_ServiceDesc, authorize(v, "eim-service"))
	srv.RegisterService(&desc, unimplemented{})
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return inventoryv1.NewInventoryServiceClient(conn)
}

// TestCallsFromOtherProcessesAreAuthorized: over gRPC, the inventory takes only calls with one
// bearer token that verifies and carries the service role; without an identity provider it takes
// none.
func TestCallsFromOtherProcessesAreAuthorized(t *testing.T) {
	v := tokens{
		"svc":  {Subject: "svc", Roles: []string{"eim-service"}},
		"user": {Subject: "alice", Roles: []string{"p1_im-rw"}},
	}
	call := func(c inventoryv1.InventoryServiceClient, md ...string) error {
		ctx := metadata.AppendToOutgoingContext(context.Background(), md...)
		_, err := c.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: "t", ResourceId: "host-00000000"})
		return err
	}
	c := guarded(t, v)
	for _, tc := range []struct {
		name string
		md   []string
		want provider.Code
	}{
		{"no token", nil, provider.Unauthenticated},
		{"a token that does not verify", []string{"authorization", "Bearer forged"}, provider.Unauthenticated},
		{"two tokens", []string{"authorization", "Bearer svc", "authorization", "Bearer svc"}, provider.Unauthenticated},
		{"a token without the service role", []string{"authorization", "Bearer user"}, provider.PermissionDenied},
		{"a service token reaches the handler", []string{"authorization", "Bearer svc"}, provider.NotFound},
	} {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, provider.CodeOf(call(c, tc.md...))) })
	}
	assert.Equal(t, provider.PermissionDenied, provider.CodeOf(call(guarded(t, nil), "authorization", "Bearer svc")),
		"without an identity provider no call from another process is taken")
}
