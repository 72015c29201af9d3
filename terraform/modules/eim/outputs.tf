output "api_endpoint" {
  description = "The northbound API's base URL (/v1/projects/...): api_url, or the in-cluster Service."
  value       = coalesce(var.api_url, "http://${var.release_name}-api.${local.svc}:8080")
}

output "southbound_endpoints" {
  description = "The agents' gRPC endpoints (host:port) of the modules that serve them, by module."
  value = {
    for m in local.southbound : m => coalesce(var.southbound_address, "${var.release_name}-${m}.${local.svc}:8443")
  }
}

output "eim_yaml" {
  description = "The eim.yaml (without module settings) the release runs with, as EIM's loader validated it."
  value       = data.eim_config.this.rendered
}

output "release" {
  description = "Name, namespace and status of the Helm release."
  value = {
    name      = helm_release.eim.name
    namespace = helm_release.eim.namespace
    status    = helm_release.eim.status
  }
}

output "placeholders" {
  description = "Keys of the configuration still holding NEEDS-INPUT (with allow_placeholders)."
  value       = data.eim_config.this.placeholders
}
