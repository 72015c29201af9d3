package bootstrap

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/logging"
	"github.com/eim-byoi/eim/services/module"
)

// readinessInterval is how often the gRPC health status and the eim_ready gauge follow the
// providers' and modules' health.
const readinessInterval = 5 * time.Second

// RunOptions configures Run. Zero fields take the real binary's defaults.
type RunOptions struct {
	Config   *config.Config
	Logger   *slog.Logger
	Redactor *logging.Redactor
	Version  string
	// HTTPListener and GRPCListener, when set, are used instead of listening on
	// Config.Listen (tests pass listeners on 127.0.0.1:0).
	HTTPListener, GRPCListener net.Listener
	// SouthboundListener and PlaintextListener, when set, are used instead of listening on
	// Config.Southbound's addresses.
	SouthboundListener, PlaintextListener net.Listener
	Kinds                                 []kinds.Kind
	// Levels, when set, are the levels Logger was made with (logging.NewWithLevels): each
	// module logs at its own (log.modules).
	Levels  *logging.Levels
	Graph   *module.Graph
	Modules map[string]module.Factory
}

// Run serves until ctx is done: it listens, answers /healthz at once and /readyz with 503
// while starting, starts providers and modules, and on ctx's end stops accepting traffic, stops
// the modules and closes the providers within Config.Startup.ShutdownTimeout.
func Run(ctx context.Context, o RunOptions) error {
	o = withDefaults(o)
	httpLn, grpcLn, err := listen(o)
	if err != nil {
		return err
	}
	dbg, err := serveDebug(o.Config.Listen.Debug, o.Logger)
	if err != nil {
		_ = httpLn.Close()
		_ = grpcLn.Close()
		return err
	}
	defer dbg.stop(ctx)
	srv := newServer(o.Logger, o.Redactor, o.Version, o.Config.Telemetry.Enabled)
	if mods, err := resolve(o.Config, o.Graph, o.Modules); err == nil { // else Start reports it
		srv.startup.modules(moduleNames(mods)) // the first answers name them
	}
	srv.serveHTTP(httpLn)
	gcert, secured, err := secureGRPC(ctx, o.Config, grpcLn)
	if err != nil {
		shutdownServer(srv, o.Config)
		_ = grpcLn.Close()
		return fmt.Errorf("startup: %w", err)
	}
	grpcLn = srv.answerWhileStarting(secured)
	o.Logger.Info("listening", "http", httpLn.Addr().String(), "grpc", grpcLn.Addr().String(), "target", o.Config.Target)
	app, err := Start(ctx, Options{
		Config: o.Config, Logger: o.Logger, Redactor: o.Redactor, Kinds: o.Kinds, Graph: o.Graph, Modules: o.Modules, Levels: o.Levels,
		Deps: module.Deps{Metrics: srv.metrics, HTTP: srv.mux, GRPC: srv.grpc}, Startup: srv.startup,
	})
	if err != nil {
		shutdownServer(srv, o.Config)
		_ = grpcLn.Close()
		return fmt.Errorf("startup: %w", err)
	}
	if err := gcert.started(ctx, app); err != nil {
		shutdownServer(srv, o.Config)
		_ = grpcLn.Close()
		_ = app.Shutdown(context.Background())
		return fmt.Errorf("startup: %w", err)
	}
	stopTracing, err := startTracing(ctx, o.Config.Telemetry, o.Version)
	if err != nil {
		shutdownServer(srv, o.Config)
		_ = grpcLn.Close()
		_ = app.Shutdown(context.Background())
		return fmt.Errorf("startup: %w", err)
	}
	srv.startup.finish()
	srv.serveGRPC(grpcLn)
	sb := app.Southbound()
	if sb != nil {
		if err := serveSouthbound(o, sb); err != nil {
			shutdownServer(srv, o.Config)
			_ = app.Shutdown(context.Background())
			_ = stopTracing(context.Background())
			return fmt.Errorf("startup: %w", err)
		}
	}
	srv.setApp(app)
	o.Logger.Info("ready")
	go srv.followReadiness(ctx, app)
	<-ctx.Done()
	o.Logger.Info("shutting down", "cause", context.Cause(ctx).Error())
	sctx, cancel := context.WithTimeout(context.Background(), o.Config.Startup.ShutdownTimeout.Std())
	defer cancel()
	if sb != nil {
		sb.Stop(sctx)
	}
	srv.stop(sctx)
	err = app.Shutdown(sctx)
	if terr := stopTracing(sctx); terr != nil {
		o.Logger.Warn("telemetry shutdown", "error", terr)
	}
	o.Logger.Info("shutdown complete")
	return err
}

func withDefaults(o RunOptions) RunOptions {
	if o.Redactor == nil {
		o.Redactor = logging.NewRedactor()
	}
	if o.Logger == nil {
		o.Levels = logging.NewLevels(o.Config.Log.Level, o.Config.Log.Modules)
		o.Logger = logging.NewWithLevels(os.Stderr, o.Config.Log.Format, o.Redactor, o.Levels)
	}
	if o.Graph == nil {
		o.Graph = module.EIM()
	}
	if o.Modules == nil {
		o.Modules = DefaultModules()
	}
	return o
}

func listen(o RunOptions) (httpLn, grpcLn net.Listener, err error) {
	httpLn, grpcLn = o.HTTPListener, o.GRPCListener
	if httpLn == nil {
		if httpLn, err = net.Listen("tcp", o.Config.Listen.HTTP); err != nil {
			return nil, nil, fmt.Errorf("listen.http: %w", err)
		}
	}
	if grpcLn == nil {
		if grpcLn, err = net.Listen("tcp", o.Config.Listen.GRPC); err != nil {
			_ = httpLn.Close()
			return nil, nil, fmt.Errorf("listen.grpc: %w", err)
		}
	}
	return httpLn, grpcLn, nil
}

func shutdownServer(srv *server, cfg *config.Config) {
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Startup.ShutdownTimeout.Std())
	defer cancel()
	srv.stop(ctx)
}

// followReadiness keeps the gRPC health status and the eim_ready and eim_component_healthy
// gauges in step with the process's readiness until ctx is done.
func (s *server) followReadiness(ctx context.Context, app *App) {
	t := time.NewTicker(readinessInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		status := healthpb.HealthCheckResponse_NOT_SERVING
		rep := app.Readiness(ctx)
		for _, c := range rep.Checks {
			s.healthy.WithLabelValues(c.Name).Set(map[bool]float64{true: 1, false: 0}[c.Healthy])
		}
		if rep.Ready {
			status = healthpb.HealthCheckResponse_SERVING
			s.ready.Set(1)
		} else {
			s.ready.Set(0)
		}
		s.health.SetServingStatus("", status)
	}
}
