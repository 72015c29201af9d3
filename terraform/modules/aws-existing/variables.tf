variable "name" {
  description = "Prefix of the IAM objects this module creates."
  type        = string
  default     = "eim"
}

variable "vpc_id" {
  description = "The existing VPC EIM runs in."
  type        = string
}

variable "private_subnet_tags" {
  description = "Tags selecting the VPC's private subnets (for the output private_subnet_ids)."
  type        = map(string)
  default     = {}
}

variable "eks_cluster_name" {
  description = "The existing EKS cluster EIM is installed into (its OIDC issuer backs the IRSA role)."
  type        = string
}

variable "rds_instance_identifier" {
  description = "The existing RDS instance (PostgreSQL or MySQL) with IAM database authentication enabled."
  type        = string
}

variable "database_name" {
  description = "The database EIM uses on the RDS instance."
  type        = string
  default     = "eim"
}

variable "database_user" {
  description = "The IAM database user EIM connects as (GRANT rds_iam TO it on PostgreSQL; AWSAuthenticationPlugin on MySQL)."
  type        = string
  default     = "eim"
}

variable "rds_ca_bundle_pem" {
  description = "The RDS CA bundle (PEM) of the instance's region, verified with verify-full; https://truststore.pki.rds.amazonaws.com/<region>/<region>-bundle.pem."
  type        = string

  validation {
    condition     = strcontains(var.rds_ca_bundle_pem, "-----BEGIN CERTIFICATE-----")
    error_message = "rds_ca_bundle_pem: a PEM bundle (-----BEGIN CERTIFICATE-----), e.g. file(\"eu-west-1-bundle.pem\")."
  }
}

variable "kms_key_id" {
  description = "The existing KMS key (id, ARN or alias/name) EIM's secrets keeper seals with."
  type        = string
}

variable "secrets_manager_secret_names" {
  description = "Existing Secrets Manager secrets the pods may read (synced to files under secrets_dir, e.g. by the Secrets Store CSI driver)."
  type        = list(string)
  default     = []
}

variable "secrets_dir" {
  description = "Directory of the file secrets store in the pods: one directory per secret, mounted from Secrets Manager."
  type        = string
  default     = "/var/run/secrets/eim"
}

variable "ca_dir" {
  description = "Where modules/eim mounts its ca_bundles (the RDS CA is rds-ca.pem there)."
  type        = string
  default     = "/etc/eim/ca"
}

variable "namespace" {
  description = "Kubernetes namespace of the release (the IRSA role trusts its service accounts)."
  type        = string
  default     = "eim"
}

variable "release_name" {
  description = "Helm release name: the service accounts are <release_name>-<module>."
  type        = string
  default     = "eim"
}

variable "modules" {
  description = "The modules whose service accounts may assume the role."
  type        = list(string)
  default     = ["inventory", "api", "onboarding", "hostmgr", "maintenance", "osresource", "tenant"]
}
