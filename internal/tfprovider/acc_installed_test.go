package tfprovider_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/eim-byoi/eim/test/tfbed"
)

// TestAccInstalledBinary: the provider binary itself (cmd/terraform-provider-eim), installed by
// `terraform init` from a filesystem mirror named in TF_CLI_CONFIG_FILE (no registry), manages a
// region against a real eim serve, with terraform and with OpenTofu.
func TestAccInstalledBinary(t *testing.T) {
	srv := startServer(t)
	const source = "registry.terraform.io/eim-byoi/eim"
	cfgFile := tfbed.Mirror(t, tfbed.Plugin{Package: "./cmd/terraform-provider-eim", Source: source, Version: "0.2.0"})
	eachCLI(t, func(t *testing.T, cli tfbed.CLI) {
		t.Setenv("TF_CLI_CONFIG_FILE", cfgFile)
		t.Setenv("TOFU_CLI_CONFIG_FILE", cfgFile)
		project := "tf-bin-" + cli.Name
		tok := srv.projectToken(t, project)
		cfg := func(name string) string {
			return `
terraform {
  required_providers {
    eim = { source = "` + source + `", version = "0.2.0" }
  }
}
provider "eim" {
  endpoint = "` + srv.endpoint() + `"
  token    = "` + tok + `"
}
resource "eim_region" "r" {
  project = "` + project + `"
  name    = "` + name + `"
}
`
		}
		resource.Test(t, resource.TestCase{
			ExternalProviders: map[string]resource.ExternalProvider{"eim": {Source: source, VersionConstraint: "0.2.0"}},
			CheckDestroy:      gone(srv.client(t, tok), project),
			Steps: []resource.TestStep{
				{Config: cfg("first"), Check: resource.TestMatchResourceAttr("eim_region.r", "id", regexp.MustCompile(`^region-`))},
				{Config: cfg("second"), Check: resource.TestCheckResourceAttr("eim_region.r", "name", "second")},
				importStep("eim_region.r"),
			},
		})
	})
}
