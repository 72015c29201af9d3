// Command standin is a schema-only stand-in of a third-party Terraform provider (hashicorp/helm,
// hashicorp/aws, hashicorp/kubernetes), which cannot be installed on the test machine (no
// registry; their modules are not on the Go module proxy). It exposes exactly the resource and
// data-source schemas the modules under terraform/ use, with the real provider's names, types
// and attribute kinds, so that `terraform test` with mock_provider can plan the modules offline.
// It has no behaviour: every create, read, update and delete fails. Which provider it is follows
// from its file name (terraform-provider-<name>_v<version>), as tfbed.Mirror installs it.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
)

func main() {
	base := filepath.Base(os.Args[0])
	name := strings.TrimPrefix(strings.SplitN(base, "_", 2)[0], "terraform-provider-")
	p, ok := providers()[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "standin: no stand-in named %q (binary %s)\n", name, base)
		os.Exit(2)
	}
	p.name = name
	err := providerserver.Serve(context.Background(), func() providerFramework { return p }, providerserver.ServeOpts{
		Address: "registry.terraform.io/hashicorp/" + name,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
