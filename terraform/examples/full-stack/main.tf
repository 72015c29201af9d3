# The full stack into existing AWS infrastructure: every module on an existing EKS cluster with
# the existing RDS (IAM auth), KMS key and Secrets Manager secrets and the existing Keycloak realm,
# then EIM's own objects managed as code through its API: a project, a region, a site, host
# pre-registrations, an OS resource, an update policy and maintenance windows.
terraform {
  required_version = ">= 1.8"
  required_providers {
    aws        = { source = "hashicorp/aws", version = ">= 6.0.0" }
    helm       = { source = "hashicorp/helm", version = ">= 3.0.0" }
    kubernetes = { source = "hashicorp/kubernetes", version = ">= 2.30.0" }
    eim        = { source = "eim-byoi/eim", version = ">= 0.2.0" }
  }
}

variable "region" {
  type    = string
  default = "eu-west-1"
}
variable "vpc_id" { type = string }
variable "eks_cluster_name" { type = string }
variable "rds_instance_identifier" { type = string }
variable "kms_key_id" { type = string }
variable "rds_ca_bundle_pem" { type = string }
variable "keycloak_issuer" { type = string }
variable "keycloak_token_url" { type = string }
variable "api_url" {
  description = "The API's external URL (the ingress in front of <release>-api)."
  type        = string
}
variable "terraform_client_id" {
  description = "A Keycloak client (client credentials) holding the project roles; its secret comes from TF_EIM_CLIENT_SECRET."
  type        = string
}
variable "hosts" {
  description = "Hosts to pre-register, by name."
  type = map(object({
    serial_number = optional(string)
    uuid          = optional(string)
  }))
  default = {}
}
variable "chart_path" {
  type    = string
  default = null
}

provider "aws" {
  region = var.region
}

module "aws" {
  source                       = "../../modules/aws-existing"
  vpc_id                       = var.vpc_id
  eks_cluster_name             = var.eks_cluster_name
  rds_instance_identifier      = var.rds_instance_identifier
  kms_key_id                   = var.kms_key_id
  rds_ca_bundle_pem            = var.rds_ca_bundle_pem
  secrets_manager_secret_names = ["eim/broker"]
}

provider "helm" {
  kubernetes = {
    host                   = module.aws.cluster.endpoint
    cluster_ca_certificate = module.aws.cluster.cluster_ca_certificate
    exec = {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "aws"
      args        = ["eks", "get-token", "--cluster-name", var.eks_cluster_name]
    }
  }
}

provider "kubernetes" {
  host                   = module.aws.cluster.endpoint
  cluster_ca_certificate = module.aws.cluster.cluster_ca_certificate
  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "aws"
    args        = ["eks", "get-token", "--cluster-name", var.eks_cluster_name]
  }
}

module "eim" {
  source     = "../../modules/eim"
  chart_path = var.chart_path
  target     = "all"
  api_url    = var.api_url
  identity = {
    type   = "keycloak"
    config = { issuer = var.keycloak_issuer, audiences = ["eim"] }
  }
  database = module.aws.providers.database
  secrets  = module.aws.providers.secrets
  messaging = {
    type   = "rabbitmq"
    config = { url = "amqps://rabbitmq.messaging.svc:5671/eim", username = "eim", password = { file = "/var/run/secrets/eim/broker/password" } }
  }
  ca_bundles                  = module.aws.ca_bundles
  service_account_annotations = module.aws.service_account_annotations
}

# EIM's own objects, through the API the release serves, with a token from Keycloak.
provider "eim" {
  endpoint  = module.eim.api_endpoint
  token_url = var.keycloak_token_url
  client_id = var.terraform_client_id
}

resource "eim_project" "edge" {
  name        = "edge"
  description = "Edge fleet"
}

resource "eim_region" "eu" {
  project = eim_project.edge.name
  name    = "Europe"
}

resource "eim_site" "plant" {
  project   = eim_project.edge.name
  name      = "Plant 1"
  region_id = eim_region.eu.id
}

resource "eim_host" "edge" {
  for_each      = var.hosts
  project       = eim_project.edge.name
  name          = each.key
  serial_number = each.value.serial_number
  uuid          = each.value.uuid
  auto_onboard  = true
}

resource "eim_os_resource" "ubuntu" {
  project          = eim_project.edge.name
  name             = "Ubuntu 24.04"
  architecture     = "x86_64"
  profile_name     = "ubuntu-24.04-lts-generic"
  os_type          = "OS_TYPE_MUTABLE"
  security_feature = "SECURITY_FEATURE_NONE"
}

resource "eim_os_update_policy" "latest" {
  project       = eim_project.edge.name
  name          = "latest packages"
  update_policy = "UPDATE_POLICY_LATEST"
}

resource "eim_schedule_repeated" "weekly" {
  project          = eim_project.edge.name
  name             = "weekly patch window"
  schedule_status  = "SCHEDULE_STATUS_OS_UPDATE"
  target_region_id = eim_region.eu.id
  duration_seconds = 7200
  cron_minutes     = "0"
  cron_hours       = "2"
  cron_day_month   = "*"
  cron_month       = "*"
  cron_day_week    = "0"
}

output "api_endpoint" { value = module.eim.api_endpoint }
output "southbound_endpoints" { value = module.eim.southbound_endpoints }
output "site_id" { value = eim_site.plant.id }
