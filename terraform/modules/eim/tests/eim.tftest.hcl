# terraform test of modules/eim. helm and kubernetes are mocked (schema-only stand-ins, see
# docs/terraform.md); the eim provider is the real one: data.eim_config validates the rendered
# eim.yaml with EIM's own loader in every run.

mock_provider "helm" {}
mock_provider "kubernetes" {}

run "defaults" {
  command = plan

  assert {
    condition     = endswith(helm_release.eim.chart, "charts/eim")
    error_message = "the chart defaults to the repository's charts/eim"
  }
  assert {
    condition     = output.api_endpoint == "http://eim-api.eim.svc.cluster.local:8080"
    error_message = "api_endpoint: ${output.api_endpoint}"
  }
  assert {
    condition = output.southbound_endpoints == {
      onboarding  = "eim-onboarding.eim.svc.cluster.local:8443"
      hostmgr     = "eim-hostmgr.eim.svc.cluster.local:8443"
      maintenance = "eim-maintenance.eim.svc.cluster.local:8443"
    }
    error_message = "southbound_endpoints of target all"
  }
  assert {
    condition     = yamldecode(output.eim_yaml).target == "all" && length(kubernetes_secret_v1.ca) == 0
    error_message = "the rendered eim.yaml: target all, no CA secret"
  }
  assert {
    condition     = length(kubernetes_namespace_v1.this) == 1
    error_message = "the namespace is created by default"
  }
}

run "existing_infrastructure" {
  command = apply

  variables {
    release_name    = "edge"
    namespace       = "edge-system"
    target          = "day2"
    default_project = "default"
    identity = {
      type   = "keycloak"
      config = { issuer = "https://keycloak.example.com/realms/edge", audiences = ["eim"] }
    }
    secrets = {
      type   = "vault"
      config = { address = "https://vault.example.com:8200", auth = { kubernetes = { role = "eim" } }, transit = { key = "eim" } }
    }
    database = {
      type = "postgres"
      config = {
        host     = "db.example.com"
        database = "eim"
        user     = "eim"
        password = { secret = "database/eim#password" }
        tls      = { mode = "verify-full", ca = { file = "/etc/eim/ca/db-ca.pem" } }
      }
    }
    messaging = {
      type   = "nats"
      config = { url = "tls://nats.example.com:4222", token = { env = "NATS_TOKEN" } }
    }
    ca_bundles                  = { "db-ca.pem" = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" }
    secret_env                  = [{ name = "NATS_TOKEN", secretName = "nats", key = "token" }]
    service_account_annotations = { "eks.amazonaws.com/role-arn" = "arn:aws:iam::123456789012:role/eim" }
    image_tag                   = "0.2.0"
    api_url                     = "https://eim.example.com"
  }

  assert {
    condition     = yamldecode(output.eim_yaml).providers.database.config.host == "db.example.com"
    error_message = "the database block reaches eim.yaml"
  }
  assert {
    condition     = yamldecode(output.eim_yaml).tenancy.defaultProject == "default"
    error_message = "default_project is tenancy.defaultProject"
  }
  assert {
    condition     = keys(output.southbound_endpoints) == ["hostmgr", "maintenance"]
    error_message = "day2 serves the southbound API from hostmgr and maintenance"
  }
  assert {
    condition     = output.api_endpoint == "https://eim.example.com"
    error_message = "api_url wins"
  }
  assert {
    condition     = kubernetes_secret_v1.ca[0].metadata[0].name == "edge-ca" && kubernetes_secret_v1.ca[0].metadata[0].namespace == "edge-system"
    error_message = "the CA bundles are kept in <release>-ca"
  }
  assert {
    condition     = contains(yamldecode(helm_release.eim.values[1]).global.secretMounts, { secretName = "edge-ca", mountPath = "/etc/eim/ca" })
    error_message = "the CA secret is mounted at /etc/eim/ca"
  }
  assert {
    condition     = yamldecode(helm_release.eim.values[1]).global.serviceAccount.annotations["eks.amazonaws.com/role-arn"] == "arn:aws:iam::123456789012:role/eim"
    error_message = "service account annotations reach the chart"
  }
  assert {
    condition     = yamldecode(helm_release.eim.values[1]).global.image.tag == "0.2.0"
    error_message = "image_tag reaches the chart"
  }
  assert {
    condition     = helm_release.eim.name == "edge" && helm_release.eim.namespace == "edge-system"
    error_message = "release name and namespace"
  }
}

run "invalid_namespace" {
  command = plan
  variables {
    namespace = "Edge_System"
  }
  expect_failures = [var.namespace]
}

run "invalid_release_name" {
  command = plan
  variables {
    release_name = "a-release-name-much-longer-than-forty-characters"
  }
  expect_failures = [var.release_name]
}
