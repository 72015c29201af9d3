// Package tfprovider is terraform-provider-eim: a Terraform (and OpenTofu) provider, built on
// terraform-plugin-framework, that manages EIM's own objects through the northbound API
// (/v1/projects/{projectName}/...): projects, regions, sites, host pre-registrations, OS
// resources, OS update policies and single and repeated maintenance schedules. Request and
// response bodies are the generated apiv2 resource messages (api/gen/resources/...) encoded with
// protojson, exactly as the API's grpc-gateway decodes them. The data source eim_config renders an
// eim.yaml from HCL (or takes YAML text) and validates it with services/config, strictly, so that
// `terraform plan` fails on a bad configuration naming the field. See docs/terraform.md.
package tfprovider
