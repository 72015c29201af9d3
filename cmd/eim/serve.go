package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/eim-byoi/eim/internal/version"
	"github.com/eim-byoi/eim/services/process"
)

func newServe() *cobra.Command {
	var file, target string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the target modules on the configured providers",
		Long: `Run the target modules ("all", a profile such as onboarding or day2, or a module list)
on the providers eim.yaml configures; with no file, on the embedded defaults.
HTTP serves /healthz, /readyz and /metrics; gRPC serves the standard health service.
SIGTERM or SIGINT stops the modules and closes the providers in reverse order.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := process.LoadConfig(file)
			if err != nil {
				return err
			}
			if target != "" {
				cfg.Target = target
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			redactor := process.NewRedactor()
			levels := process.NewLevels(cfg)
			log := process.NewLeveledLogger(os.Stderr, cfg, redactor, levels)
			for _, d := range cfg.Deprecations {
				log.Warn("deprecated configuration key; it still works", "key", d.Path, "write", d.Use)
			}
			go reloadLevels(ctx, file, levels, log)
			return process.Serve(ctx, cfg, log, redactor, version.Get().Version, levels)
		},
	}
	configFlag(cmd, &file)
	cmd.Flags().StringVar(&target, "target", "", "modules to run: all, a profile or a comma-separated list (overrides target in the file)")
	cmd.SetContext(context.Background())
	return cmd
}

// reloadLevels applies log.level and log.modules from file (and the environment) again on every
// SIGHUP until ctx is done; a file that no longer loads keeps the current levels.
func reloadLevels(ctx context.Context, file string, levels *process.Levels, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		cfg, err := process.LoadConfig(file)
		if err != nil {
			log.Error("SIGHUP: eim.yaml does not load; log levels unchanged", "error", err)
			continue
		}
		levels.Set(cfg.Log.Level, cfg.Log.Modules)
		log.Info("SIGHUP: log levels applied", "level", cfg.Log.Level, "modules", cfg.Log.Modules)
	}
}
