package inventory

import (
	"context"
	"crypto/tls"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/internal/telemetry"
	"github.com/eim-byoi/eim/services/module"
)

// Client is how every other module reaches the inventory: the generated client of
// eim.inventory.v1.InventoryService. Local serves it in process; Dial over gRPC in a split
// deployment. Errors carry the same codes either way (provider.CodeOf reads them).
type Client = inventoryv1.InventoryServiceClient

// Local returns a Client that calls srv in the same process, without a network or
// serialization (module.InProcess).
func Local(srv inventoryv1.InventoryServiceServer) Client {
	return inventoryv1.NewInventoryServiceClient(module.InProcess(module.Service{Desc: &inventoryv1.InventoryService_ServiceDesc, Impl: srv}))
}

// Remote is a Client over a gRPC connection; Close closes the connection.
type Remote struct {
	inventoryv1.InventoryServiceClient
	conn    *grpc.ClientConn
	address string
}

var _ provider.Checker = (*Remote)(nil)

// CheckHealth asks the remote process's gRPC health service (with the service account's token,
// as every call): a process whose inventory cannot be reached is not ready.
func (r *Remote) CheckHealth(ctx context.Context) error {
	res, err := healthpb.NewHealthClient(r.conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		return provider.Errorf(provider.Unavailable, "inventory at %s (inventory.address): %v", r.address, err)
	}
	if res.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return provider.Errorf(provider.Unavailable, "inventory at %s (inventory.address) is %s", r.address, res.GetStatus())
	}
	return nil
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
	opts := []grpc.DialOption{grpc.WithTransportCredentials(tc), telemetry.DialOption()}
	if creds != nil {
		opts = append(opts, grpc.WithPerRPCCredentials(creds),
			grpc.WithChainUnaryInterceptor(unaryAsService), grpc.WithChainStreamInterceptor(streamAsService))
	}
	conn, err := grpc.NewClient(address, opts...)
	if err != nil {
		return nil, provider.Errorf(provider.InvalidArgument, "inventory.address %q: %v", address, err)
	}
	return &Remote{InventoryServiceClient: inventoryv1.NewInventoryServiceClient(conn), conn: conn, address: address}, nil
}

// unaryAsService and streamAsService call as the service account alone: the authorization
// metadata a caller's context carries (grpc-gateway forwards the REST caller's header as outgoing
// metadata) is dropped, so the call carries the one token of the per-RPC credentials and never
// the caller's.
func unaryAsService(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	return invoker(withoutAuthorization(ctx), method, req, reply, cc, opts...)
}

func streamAsService(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return streamer(withoutAuthorization(ctx), desc, cc, method, opts...)
}

func withoutAuthorization(ctx context.Context) context.Context {
	md, ok := metadata.FromOutgoingContext(ctx)
	if !ok || len(md.Get("authorization")) == 0 {
		return ctx
	}
	md = md.Copy()
	md.Delete("authorization")
	return metadata.NewOutgoingContext(ctx, md)
}

// EnsureProject returns project name, creating it (with description) when it does not exist;
// created says whether this call created it. A project created meanwhile by another caller is
// read back rather than an error.
func EnsureProject(ctx context.Context, c Client, name, description string) (p *inventoryv1.Project, created bool, err error) {
	got, err := c.GetProject(ctx, &inventoryv1.GetProjectRequest{NameOrId: name})
	if provider.CodeOf(err) != provider.NotFound {
		return got.GetProject(), false, err
	}
	made, err := c.CreateProject(ctx, &inventoryv1.CreateProjectRequest{Name: name, Description: description})
	if provider.CodeOf(err) == provider.AlreadyExists {
		got, err = c.GetProject(ctx, &inventoryv1.GetProjectRequest{NameOrId: name})
		return got.GetProject(), false, err
	}
	return made.GetProject(), err == nil, err
}
