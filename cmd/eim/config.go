package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/services/process"
)

func newConfigCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Validate eim.yaml, print its JSON Schema or a commented example"}
	cmd.AddCommand(newConfigValidate(), newConfigSchema(), newConfigExample())
	return cmd
}

func newConfigValidate() *cobra.Command {
	var file string
	var allowPlaceholders bool
	cmd := &cobra.Command{
		Use:   "validate -f FILE",
		Short: "Check a configuration file without connecting to anything; exit 1 listing every problem",
		Long: `Check a configuration file without connecting to anything: strict decoding, the environment
overrides (EIM_*), every provider block against its adapter, and the target against the module graph.
Every problem is listed with its YAML path, line and fix; exit 1 on any.

A NEEDS-INPUT value left by eim migrate is a problem naming what it needs; --allow-placeholders
accepts them (a draft) and prints each as a warning. eim serve always refuses them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.LoadFile(file, config.Options{Environ: os.Environ(), Sources: process.ConfigSources(), AllowPlaceholders: allowPlaceholders})
			var unbuilt error
			if err == nil && !isPlaceholder(cfg.Target) {
				var remote []module.ResolveOption
				if cfg.Inventory.Address != "" { // a split deployment's process, as eim serve resolves it
					remote = append(remote, module.Remote(module.Inventory))
				}
				_, err = module.EIM().Resolve(cfg.Target, func(string) bool { return true }, remote...)
				_, unbuilt = module.EIM().Resolve(cfg.Target, process.Built, remote...)
				if err != nil {
					err = fmt.Errorf("%s: target: %w", file, err)
				}
			}
			if err != nil {
				var ps *config.Problems
				if errors.As(err, &ps) {
					fmt.Fprintln(cmd.ErrOrStderr(), err)
					return &exitError{code: 1, err: fmt.Errorf("%s: %d problem(s)", file, ps.Total())}
				}
				return err
			}
			for _, d := range cfg.Deprecations {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s\n", file, d)
			}
			if unbuilt != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: target: %v (warning: valid, but eim serve of this binary refuses it)\n", file, unbuilt)
			}
			for _, p := range cfg.Placeholders {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s:%s (warning: --allow-placeholders)\n", file, p)
			}
			if n := len(cfg.Placeholders); n > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: valid as a draft: %d value(s) still need input\n", file, n)
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: valid\n", file)
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "configuration file to check")
	cmd.Flags().BoolVar(&allowPlaceholders, "allow-placeholders", false, "accept NEEDS-INPUT placeholders (a draft): print them as warnings instead of failing")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

// isPlaceholder reports whether s is a NEEDS-INPUT placeholder (already a problem or a warning).
func isPlaceholder(s string) bool {
	_, ok := config.IsPlaceholder(s)
	return ok
}

func newConfigSchema() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema (draft 2020-12) of eim.yaml, generated from the Go types",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := config.Schema(process.ConfigSources())
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), string(b))
			return err
		},
	}
}

func newConfigExample() *cobra.Command {
	return &cobra.Command{
		Use:   "example",
		Short: "Print a commented, complete example eim.yaml",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprint(cmd.OutOrStdout(), config.Example())
			return err
		},
	}
}
