# Onboarding only, into existing AWS infrastructure: the onboarding profile (inventory, API,
# onboarding, OS resources) on an existing EKS cluster, with the existing RDS (IAM auth), KMS key
# and Secrets Manager secrets, and the organisation's existing Keycloak realm.
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
variable "keycloak_issuer" {
  description = "The existing Keycloak realm's issuer URL, e.g. https://keycloak.example.com/realms/edge."
  type        = string
}
variable "chart_path" {
  type    = string
  default = null
}

provider "aws" {
  region = var.region
}

module "aws" {
  source                  = "../../modules/aws-existing"
  vpc_id                  = var.vpc_id
  eks_cluster_name        = var.eks_cluster_name
  rds_instance_identifier = var.rds_instance_identifier
  kms_key_id              = var.kms_key_id
  rds_ca_bundle_pem       = var.rds_ca_bundle_pem
  modules                 = ["inventory", "api", "onboarding", "osresource"]
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
  target     = "onboarding"
  identity = {
    type   = "keycloak"
    config = { issuer = var.keycloak_issuer, audiences = ["eim"] }
  }
  database                    = module.aws.providers.database
  secrets                     = module.aws.providers.secrets
  ca_bundles                  = module.aws.ca_bundles
  service_account_annotations = module.aws.service_account_annotations
}

output "api_endpoint" { value = module.eim.api_endpoint }
output "southbound_endpoints" { value = module.eim.southbound_endpoints }
output "iam_role_arn" { value = module.aws.iam_role_arn }
