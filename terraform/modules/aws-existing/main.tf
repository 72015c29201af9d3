data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

data "aws_vpc" "this" {
  id = var.vpc_id
}

data "aws_subnets" "private" {
  filter {
    name   = "vpc-id"
    values = [var.vpc_id]
  }
  tags = var.private_subnet_tags
}

data "aws_eks_cluster" "this" {
  name = var.eks_cluster_name
}

data "aws_iam_openid_connect_provider" "eks" {
  url = data.aws_eks_cluster.this.identity[0].oidc[0].issuer
}

data "aws_db_instance" "this" {
  db_instance_identifier = var.rds_instance_identifier
}

data "aws_kms_key" "this" {
  key_id = var.kms_key_id
}

data "aws_secretsmanager_secret" "this" {
  for_each = toset(var.secrets_manager_secret_names)
  name     = each.value
}

locals {
  region    = data.aws_region.current.region
  partition = data.aws_partition.current.partition
  issuer    = trimprefix(data.aws_eks_cluster.this.identity[0].oidc[0].issuer, "https://")
  postgres  = can(regex("postgres", data.aws_db_instance.this.engine))

  service_accounts = [for m in var.modules : "system:serviceaccount:${var.namespace}:${var.release_name}-${m}"]

  # The providers block of eim.yaml for this infrastructure.
  providers = {
    database = {
      type = local.postgres ? "postgres" : "mysql"
      config = {
        host     = data.aws_db_instance.this.address
        port     = data.aws_db_instance.this.port
        database = var.database_name
        user     = var.database_user
        iam      = { region = local.region }
        tls = {
          mode = "verify-full"
          ca   = { file = "${var.ca_dir}/rds-ca.pem" }
        }
      }
    }
    secrets = {
      store = { type = "file", config = { dir = var.secrets_dir } }
      keeper = {
        type   = "kms"
        config = { provider = "aws", key = data.aws_kms_key.this.arn, aws = { region = local.region } }
      }
    }
  }

  policy_statements = concat(
    [
      {
        Sid      = "RdsIamAuth"
        Effect   = "Allow"
        Action   = ["rds-db:connect"]
        Resource = ["arn:${local.partition}:rds-db:${local.region}:${data.aws_caller_identity.current.account_id}:dbuser:${data.aws_db_instance.this.resource_id}/${var.database_user}"]
      },
      {
        Sid      = "KmsKeeper"
        Effect   = "Allow"
        Action   = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
        Resource = [data.aws_kms_key.this.arn]
      },
    ],
    length(var.secrets_manager_secret_names) == 0 ? [] : [
      {
        Sid      = "SecretsManagerRead"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
        Resource = [for s in data.aws_secretsmanager_secret.this : s.arn]
      },
    ],
  )
}

# The IAM role for the modules' service accounts (IRSA): RDS IAM authentication as database_user,
# the KMS key, and the Secrets Manager secrets.
resource "aws_iam_role" "eim" {
  name = "${var.name}-eim"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = data.aws_iam_openid_connect_provider.eks.arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = { "${local.issuer}:aud" = "sts.amazonaws.com" }
        StringLike   = { "${local.issuer}:sub" = local.service_accounts }
      }
    }]
  })
}

resource "aws_iam_role_policy" "eim" {
  name   = "${var.name}-eim"
  role   = aws_iam_role.eim.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.policy_statements })
}
