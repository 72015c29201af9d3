// Package terraform holds the Terraform modules that deploy EIM into existing infrastructure
// (modules/eim, modules/aws-existing) and their examples; its Go test runs terraform fmt,
// validate and test on every one of them, offline, with terraform and with OpenTofu
// (docs/terraform.md).
package terraform
