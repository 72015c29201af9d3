package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/eim-byoi/eim/services/process"
	"github.com/eim-byoi/eim/test/conformance"
	"github.com/eim-byoi/eim/test/conformance/suites"
)

func newConformance() *cobra.Command {
	var file, jsonOut, junitOut string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "conformance",
		Short: "Run the provider conformance suites against the providers eim.yaml configures",
		Long: `Open the providers eim.yaml configures and run each kind's conformance cases against them,
non-destructively: everything a case creates carries a unique prefix and is removed afterwards.
Prints a table; --json and --junit also write the results to files. Exit 1 when a case fails.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			results, err := runConformance(cmd.Context(), file, conformance.Options{CaseTimeout: timeout}, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if err := writeReports(cmd.OutOrStdout(), results, jsonOut, junitOut); err != nil {
				return err
			}
			if _, failed := conformance.Summary(results); failed > 0 {
				return &exitError{code: 1, err: fmt.Errorf("%d conformance case(s) failed", failed)}
			}
			return nil
		},
	}
	configFlag(cmd, &file)
	cmd.Flags().StringVar(&jsonOut, "json", "", "also write the results as JSON to this file")
	cmd.Flags().StringVar(&junitOut, "junit", "", "also write the results as JUnit XML to this file")
	cmd.Flags().DurationVar(&timeout, "case-timeout", conformance.DefaultCaseTimeout, "time limit of one case")
	return cmd
}

func runConformance(ctx context.Context, file string, opts conformance.Options, logw io.Writer) ([]conformance.Result, error) {
	cfg, err := process.LoadConfig(file)
	if err != nil {
		return nil, err
	}
	redactor := process.NewRedactor()
	log := process.NewLogger(logw, cfg, redactor)
	providers, err := process.OpenProviders(ctx, cfg, log, redactor)
	if err != nil {
		return nil, err
	}
	defer func() { _ = providers.Close(context.Background()) }()
	opened := providers.Opened
	executors := suites.Executors()
	kinds := make([]string, 0, len(opened))
	for k := range opened {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var results []conformance.Result
	prefix := "eimconf-" + randomHex(4)
	for _, kind := range kinds {
		exec, ok := executors[kind]
		if !ok {
			log.Warn("no conformance suite for this kind in this build", "kind", kind)
			continue
		}
		o := opened[kind]
		results = append(results, exec(ctx, conformance.Target{Kind: kind, Adapter: o.Adapter, Provider: o.Provider, Prefix: prefix}, opts)...)
	}
	if len(opened) == 0 {
		log.Warn("no provider is configured or built in: nothing to test")
	}
	return results, nil
}

func writeReports(stdout io.Writer, results []conformance.Result, jsonOut, junitOut string) error {
	if err := conformance.WriteTable(stdout, results); err != nil {
		return err
	}
	for _, out := range []struct {
		path  string
		write func(io.Writer, []conformance.Result) error
	}{{jsonOut, conformance.WriteJSON}, {junitOut, conformance.WriteJUnit}} {
		if out.path == "" {
			continue
		}
		f, err := os.Create(out.path)
		if err != nil {
			return err
		}
		werr := out.write(f, results)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return fmt.Errorf("write %s: %w", out.path, werr)
		}
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
