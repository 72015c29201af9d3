# A helper of aws-existing.tftest.hcl: EIM's own loader (data.eim_config, the real eim provider)
# validates the providers block the module produced.
terraform {
  required_providers {
    eim = { source = "eim-byoi/eim" }
  }
}

variable "providers_block" {
  type = any
}

data "eim_config" "this" {
  settings = { target = "all", providers = var.providers_block }
}

output "eim_yaml" {
  value = data.eim_config.this.rendered
}
