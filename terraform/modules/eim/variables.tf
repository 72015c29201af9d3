variable "release_name" {
  description = "Name of the Helm release; every object is named <release_name>-<module>."
  type        = string
  default     = "eim"

  validation {
    condition     = can(regex("^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$", var.release_name))
    error_message = "release_name: a DNS label of at most 40 characters (the chart prefixes object names with it)."
  }
}

variable "namespace" {
  description = "Kubernetes namespace EIM is installed in."
  type        = string
  default     = "eim"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace: a DNS label (lower-case letters, digits and '-', at most 63)."
  }
}

variable "create_namespace" {
  description = "Create the namespace (kubernetes_namespace_v1); false when it exists already."
  type        = bool
  default     = true
}

variable "chart_path" {
  description = "Path (or repository reference) of the EIM chart; null: charts/eim of this repository."
  type        = string
  default     = null
}

variable "target" {
  description = "What to deploy: all, a profile (onboarding, day2, observability) or a comma-separated module list, as eim serve --target."
  type        = string
  default     = "all"
}

variable "image_tag" {
  description = "Image tag of ghcr.io/eim-byoi/eim; empty: the chart's appVersion."
  type        = string
  default     = ""
}

variable "identity" {
  description = "providers.identity of eim.yaml: the existing Keycloak realm or OIDC provider, e.g. {type = \"keycloak\", config = {issuer = ..., audiences = [...]}}; null: the embedded issuer."
  type        = any
  default     = null
}

variable "secrets" {
  description = "providers.secrets of eim.yaml: existing Vault/OpenBao, or a KMS keeper with a file store, e.g. {type = \"vault\", config = {...}}; null: the embedded store."
  type        = any
  default     = null
}

variable "database" {
  description = "providers.database of eim.yaml: the existing PostgreSQL or MySQL, e.g. {type = \"postgres\", config = {host = ..., iam = {region = ...}}}; null: SQLite in each pod (a demo)."
  type        = any
  default     = null
}

variable "messaging" {
  description = "providers.messaging of eim.yaml: the existing broker (nats, rabbitmq, redis, sql); null: in memory."
  type        = any
  default     = null
}

variable "default_project" {
  description = "tenancy.defaultProject: single tenancy with this project; null: multi-tenancy."
  type        = string
  default     = null
}

variable "config" {
  description = "Further top-level blocks of eim.yaml (api, onboarding, southbound, ...), merged over the ones above."
  type        = any
  default     = {}
}

variable "ca_bundles" {
  description = "PEM CA bundles by file name, e.g. {\"rds-ca.pem\" = file(...)}: kept in the Secret <release_name>-ca and mounted at /etc/eim/ca/<name>; reference them in the providers as {file = \"/etc/eim/ca/<name>\"}."
  type        = map(string)
  default     = {}
}

variable "secret_mounts" {
  description = "Existing Secrets mounted into every module (global.secretMounts): [{secretName, mountPath}]."
  type = list(object({
    secretName = string
    mountPath  = string
  }))
  default = []
}

variable "secret_env" {
  description = "Environment variables from existing Secrets (global.secretEnv): [{name, secretName, key}]; reference one as {env = name}."
  type = list(object({
    name       = string
    secretName = string
    key        = string
  }))
  default = []
}

variable "service_account_annotations" {
  description = "Annotations of the modules' service accounts, e.g. the IRSA role of modules/aws-existing."
  type        = map(string)
  default     = {}
}

variable "southbound_tls_secret_name" {
  description = "A kubernetes.io/tls Secret served to the edge agents; empty: a generated CA (development only)."
  type        = string
  default     = ""
}

variable "api_url" {
  description = "The API's external URL (an ingress or load balancer), for the outputs; null: the in-cluster Service."
  type        = string
  default     = null
}

variable "southbound_address" {
  description = "The agents' external host:port, for the outputs; null: the in-cluster Services."
  type        = string
  default     = null
}

variable "chart_values" {
  description = "Further chart values (per-module replicas, resources, ingress, ...), merged last."
  type        = any
  default     = {}
}

variable "wait" {
  description = "Wait until every module is ready."
  type        = bool
  default     = true
}

variable "timeout" {
  description = "Seconds to wait for the release."
  type        = number
  default     = 600
}

variable "allow_placeholders" {
  description = "Accept NEEDS-INPUT placeholders in the configuration (a draft from eim migrate helm-values --format terraform): plan only, listed in the output placeholders. Never for an apply that is meant to run."
  type        = bool
  default     = false
}
