// Command terraform-provider-eim is the Terraform (and OpenTofu) provider for EIM: the plugin
// Terraform starts. Install it through a filesystem mirror or dev_overrides (docs/terraform.md).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/eim-byoi/eim/internal/tfprovider"
)

func main() {
	dbg := flag.Bool("debug", false, "run with support for debuggers such as delve (prints TF_REATTACH_PROVIDERS)")
	flag.Parse()
	err := providerserver.Serve(context.Background(), tfprovider.New(version()), providerserver.ServeOpts{
		Address: tfprovider.Address,
		Debug:   *dbg,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// version is the module version the binary was built from, "(devel)" in a work tree.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
