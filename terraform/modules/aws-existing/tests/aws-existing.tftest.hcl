# terraform test of modules/aws-existing. aws is mocked (a schema-only stand-in, see
# docs/terraform.md): the data sources answer the values below. What is checked is the module's
# own logic: the eim.yaml providers block (validated by EIM's loader through the real eim
# provider), the IRSA trust and the IAM policy.

mock_provider "aws" {
  override_data {
    target = data.aws_region.current
    values = { region = "eu-west-1", name = "eu-west-1" }
  }
  override_data {
    target = data.aws_caller_identity.current
    values = { account_id = "123456789012" }
  }
  override_data {
    target = data.aws_partition.current
    values = { partition = "aws" }
  }
  override_data {
    target = data.aws_eks_cluster.this
    values = {
      endpoint              = "https://ABC.gr7.eu-west-1.eks.amazonaws.com"
      identity              = [{ oidc = [{ issuer = "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC" }] }]
      certificate_authority = [{ data = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=" }]
    }
  }
  override_data {
    target = data.aws_iam_openid_connect_provider.eks
    values = { arn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC" }
  }
  override_data {
    target = data.aws_db_instance.this
    values = { address = "eim.abc.eu-west-1.rds.amazonaws.com", port = 5432, engine = "postgres", resource_id = "db-ABCDEFGHIJ" }
  }
  override_data {
    target = data.aws_kms_key.this
    values = { arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" }
  }
  override_data {
    target = data.aws_secretsmanager_secret.this
    values = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:eim/broker-AbCdEf" }
  }
}

variables {
  vpc_id                       = "vpc-0123456789abcdef0"
  eks_cluster_name             = "edge"
  rds_instance_identifier      = "eim"
  kms_key_id                   = "alias/eim"
  rds_ca_bundle_pem            = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
  secrets_manager_secret_names = ["eim/broker"]
}

run "aws" {
  command = apply

  assert {
    condition     = output.providers.database.type == "postgres" && output.providers.database.config.host == "eim.abc.eu-west-1.rds.amazonaws.com"
    error_message = "the database is the RDS instance"
  }
  assert {
    condition     = output.providers.database.config.iam.region == "eu-west-1" && !contains(keys(output.providers.database.config), "password")
    error_message = "RDS IAM authentication, no password"
  }
  assert {
    condition     = output.providers.database.config.tls == { mode = "verify-full", ca = { file = "/etc/eim/ca/rds-ca.pem" } }
    error_message = "verify-full with the RDS CA"
  }
  assert {
    condition     = output.providers.secrets.keeper.config.key == "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "the KMS keeper seals with the key"
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.eim.policy).Statement[0].Resource == ["arn:aws:rds-db:eu-west-1:123456789012:dbuser:db-ABCDEFGHIJ/eim"]
    error_message = "rds-db:connect as the IAM database user"
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.eim.policy).Statement[2].Resource == ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:eim/broker-AbCdEf"]
    error_message = "the Secrets Manager secrets are readable"
  }
  assert {
    condition     = contains(jsondecode(aws_iam_role.eim.assume_role_policy).Statement[0].Condition.StringLike["oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub"], "system:serviceaccount:eim:eim-api")
    error_message = "the API's service account may assume the role"
  }
  assert {
    condition     = output.service_account_annotations["eks.amazonaws.com/role-arn"] == aws_iam_role.eim.arn
    error_message = "the IRSA annotation names the role"
  }
  assert {
    condition     = output.ca_bundles["rds-ca.pem"] == var.rds_ca_bundle_pem
    error_message = "the RDS CA bundle is passed on"
  }
}

run "eim_accepts_the_providers_block" {
  command = plan
  module {
    source = "./tests/validate"
  }
  variables {
    providers_block = run.aws.providers
  }
  assert {
    condition     = yamldecode(output.eim_yaml).providers.secrets.keeper.type == "kms"
    error_message = "the providers block loads"
  }
}

run "mysql" {
  command = plan
  override_data {
    target = data.aws_db_instance.this
    values = { address = "eim.abc.eu-west-1.rds.amazonaws.com", port = 3306, engine = "mysql", resource_id = "db-ABCDEFGHIJ" }
  }
  assert {
    condition     = output.providers.database.type == "mysql" && output.providers.database.config.port == 3306
    error_message = "a MySQL instance is the mysql adapter"
  }
}

run "not_a_pem_bundle" {
  command = plan
  variables {
    rds_ca_bundle_pem = "not a certificate"
  }
  expect_failures = [var.rds_ca_bundle_pem]
}
