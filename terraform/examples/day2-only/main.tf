# Day 2 only, into existing infrastructure of any cloud: the day2 profile (inventory, API, host
# manager, maintenance manager) on an existing Kubernetes cluster, wired to the organisation's
# existing OIDC provider, Vault/OpenBao (Kubernetes auth, transit keeper), PostgreSQL and NATS.
terraform {
  required_version = ">= 1.8"
  required_providers {
    helm       = { source = "hashicorp/helm", version = ">= 3.0.0" }
    kubernetes = { source = "hashicorp/kubernetes", version = ">= 2.30.0" }
    eim        = { source = "eim-byoi/eim", version = ">= 0.2.0" }
  }
}

variable "kubeconfig" {
  type    = string
  default = "~/.kube/config"
}
variable "oidc_issuer" { type = string }
variable "vault_address" { type = string }
variable "postgres_host" { type = string }
variable "nats_url" { type = string }
variable "chart_path" {
  type    = string
  default = null
}

provider "helm" {
  kubernetes = { config_path = var.kubeconfig }
}

provider "kubernetes" {
  config_path = var.kubeconfig
}

module "eim" {
  source     = "../../modules/eim"
  chart_path = var.chart_path
  target     = "day2"
  identity = {
    type = "oidc"
    config = {
      issuer    = var.oidc_issuer
      audiences = ["eim"]
      claims    = { roles = ["roles"], tenants = [{ claim = "roles", pattern = "{tenant}_{role}" }] }
    }
  }
  secrets = {
    type = "vault"
    config = {
      address = var.vault_address
      auth    = { kubernetes = { role = "eim" } }
      transit = { key = "eim" }
    }
  }
  database = {
    type = "postgres"
    config = {
      host     = var.postgres_host
      database = "eim"
      user     = "eim"
      password = { secret = "database/eim#password" }
    }
  }
  messaging = {
    type   = "nats"
    config = { url = var.nats_url, token = { env = "NATS_TOKEN" } }
  }
  secret_env = [{ name = "NATS_TOKEN", secretName = "nats-client", key = "token" }]
}

output "api_endpoint" { value = module.eim.api_endpoint }
output "southbound_endpoints" { value = module.eim.southbound_endpoints }
