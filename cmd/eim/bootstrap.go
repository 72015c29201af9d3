package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/eim-byoi/eim/internal/prereq"
	"github.com/eim-byoi/eim/services/process"
)

// newBootstrap is `eim bootstrap <identity|secrets|database|all>`: create on the customer's
// own Keycloak, Vault/OpenBao and database what the enabled modules need (internal/prereq).
func newBootstrap() *cobra.Command {
	var file, adminFile, output string
	var dryRun, adminPolicy bool
	var projects []string
	cmd := &cobra.Command{
		Use:       "bootstrap <identity|secrets|database|messaging|all>",
		Short:     "Create the realm roles, clients, Vault policy and auth role, database roles and broker user EIM needs",
		ValidArgs: append(prereq.Targets(), "all"),
		Long: `Read the customer's Keycloak, Vault/OpenBao, PostgreSQL/MySQL, RabbitMQ and Redis with the administrator
credentials of --admin and create what the modules eim.yaml enables need, changing only what
differs: a second run plans nothing. --dry-run prints the plan and changes nothing; --output
writes it as JSON. Generated secrets go to where eim.yaml's references point (Vault KV or a
file of mode 0600) and are never printed. For a generic OIDC provider and for NATS it prints the
manual steps.
See docs/bootstrap.md for the privileges each administrator needs.`,
		Args: cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := process.LoadConfig(file)
			if err != nil {
				return err
			}
			spec, err := prereq.Derive(cfg, process.Built)
			if err != nil {
				return err
			}
			admin, err := prereq.LoadAdmin(cmd.Context(), adminFile)
			if err != nil {
				return err
			}
			if adminPolicy {
				return printAdminPolicy(cmd, spec, admin)
			}
			plan, err := prereq.Bootstrap(cmd.Context(), spec, prereq.Options{Target: args[0], DryRun: dryRun, Admin: admin,
				Projects: projects})
			plan.WriteText(cmd.OutOrStdout())
			if output != "" {
				if werr := writePlan(output, plan); werr != nil && err == nil {
					err = werr
				}
			}
			return err
		},
	}
	configFlag(cmd, &file)
	cmd.Flags().StringVar(&adminFile, "admin", "eim-admin.yaml", "the administrator credentials file (docs/bootstrap.md)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "plan without changing anything")
	cmd.Flags().StringVar(&output, "output", "", "write the plan as JSON to this file")
	cmd.Flags().StringSliceVar(&projects, "project", nil, "project UUIDs whose realm roles and edge-node group to create (identity)")
	cmd.Flags().BoolVar(&adminPolicy, "print-admin-policy", false, "print the Vault policy the administrator's token needs and exit")
	return cmd
}

func writePlan(path string, plan *prereq.Plan) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("--output: %w", err)
	}
	defer f.Close()
	return plan.WriteJSON(f)
}

// printAdminPolicy prints the least privileges `eim bootstrap secrets` needs of the Vault
// administrator's token, as a policy.
func printAdminPolicy(cmd *cobra.Command, spec *prereq.Spec, admin *prereq.Admin) error {
	if spec.Vault == nil {
		return fmt.Errorf("providers.secrets is not vault: bootstrap needs no Vault administrator")
	}
	va := admin.Vault
	if va == nil {
		va = &prereq.VaultAdmin{Policy: "eim", Role: "eim"}
	}
	_, err := fmt.Fprint(cmd.OutOrStdout(), prereq.PolicyHCL(prereq.VaultAdminPaths(spec, va)))
	return err
}
