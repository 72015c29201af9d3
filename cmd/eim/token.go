package main

import (
	"fmt"
	"os/user"
	"time"

	"github.com/spf13/cobra"

	"github.com/eim-byoi/eim/services/process"
)

// newToken is `eim token`: an API token from the embedded issuer, for a project's roles.
func newToken() *cobra.Command {
	var file string
	req := process.TokenRequest{}
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print an API access token from the embedded issuer",
		Long: `Sign an access token with the embedded issuer (identity adapter local, the default) and print it:
the way to call the API on the embedded defaults. The token carries the project roles of the
legacy role model, "<project id>_<role>": im-r reads a project's resources, im-rw changes them.
With --create the project is created when it does not exist. Run it with the eim.yaml of the
server (the same dataDir, or the same secrets and database providers).

  TOKEN=$(eim token --project demo --role im-rw --create)
  curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/v1/projects/demo/regions

With another identity provider (Keycloak, any OIDC provider) get tokens from it instead.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if req.Project == "" && len(req.GlobalRoles) == 0 {
				return fmt.Errorf("--project: name the project the token is for (or give only --global-role)")
			}
			cfg, err := process.LoadConfig(file)
			if err != nil {
				return err
			}
			if req.Subject == "" {
				req.Subject = defaultSubject()
			}
			r := process.NewRedactor()
			log := process.NewLogger(cmd.ErrOrStderr(), cfg, r)
			tok, err := process.MintToken(cmd.Context(), cfg, log, r, req)
			if err != nil {
				return err
			}
			if tok.Created {
				fmt.Fprintf(cmd.ErrOrStderr(), "created project %s (id %s)\n", req.Project, tok.ProjectID)
			}
			fmt.Fprintln(cmd.OutOrStdout(), tok.Token)
			return nil
		},
	}
	configFlag(cmd, &file)
	f := cmd.Flags()
	f.StringVarP(&req.Project, "project", "p", "", "project name (or id) the roles are granted in")
	f.BoolVar(&req.Create, "create", false, "create the project when it does not exist")
	f.StringSliceVarP(&req.Roles, "role", "r", []string{"im-rw"}, "project roles: im-r (read), im-rw (read and write)")
	f.StringSliceVar(&req.GlobalRoles, "global-role", nil, "roles carried as they are, e.g. project-write-role to create projects through the API")
	f.StringVar(&req.Subject, "subject", "", "the token's subject (default eim-token:<user>)")
	f.DurationVar(&req.TTL, "ttl", time.Hour, "how long the token is valid (at most 24h)")
	return cmd
}

// defaultSubject names the operator running the command.
func defaultSubject() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "eim-token:" + u.Username
	}
	return "eim-token"
}
