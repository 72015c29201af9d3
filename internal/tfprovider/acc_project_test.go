package tfprovider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/eim-byoi/eim/internal/tfprovider"
	"github.com/eim-byoi/eim/test/tfbed"
)

// TestAccProject: a project is created, its description changed, imported by name and deleted
// (waiting for the tenant module's teardown) with a token holding the project roles globally,
// with terraform and with OpenTofu.
func TestAccProject(t *testing.T) {
	srv := startServer(t)
	eachCLI(t, func(t *testing.T, cli tfbed.CLI) {
		tok := srv.adminToken(t)
		c := srv.client(t, tok)
		name := "tf-proj-" + cli.Name
		cfg := func(desc string) string {
			return header(srv.endpoint(), tok) + fmt.Sprintf(`
resource "eim_project" "p" {
  name        = %q
  description = %q
}
`, name, desc)
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: factories(),
			CheckDestroy: func(*terraform.State) error {
				err := tfprovider.Call(c, ctx, "GET", "/v1/projects/"+name, nil, nil)
				if !tfprovider.IsNotFound(err) {
					return fmt.Errorf("project %s still exists after destroy (%v)", name, err)
				}
				return nil
			},
			Steps: []resource.TestStep{
				{
					Config: cfg("first"),
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr("eim_project.p", "id", name),
						resource.TestMatchResourceAttr("eim_project.p", "uid", regexp.MustCompile(`.+`)),
					),
				},
				{Config: cfg("second"), Check: resource.TestCheckResourceAttr("eim_project.p", "description", "second")},
				{ResourceName: "eim_project.p", ImportState: true, ImportStateVerify: true, ImportStateId: name},
			},
		})
	})
}
