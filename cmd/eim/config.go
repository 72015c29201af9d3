package main

import (
	"errors"
	"fmt"

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
	cmd := &cobra.Command{
		Use:   "validate -f FILE",
		Short: "Check a configuration file without connecting to anything; exit 1 listing every problem",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := process.LoadConfig(file)
			if err == nil {
				_, err = module.EIM().Resolve(cfg.Target, func(string) bool { return true })
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
			fmt.Fprintf(cmd.OutOrStdout(), "%s: valid\n", file)
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "configuration file to check")
	_ = cmd.MarkFlagRequired("file")
	return cmd
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
