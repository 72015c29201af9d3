package main

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/eim-byoi/eim/internal/version"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/services/process"
)

// newVersion is `eim version`: the release version, git revision, Go toolchain, the modules
// built in and the versions of the APIs this binary serves (docs/upgrade.md).
func newVersion() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, revision, Go version and the API versions served",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info := version.Get()
			for _, d := range module.EIM().Modules() {
				if process.Built(d.Name) {
					info.Modules = append(info.Modules, d.Name)
				}
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			return info.Write(cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
