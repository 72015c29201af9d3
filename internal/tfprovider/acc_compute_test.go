package tfprovider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/stretchr/testify/require"

	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	servicesv1 "github.com/eim-byoi/eim/api/gen/services/v1"
	"github.com/eim-byoi/eim/internal/tfprovider"
	"github.com/eim-byoi/eim/test/tfbed"
)

// TestAccComputeAndSchedules: a host pre-registration (auto-onboard switched on in place, a new
// serial number replaces it), an OS resource, an OS update policy targeting it, a single window
// on a site and a repeated one on a region: created, changed, imported, drift on the host seen,
// destroyed, with terraform and with OpenTofu.
func TestAccComputeAndSchedules(t *testing.T) {
	srv := startServer(t)
	eachCLI(t, func(t *testing.T, cli tfbed.CLI) {
		project := "tf-comp-" + cli.Name
		tok := srv.projectToken(t, project)
		c := srv.client(t, tok)
		cfg := func(serial string, auto bool, osName, cronHours string, end int) string {
			return header(srv.endpoint(), tok) + fmt.Sprintf(`
locals { project = %[1]q }
resource "eim_region" "r" {
  project = local.project
  name    = "r"
}
resource "eim_site" "s" {
  project   = local.project
  name      = "s"
  region_id = eim_region.r.id
}
resource "eim_host" "h" {
  project       = local.project
  name          = "edge-1"
  serial_number = %[2]q
  uuid          = "4c4c4544-0042-3010-8044-b2c04f4e3132"
  auto_onboard  = %[3]t
}
resource "eim_os_resource" "ubuntu" {
  project          = local.project
  name             = %[4]q
  architecture     = "x86_64"
  image_url        = "https://images.example.com/ubuntu-24.04.img"
  image_id         = "24.04.1"
  sha256           = "a3f1c2d4e5b6a7980a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071"
  profile_name     = "ubuntu-24.04-lts-generic"
  security_feature = "SECURITY_FEATURE_NONE"
  os_type          = "OS_TYPE_MUTABLE"
  os_provider      = "OS_PROVIDER_KIND_INFRA"
}
resource "eim_os_update_policy" "p" {
  project       = local.project
  name          = "nightly"
  description   = "packages every night"
  update_policy = "UPDATE_POLICY_TARGET"
  target_os_id  = eim_os_resource.ubuntu.id
}
resource "eim_schedule_single" "window" {
  project         = local.project
  name            = "one window"
  schedule_status = "SCHEDULE_STATUS_MAINTENANCE"
  target_site_id  = eim_site.s.id
  start_seconds   = 1900000000
  end_seconds     = %[6]d
}
resource "eim_schedule_repeated" "nightly" {
  project          = local.project
  name             = "nightly"
  schedule_status  = "SCHEDULE_STATUS_OS_UPDATE"
  target_region_id = eim_region.r.id
  duration_seconds = 3600
  cron_minutes     = "0"
  cron_hours       = %[5]q
  cron_day_month   = "*"
  cron_month       = "*"
  cron_day_week    = "1,2,3,4,5"
}
`, project, serial, auto, osName, cronHours, end)
		}
		var hostID, osID string
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: factories(),
			CheckDestroy:             gone(c, project),
			Steps: []resource.TestStep{
				{
					Config: cfg("SERIAL001", false, "ubuntu", "2", 1900003600),
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestMatchResourceAttr("eim_host.h", "id", regexp.MustCompile(`^host-[0-9a-f]{8}$`)),
						resource.TestCheckResourceAttr("eim_host.h", "desired_state", "HOST_STATE_REGISTERED"),
						resource.TestCheckResourceAttr("eim_host.h", "enable_vpro", "false"),
						resource.TestCheckResourceAttrPair("eim_os_update_policy.p", "target_os_id", "eim_os_resource.ubuntu", "id"),
						resource.TestCheckResourceAttrPair("eim_schedule_single.window", "target_site_id", "eim_site.s", "id"),
						resource.TestMatchResourceAttr("eim_schedule_repeated.nightly", "id", regexp.MustCompile(`^repeatedsche-[0-9a-f]{8}$`)),
						capture("eim_host.h", &hostID), capture("eim_os_resource.ubuntu", &osID),
					),
				},
				{ // in place: auto-onboard on, OS renamed, new window end, new cron hour
					Config: cfg("SERIAL001", true, "ubuntu lts", "3", 1900007200),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("eim_host.h", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("eim_os_resource.ubuntu", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("eim_schedule_single.window", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("eim_schedule_repeated.nightly", plancheck.ResourceActionUpdate),
					}},
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr("eim_host.h", "desired_state", "HOST_STATE_ONBOARDED"),
						resource.TestCheckResourceAttrPtr("eim_host.h", "id", &hostID),
						resource.TestCheckResourceAttrPtr("eim_os_resource.ubuntu", "id", &osID),
						resource.TestCheckResourceAttr("eim_schedule_repeated.nightly", "cron_hours", "3"),
						resource.TestCheckResourceAttr("eim_schedule_single.window", "end_seconds", "1900007200"),
						func(*terraform.State) error {
							h := &computev1.HostResource{}
							if err := tfprovider.Call(c, ctx, "GET", "/v1/projects/"+project+"/compute/hosts/"+hostID, nil, h); err != nil {
								return err
							}
							if h.GetDesiredState() != computev1.HostState_HOST_STATE_ONBOARDED || h.GetSerialNumber() != "SERIAL001" {
								return fmt.Errorf("the API holds %v", h)
							}
							return nil
						},
					),
				},
				{ // a new serial number is a new registration
					Config: cfg("SERIAL002", true, "ubuntu lts", "3", 1900007200),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("eim_host.h", plancheck.ResourceActionDestroyBeforeCreate),
					}},
					Check: resource.TestCheckResourceAttr("eim_host.h", "serial_number", "SERIAL002"),
				},
				importStep("eim_host.h"), importStep("eim_os_resource.ubuntu"), importStep("eim_os_update_policy.p"),
				importStep("eim_schedule_single.window"), importStep("eim_schedule_repeated.nightly"),
				{ // drift: auto-onboard switched off out of band is planned back on
					PreConfig: func() {
						id := hostIDOf(t, c, project, "SERIAL002")
						require.NoError(t, tfprovider.Call(c, ctx, "PATCH", "/v1/projects/"+project+"/compute/hosts/"+id+"/register",
							&servicesv1.HostRegister{Name: "edge-1", AutoOnboard: false}, nil))
					},
					Config: cfg("SERIAL002", true, "ubuntu lts", "3", 1900007200),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("eim_host.h", plancheck.ResourceActionUpdate),
					}},
					Check: resource.TestCheckResourceAttr("eim_host.h", "desired_state", "HOST_STATE_ONBOARDED"),
				},
			},
		})
	})
}

// hostIDOf finds the host with serial number serial through the API's filter.
func hostIDOf(t *testing.T, c *tfprovider.Client, project, serial string) string {
	t.Helper()
	out := &servicesv1.ListHostsResponse{}
	require.NoError(t, tfprovider.Call(c, ctx, "GET", "/v1/projects/"+project+"/compute/hosts?filter=serialNumber%3D%22"+serial+"%22", nil, out))
	require.Len(t, out.GetHosts(), 1)
	return out.GetHosts()[0].GetResourceId()
}

// importStep imports resource name by "<project>/<id>" and compares every attribute.
func importStep(name string) resource.TestStep {
	return resource.TestStep{ResourceName: name, ImportState: true, ImportStateVerify: true, ImportStateIdFunc: importID(name)}
}

// paths of the resource types, below /v1/projects/{project}/.
var paths = map[string]string{
	"eim_region": "regions", "eim_site": "sites", "eim_host": "compute/hosts", "eim_os_resource": "compute/os",
	"eim_os_update_policy": "os-update-policies", "eim_schedule_single": "schedules/single",
	"eim_schedule_repeated": "schedules/repeated",
}

// gone checks, after destroy, that the API answers 404 for every resource the state had.
func gone(c *tfprovider.Client, project string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			err := tfprovider.Call(c, ctx, "GET", "/v1/projects/"+project+"/"+paths[rs.Type]+"/"+rs.Primary.ID, nil, nil)
			if !tfprovider.IsNotFound(err) {
				return fmt.Errorf("%s %s still exists after destroy (%v)", rs.Type, rs.Primary.ID, err)
			}
		}
		return nil
	}
}
