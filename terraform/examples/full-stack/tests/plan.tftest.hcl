# terraform test of this example: aws, helm and kubernetes are mocked (schema-only stand-ins,
# see docs/terraform.md); the eim provider is the real one (eim_config validates the eim.yaml,
# the eim_* resources validate their attributes).

mock_provider "aws" {
  override_data {
    target = module.aws.data.aws_region.current
    values = { region = "eu-west-1", name = "eu-west-1" }
  }
  override_data {
    target = module.aws.data.aws_caller_identity.current
    values = { account_id = "123456789012" }
  }
  override_data {
    target = module.aws.data.aws_partition.current
    values = { partition = "aws" }
  }
  override_data {
    target = module.aws.data.aws_eks_cluster.this
    values = {
      endpoint              = "https://ABC.gr7.eu-west-1.eks.amazonaws.com"
      identity              = [{ oidc = [{ issuer = "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC" }] }]
      certificate_authority = [{ data = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=" }]
    }
  }
  override_data {
    target = module.aws.data.aws_db_instance.this
    values = { address = "eim.abc.eu-west-1.rds.amazonaws.com", port = 5432, engine = "aurora-postgresql", resource_id = "db-ABCDEFGHIJ" }
  }
  override_data {
    target = module.aws.data.aws_kms_key.this
    values = { arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" }
  }
}
mock_provider "helm" {}
mock_provider "kubernetes" {}

variables {
  vpc_id                  = "vpc-0123456789abcdef0"
  eks_cluster_name        = "edge"
  rds_instance_identifier = "eim"
  kms_key_id              = "alias/eim"
  rds_ca_bundle_pem       = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
  keycloak_issuer         = "https://keycloak.example.com/realms/edge"
  keycloak_token_url      = "https://keycloak.example.com/realms/edge/protocol/openid-connect/token"
  api_url                 = "https://eim.example.com"
  terraform_client_id     = "terraform"
  hosts = {
    "edge-1" = { serial_number = "SERIAL0001" }
    "edge-2" = { uuid = "4c4c4544-0042-3010-8044-b2c04f4e3132" }
  }
}

run "plan" {
  command = plan

  assert {
    condition     = length(output.southbound_endpoints) == 3 && output.api_endpoint == "https://eim.example.com"
    error_message = "every module, the API behind its ingress"
  }
  assert {
    condition     = yamldecode(module.eim.eim_yaml).providers.messaging.type == "rabbitmq"
    error_message = "the broker reaches eim.yaml"
  }
  assert {
    condition     = length(eim_host.edge) == 2 && eim_host.edge["edge-1"].auto_onboard
    error_message = "two pre-registrations, auto-onboarded"
  }
  assert {
    condition     = eim_schedule_repeated.weekly.cron_hours == "2"
    error_message = "the weekly window"
  }
}

