# terraform test of this example: helm and kubernetes are mocked (schema-only stand-ins, see
# docs/terraform.md); eim_config (the real eim provider) validates the eim.yaml.

mock_provider "helm" {}
mock_provider "kubernetes" {}

variables {
  oidc_issuer   = "https://login.example.com/"
  vault_address = "https://vault.example.com:8200"
  postgres_host = "db.example.com"
  nats_url      = "tls://nats.example.com:4222"
}

run "plan" {
  command = plan

  assert {
    condition     = keys(output.southbound_endpoints) == ["hostmgr", "maintenance"]
    error_message = "day2 serves the southbound API from hostmgr and maintenance"
  }
  assert {
    condition     = yamldecode(module.eim.eim_yaml).providers.identity.config.claims.tenants[0].pattern == "{tenant}_{role}"
    error_message = "the OIDC claim mapping reaches eim.yaml"
  }
}
