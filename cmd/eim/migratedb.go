package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/services/process"
)

// newMigrateDB is `eim migrate db`: apply the database schema migrations (or, with --status,
// report them) for the database eim.yaml configures.
func newMigrateDB() *cobra.Command {
	var file string
	var status bool
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Apply the database schema migrations (or report them with --status)",
		Long: `Open the database eim.yaml configures (the embedded SQLite file under dataDir when none is)
as its migration role and apply every pending schema migration of this binary, under a database
lock so that replicas starting at the same time do not race. It refuses a database whose schema
is newer than this binary. With --status it changes nothing and prints each schema's version.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := process.LoadConfig(file)
			if err != nil {
				return err
			}
			r := process.NewRedactor()
			log := process.NewLogger(cmd.ErrOrStderr(), cfg, r)
			st, target, err := process.MigrateDB(cmd.Context(), cfg, log, r, status)
			if err != nil {
				return err
			}
			printStatus(cmd.OutOrStdout(), target, st)
			return nil
		},
	}
	configFlag(cmd, &file)
	cmd.Flags().BoolVar(&status, "status", false, "report the schema versions without changing anything")
	return cmd
}

func printStatus(w io.Writer, target string, st []storage.SchemaStatus) {
	fmt.Fprintf(w, "database %s\n%-16s %8s %8s  %s\n", target, "SCHEMA", "CURRENT", "LATEST", "PENDING")
	for _, s := range st {
		pending := make([]string, len(s.Pending))
		for i, v := range s.Pending {
			pending[i] = fmt.Sprint(v)
		}
		p := strings.Join(pending, ",")
		if p == "" {
			p = "-"
		}
		fmt.Fprintf(w, "%-16s %8d %8d  %s\n", s.Name, s.Current, s.Latest, p)
	}
}
