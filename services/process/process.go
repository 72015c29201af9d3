// Package process is the entry point of the EIM process for cmd/eim: it exposes what the
// command needs of services/internal/bootstrap and services/internal/logging (loading eim.yaml
// with the adapters built in, serving, opening the providers for conformance), so that
// bootstrap stays internal to services.
package process

import (
	"context"
	"io"
	"log/slog"

	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/bootstrap"
	"github.com/eim-byoi/eim/services/internal/logging"
)

// Redactor scrubs resolved credentials from logs.
type Redactor = logging.Redactor

// NewRedactor returns an empty Redactor.
func NewRedactor() *Redactor { return logging.NewRedactor() }

// NewLogger returns the process logger for cfg, writing to w and redacting through r.
func NewLogger(w io.Writer, cfg *config.Config, r *Redactor) *slog.Logger {
	return logging.New(w, cfg.Log.Level, cfg.Log.Format, r)
}

// Levels are the process's log levels, changeable at run time (log.level, log.modules).
type Levels = logging.Levels

// NewLevels returns the levels cfg sets.
func NewLevels(cfg *config.Config) *Levels { return logging.NewLevels(cfg.Log.Level, cfg.Log.Modules) }

// NewLeveledLogger returns the process logger at levels: Serve derives each module's logger
// at its own level, and levels.Set changes them while the process runs.
func NewLeveledLogger(w io.Writer, cfg *config.Config, r *Redactor, levels *Levels) *slog.Logger {
	return logging.NewWithLevels(w, cfg.Log.Format, r, levels)
}

// LoadConfig loads eim.yaml from path (the embedded defaults when empty) with the process
// environment and the adapters built into this binary.
func LoadConfig(path string) (*config.Config, error) { return bootstrap.LoadConfig(path) }

// Built reports whether module name is built into this binary.
func Built(name string) bool { return bootstrap.DefaultModules()[name] != nil }

// ConfigSources returns the adapter registries built into this binary.
func ConfigSources() []provider.ConfigSource { return kinds.Sources() }

// Serve runs the process until ctx is done (see bootstrap.Run); levels (may be nil) give each
// module's logger its level.
func Serve(ctx context.Context, cfg *config.Config, log *slog.Logger, r *Redactor, version string, levels *Levels) error {
	return bootstrap.Run(ctx, bootstrap.RunOptions{Config: cfg, Logger: log, Redactor: r, Version: version, Levels: levels})
}

// Providers are opened providers by kind name, with their adapter names.
type Providers struct {
	app    *bootstrap.App
	Opened map[string]OpenedProvider
}

// OpenedProvider is one opened provider.
type OpenedProvider struct {
	Adapter  string
	Provider any
}

// Close closes every provider in reverse opening order.
func (p *Providers) Close(ctx context.Context) error { return p.app.Shutdown(ctx) }

// OpenProviders opens the providers cfg configures (or their embedded defaults) without
// starting any module.
func OpenProviders(ctx context.Context, cfg *config.Config, log *slog.Logger, r *Redactor) (*Providers, error) {
	app, err := bootstrap.OpenProviders(ctx, bootstrap.Options{Config: cfg, Logger: log, Redactor: r})
	if err != nil {
		return nil, err
	}
	out := &Providers{app: app, Opened: map[string]OpenedProvider{}}
	for _, o := range app.Providers() {
		out.Opened[o.Kind] = OpenedProvider{Adapter: o.Adapter, Provider: o.Provider}
	}
	return out, nil
}
