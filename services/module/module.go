// Package module declares the EIM modules: their dependency graph and profiles (data, defined
// once and used by `eim serve`, the Helm chart and Terraform), and the contract a module
// implements to be started by bootstrap.
package module

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/southbound"
)

// Module is a running EIM module. Start returns once the module serves; background work goes
// on until Stop, which drains it within ctx's deadline. CheckHealth feeds /readyz.
type Module interface {
	provider.Checker
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// Deps is what bootstrap hands a module: the opened providers of the kinds it uses (the
// embedded kinds.Set: Secrets, Storage, Identity, Messaging, nil when the process has none of
// that kind), and the process's shared listeners and telemetry.
type Deps struct {
	kinds.Set
	Logger  *slog.Logger
	Metrics prometheus.Registerer
	HTTP    *http.ServeMux
	GRPC    *grpc.Server
	// Config is the process's configuration; each module reads its own block.
	Config *config.Config
	// Modules names the modules this process runs (its resolved target), in start order.
	Modules []string
	// Inventory reaches the inventory: in process when the inventory module runs here, over gRPC
	// to inventory.address otherwise; nil for the inventory module itself.
	Inventory inventoryv1.InventoryServiceClient
	// Southbound is where the modules that serve the edge-node agents (Descriptor.Southbound)
	// register their gRPC services; nil for the others.
	Southbound *southbound.Server
}

// ConfigOrDefault returns Config, or config.Default() when Deps carry none (a module built
// outside bootstrap, in a test or an example).
func (d Deps) ConfigOrDefault() *config.Config {
	if d.Config != nil {
		return d.Config
	}
	return config.Default()
}

// InventoryProvider is implemented by the inventory module: bootstrap hands its in-process
// client to the modules started after it.
type InventoryProvider interface {
	InventoryClient() inventoryv1.InventoryServiceClient
}

// Factory builds a module from its dependencies without starting it.
type Factory func(Deps) (Module, error)
