package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/eim-byoi/eim/internal/doctor"
	"github.com/eim-byoi/eim/internal/prereq"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/services/process"
)

// newDoctor is `eim doctor`: the preflight of eim.yaml's providers for the enabled modules
// (internal/doctor).
func newDoctor() *cobra.Command {
	var file string
	var targets []string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the providers eim.yaml names for everything the enabled modules need",
		Long: `Check, for each configured provider and the modules eim.yaml enables: DNS, reachability,
TLS (chain, host name, expiry within 30 days), EIM's own logins, the permissions each module
needs (Vault capabilities on every path, the Keycloak admin client's realm-management roles,
the database runtime role's privileges and RLS, the broker user's NATS subject, RabbitMQ
vhost or Redis ACL permissions), the clock skew against the identity provider and the schema version. Each
failure prints its fix; the exit code is non-zero on any failure. --target limits the checks to
identity, secrets, database and/or messaging.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := process.LoadConfig(file)
			if err != nil {
				return err
			}
			spec, err := prereq.Derive(cfg, process.Built)
			if err != nil {
				return err
			}
			rep := doctor.Run(cmd.Context(), spec, doctor.Options{Targets: targets, SchemaStatus: schemaStatus(file)})
			if asJSON {
				if err := rep.WriteJSON(cmd.OutOrStdout()); err != nil {
					return err
				}
			} else {
				rep.WriteTable(cmd.OutOrStdout())
			}
			if n := len(rep.Failed()); n > 0 {
				cmd.SilenceUsage = true
				return fmt.Errorf("doctor: %d check(s) failed", n)
			}
			return nil
		},
	}
	configFlag(cmd, &file)
	cmd.Flags().StringSliceVar(&targets, "target", nil, "check only these providers: identity, secrets, database, messaging")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the findings as JSON")
	return cmd
}

// schemaStatus reports the schema versions of the database of the eim.yaml at file, as
// `eim migrate db --status` does.
func schemaStatus(file string) func(context.Context) ([]storage.SchemaStatus, error) {
	return func(ctx context.Context) ([]storage.SchemaStatus, error) {
		cfg, err := process.LoadConfig(file)
		if err != nil {
			return nil, err
		}
		st, _, err := process.MigrateDB(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), process.NewRedactor(), true)
		return st, err
	}
}
