package inventory

import (
	"context"
	"crypto/tls"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/provider"
)

// Client is how every other module reaches the inventory: the generated client of
// eim.inventory.v1.InventoryService. Local serves it in process; Dial over gRPC in a split
// deployment. Errors carry the same codes either way (provider.CodeOf reads them).
type Client = inventoryv1.InventoryServiceClient

// Local returns a Client that calls srv in the same process, without serialization.
func Local(srv inventoryv1.InventoryServiceServer) Client { return local{srv} }

type local struct {
	srv inventoryv1.InventoryServiceServer
}

var _ Client = local{}

func (l local) CreateResource(ctx context.Context, in *inventoryv1.CreateResourceRequest, _ ...grpc.CallOption) (*inventoryv1.CreateResourceResponse, error) {
	return l.srv.CreateResource(ctx, in)
}

func (l local) GetResource(ctx context.Context, in *inventoryv1.GetResourceRequest, _ ...grpc.CallOption) (*inventoryv1.GetResourceResponse, error) {
	return l.srv.GetResource(ctx, in)
}

func (l local) FindResource(ctx context.Context, in *inventoryv1.FindResourceRequest, _ ...grpc.CallOption) (*inventoryv1.FindResourceResponse, error) {
	return l.srv.FindResource(ctx, in)
}

func (l local) ListResources(ctx context.Context, in *inventoryv1.ListResourcesRequest, _ ...grpc.CallOption) (*inventoryv1.ListResourcesResponse, error) {
	return l.srv.ListResources(ctx, in)
}

func (l local) UpdateResource(ctx context.Context, in *inventoryv1.UpdateResourceRequest, _ ...grpc.CallOption) (*inventoryv1.UpdateResourceResponse, error) {
	return l.srv.UpdateResource(ctx, in)
}

func (l local) DeleteResource(ctx context.Context, in *inventoryv1.DeleteResourceRequest, _ ...grpc.CallOption) (*inventoryv1.DeleteResourceResponse, error) {
	return l.srv.DeleteResource(ctx, in)
}

func (l local) ListChanges(ctx context.Context, in *inventoryv1.ListChangesRequest, _ ...grpc.CallOption) (*inventoryv1.ListChangesResponse, error) {
	return l.srv.ListChanges(ctx, in)
}

func (l local) GetHostsSummary(ctx context.Context, in *inventoryv1.GetHostsSummaryRequest, _ ...grpc.CallOption) (*inventoryv1.GetHostsSummaryResponse, error) {
	return l.srv.GetHostsSummary(ctx, in)
}

// Remote is a Client over a gRPC connection; Close closes the connection.
type Remote struct {
	inventoryv1.InventoryServiceClient
	conn *grpc.ClientConn
}

// Close closes the connection.
func (r *Remote) Close() error { return r.conn.Close() }

// Dial returns a Client of the inventory at address (host:port). tlsConfig nil means plain gRPC
// (loopback tests only); creds, when not nil, adds a bearer token to every call (an
// identity.TokenSource). It does not connect until the first call.
func Dial(address string, tlsConfig *tls.Config, creds credentials.PerRPCCredentials) (*Remote, error) {
	tc := insecure.NewCredentials()
	if tlsConfig != nil {
		tc = credentials.NewTLS(tlsConfig)
	}
	opts := []grpc.DialOption{grpc.WithTransportCredentials(tc)}
	if creds != nil {
		opts = append(opts, grpc.WithPerRPCCredentials(creds))
	}
	conn, err := grpc.NewClient(address, opts...)
	if err != nil {
		return nil, provider.Errorf(provider.InvalidArgument, "inventory.address %q: %v", address, err)
	}
	return &Remote{InventoryServiceClient: inventoryv1.NewInventoryServiceClient(conn), conn: conn}, nil
}
