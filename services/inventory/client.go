package inventory

import (
	"context"
	"crypto/tls"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

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
	opts := []grpc.DialOption{grpc.WithTransportCredentials(tc), telemetry.DialOption()}
	if creds != nil {
		opts = append(opts, grpc.WithPerRPCCredentials(creds))
	}
	conn, err := grpc.NewClient(address, opts...)
	if err != nil {
		return nil, provider.Errorf(provider.InvalidArgument, "inventory.address %q: %v", address, err)
	}
	return &Remote{InventoryServiceClient: inventoryv1.NewInventoryServiceClient(conn), conn: conn}, nil
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
