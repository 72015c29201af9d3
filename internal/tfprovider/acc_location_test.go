package tfprovider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/stretchr/testify/require"

	locationv1 "github.com/eim-byoi/eim/api/gen/resources/location/v1"
	"github.com/eim-byoi/eim/internal/tfprovider"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/test/tfbed"
)

func secret(s string) provider.SecretValue { return provider.NewSecretValue([]byte(s)) }

// TestAccLocations: regions (one below another) and a site are created, changed in place,
// imported by "<project>/<id>", refreshed after out-of-band changes (a rename is planned back, a
// deleted site is planned to be created again), and destroyed, against a real eim serve, with
// terraform and with OpenTofu.
func TestAccLocations(t *testing.T) {
	srv := startServer(t)
	eachCLI(t, func(t *testing.T, cli tfbed.CLI) {
		project := "tf-loc-" + cli.Name
		tok := srv.projectToken(t, project)
		c := srv.client(t, tok)
		h := header(srv.endpoint(), tok)
		cfg := func(topName, siteRegion, meta string, lat int) string {
			return h + fmt.Sprintf(`
resource "eim_region" "top" {
  project  = %[1]q
  name     = %[2]q
  metadata = { %[4]s }
}
resource "eim_region" "child" {
  project   = %[1]q
  name      = "child"
  parent_id = eim_region.top.id
}
resource "eim_site" "s" {
  project   = %[1]q
  name      = "site one"
  region_id = eim_region.%[3]s.id
  site_lat  = %[5]d
  site_lng  = 2
}
`, project, topName, siteRegion, meta, lat)
		}
		var siteID, topID string
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: factories(),
			CheckDestroy: func(s *terraform.State) error {
				for _, rs := range s.RootModule().Resources {
					kind := map[string]string{"eim_region": "regions", "eim_site": "sites"}[rs.Type]
					err := tfprovider.Call(c, ctx, "GET", "/v1/projects/"+project+"/"+kind+"/"+rs.Primary.ID, nil, nil)
					if !tfprovider.IsNotFound(err) {
						return fmt.Errorf("%s %s still exists after destroy (%v)", rs.Type, rs.Primary.ID, err)
					}
				}
				return nil
			},
			Steps: []resource.TestStep{
				{
					Config: cfg("top", "child", `env = "test"`, 10),
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestMatchResourceAttr("eim_region.top", "id", regexp.MustCompile(`^region-[0-9a-f]{8}$`)),
						resource.TestCheckResourceAttrPair("eim_region.child", "parent_id", "eim_region.top", "id"),
						resource.TestCheckResourceAttrPair("eim_site.s", "region_id", "eim_region.child", "id"),
						resource.TestCheckResourceAttr("eim_region.top", "metadata.env", "test"),
						resource.TestCheckResourceAttr("eim_site.s", "site_lat", "10"),
						capture("eim_site.s", &siteID), capture("eim_region.top", &topID),
						func(*terraform.State) error { // the API holds what the state says
							r := &locationv1.SiteResource{}
							if err := tfprovider.Call(c, ctx, "GET", "/v1/projects/"+project+"/sites/"+siteID, nil, r); err != nil {
								return err
							}
							if r.GetName() != "site one" || r.GetSiteLat() != 10 {
								return fmt.Errorf("the API holds %v", r)
							}
							return nil
						},
					),
				},
				{ // in place: rename, new metadata, the site moves up
					Config: cfg("top renamed", "top", `env = "prod", tier = "1"`, 20),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("eim_region.top", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("eim_site.s", plancheck.ResourceActionUpdate),
					}},
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr("eim_region.top", "name", "top renamed"),
						resource.TestCheckResourceAttr("eim_region.top", "metadata.tier", "1"),
						resource.TestCheckResourceAttrPair("eim_site.s", "region_id", "eim_region.top", "id"),
						resource.TestCheckResourceAttrPtr("eim_site.s", "id", &siteID), // not replaced
					),
				},
				{
					ResourceName: "eim_region.child", ImportState: true, ImportStateVerify: true,
					ImportStateIdFunc: importID("eim_region.child"),
				},
				{
					ResourceName: "eim_site.s", ImportState: true, ImportStateVerify: true,
					ImportStateIdFunc: importID("eim_site.s"),
				},
				{ // drift: renamed and deleted out of band
					PreConfig: func() {
						require.NoError(t, tfprovider.Call(c, ctx, "PATCH", "/v1/projects/"+project+"/regions/"+topID+"?fieldMask=name",
							&locationv1.RegionResource{Name: "renamed elsewhere"}, nil))
						require.NoError(t, tfprovider.Call(c, ctx, "DELETE", "/v1/projects/"+project+"/sites/"+siteID, nil, nil))
					},
					Config: cfg("top renamed", "top", `env = "prod", tier = "1"`, 20),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("eim_region.top", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("eim_site.s", plancheck.ResourceActionCreate),
					}},
					Check: resource.TestCheckResourceAttr("eim_region.top", "name", "top renamed"),
				},
			},
		})
	})
}

// capture stores the id of resource name in *dst.
func capture(name string, dst *string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[name]
		if !ok {
			return fmt.Errorf("%s not in state", name)
		}
		*dst = rs.Primary.ID
		return nil
	}
}

// importID is "<project>/<id>" of resource name.
func importID(name string) resource.ImportStateIdFunc {
	return func(s *terraform.State) (string, error) {
		rs, ok := s.RootModule().Resources[name]
		if !ok {
			return "", fmt.Errorf("%s not in state", name)
		}
		return rs.Primary.Attributes["project"] + "/" + rs.Primary.ID, nil
	}
}
