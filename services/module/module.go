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

	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/providers/storage"
)

// Module is a running EIM module. Start returns once the module serves; background work goes
// on until Stop, which drains it within ctx's deadline. CheckHealth feeds /readyz.
type Module interface {
	provider.Checker
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// Deps is what bootstrap hands a module: the opened providers of the kinds it uses, and the
// process's shared listeners and telemetry.
type Deps struct {
	Logger  *slog.Logger
	Metrics prometheus.Registerer
	HTTP    *http.ServeMux
	GRPC    *grpc.Server
	// Secrets is the opened secrets provider (store and keeper). Nil when the process has none.
	Secrets *secrets.Provider
	// Storage is the opened database: SQL, dialect, InTenant and schema migrations. Nil when the
	// process has no storage provider.
	Storage *storage.DB
	// Identity is the opened identity provider: token verification (identity.HTTPMiddleware,
	// identity.UnaryServerInterceptor), ClientIssuer and TokenSources. Nil when the process
	// has no identity provider (no module of the target uses one).
	Identity *identity.Provider
	// Messaging is the opened messaging bus (publish, subscribe); events that describe state
	// changes go through the transactional outbox (providers/messaging/outbox). Nil when the
	// process has no messaging provider.
	Messaging *messaging.Bus
}

// Factory builds a module from its dependencies without starting it.
type Factory func(Deps) (Module, error)
