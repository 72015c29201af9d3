package tfprovider_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/eim-byoi/eim/test/tfbed"
)

// offline is a provider block without an endpoint: plan-time validation and eim_config need none.
const offline = `
terraform {
  required_providers {
    eim = { source = "registry.terraform.io/hashicorp/eim" }
  }
}
provider "eim" {}
`

// TestAccPlanValidation: a value the API would refuse fails `terraform plan` with a diagnostic
// naming the attribute, before anything is created (no server runs in this test), with
// terraform and with OpenTofu.
func TestAccPlanValidation(t *testing.T) {
	cases := []struct {
		name, config string
		want         *regexp.Regexp
	}{
		{"cron out of range", `
resource "eim_schedule_repeated" "x" {
  project = "demo"
  schedule_status = "SCHEDULE_STATUS_MAINTENANCE"
  target_site_id = "site-12345678"
  duration_seconds = 60
  cron_minutes = "61"
  cron_hours = "*"
  cron_day_month = "*"
  cron_month = "*"
  cron_day_week = "*"
}`, regexp.MustCompile(`(?s)cron_minutes.*cron_minutes`)},
		{"two targets", `
resource "eim_schedule_single" "x" {
  project = "demo"
  schedule_status = "SCHEDULE_STATUS_MAINTENANCE"
  target_site_id = "site-12345678"
  target_host_id = "host-12345678"
  start_seconds = 1900000000
}`, regexp.MustCompile(`(?s)target_site_id.*exactly\s+one\s+of\s+target_host_id,\s+target_site_id\s+and\s+target_region_id`)},
		{"unknown enum", `
resource "eim_schedule_single" "x" {
  project = "demo"
  schedule_status = "MAINTENANCE"
  target_site_id = "site-12345678"
  start_seconds = 1900000000
}`, regexp.MustCompile(`(?s)schedule_status.*"MAINTENANCE"\s+is\s+not\s+one\s+of\s+SCHEDULE_STATUS_MAINTENANCE,\s+SCHEDULE_STATUS_OS_UPDATE`)},
		{"end before start", `
resource "eim_schedule_single" "x" {
  project = "demo"
  schedule_status = "SCHEDULE_STATUS_MAINTENANCE"
  target_region_id = "region-12345678"
  start_seconds = 1900000000
  end_seconds = 1800000000
}`, regexp.MustCompile(`(?s)end_seconds.*end_seconds\s+must\s+be\s+after\s+start_seconds`)},
		{"host without identity", `
resource "eim_host" "x" {
  project = "demo"
  name = "h"
}`, regexp.MustCompile(`(?s)Missing\s+host\s+identity.*eim_host.x.*set\s+serial_number\s+or\s+uuid`)},
		{"bad serial", `
resource "eim_host" "x" {
  project = "demo"
  name = "h"
  serial_number = "no!"
}`, regexp.MustCompile(`(?s)serial_number.*HostRegister\.serial_number`)},
		{"bad site id", `
resource "eim_site" "x" {
  project = "demo"
  name = "s"
  region_id = "site-12345678"
}`, regexp.MustCompile(`(?s)region_id.*SiteResource\.region_id`)},
		{"bad project name", `
resource "eim_region" "x" {
  project = "Demo_Project"
  name = "r"
}`, regexp.MustCompile(`(?s)project.*"Demo_Project"\s+is\s+not\s+a\s+project\s+name`)},
		{"bad sha256", `
resource "eim_os_resource" "x" {
  project = "demo"
  name = "o"
  sha256 = "xyz"
}`, regexp.MustCompile(`(?s)sha256.*OperatingSystemResource\.sha256`)},
	}
	eachCLI(t, func(t *testing.T, _ tfbed.CLI) {
		steps := make([]resource.TestStep, 0, len(cases))
		for _, c := range cases {
			steps = append(steps, resource.TestStep{Config: offline + c.config, PlanOnly: true, ExpectError: c.want})
		}
		resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: factories(), Steps: steps})
	})
}

// TestAccConfigDataSource: eim_config renders an eim.yaml from an HCL object and validates it
// with services/config; an unknown key, a bad value and a missing reference fail the plan
// naming the key; YAML text is taken as it is, with terraform and with OpenTofu.
func TestAccConfigDataSource(t *testing.T) {
	eachCLI(t, func(t *testing.T, _ tfbed.CLI) {
		resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: factories(), Steps: []resource.TestStep{
			{
				Config: offline + `
data "eim_config" "c" {
  settings = {
    target = "day2"
    listen = { http = "0.0.0.0:8080" }
    providers = {
      database = { type = "postgres", config = { host = "db.example.com", database = "eim", user = "eim", password = { env = "DB_PASSWORD" } } }
    }
  }
}
output "rendered" { value = data.eim_config.c.rendered }`,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("data.eim_config.c", "target", "day2"),
					resource.TestMatchResourceAttr("data.eim_config.c", "rendered", regexp.MustCompile(`(?s)providers:.*database:.*host:\s+db\.example\.com`)),
				),
			},
			{
				Config: offline + `
data "eim_config" "c" {
  settings = { target = "day2", listen = { htp = "0.0.0.0:8080" } }
}`,
				PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)settings.*listen\.htp`),
			},
			{
				Config: offline + `
data "eim_config" "c" {
  settings = { target = "everything" }
}`,
				PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)Invalid\s+EIM\s+configuration\s+at\s+target`),
			},
			{
				Config: offline + `
data "eim_config" "c" {
  yaml = "target: all\nproviders:\n  database:\n    type: postgres\n    config: {host: db, database: eim, user: eim, tls: {mode: maybe}}\n"
}`,
				PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)yaml.*providers\.database\.config\.tls\.mode`),
			},
			{
				Config: offline + `
data "eim_config" "c" {
  yaml = "target: all\n"
}`,
				Check: resource.TestCheckResourceAttr("data.eim_config.c", "target", "all"),
			},
		}})
	})
}
