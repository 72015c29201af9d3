// Command eim is the one EIM binary: it serves any subset of the EIM modules on the customer's
// own infrastructure (eim serve), checks configuration (eim config) and proves providers
// against a real backend (eim conformance).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/eim-byoi/eim/internal/version"
)

// exitError carries a process exit code other than 1.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func main() {
	if err := newRoot(os.Stdout, os.Stderr).Execute(); err != nil {
		code := 1
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		fmt.Fprintln(os.Stderr, "eim:", err)
		os.Exit(code)
	}
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "eim",
		Short:         "Edge Infrastructure Manager on your own infrastructure",
		Version:       version.Get().String(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newServe(), newConfigCmd(), newConformance(), newMigrate(), newToken(), newEdgeSim(), newBootstrap(), newDoctor(), newVersion())
	return root
}

// configFlag registers --config with its EIM_CONFIG default on cmd.
func configFlag(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVarP(dst, "config", "c", os.Getenv("EIM_CONFIG"),
		"eim.yaml to load (default $EIM_CONFIG; none: the embedded defaults)")
}
