output "providers" {
  description = "The providers block of eim.yaml: RDS with IAM authentication and verify-full TLS, the KMS keeper and the file store of the Secrets Manager secrets. Pass database and secrets to modules/eim."
  value       = local.providers
}

output "ca_bundles" {
  description = "The CA bundles the providers block references, for modules/eim's ca_bundles."
  value       = { "rds-ca.pem" = var.rds_ca_bundle_pem }
}

output "service_account_annotations" {
  description = "Annotations that give the modules' service accounts the IAM role (modules/eim's service_account_annotations)."
  value       = { "eks.amazonaws.com/role-arn" = aws_iam_role.eim.arn }
}

output "iam_role_arn" {
  description = "ARN of the IRSA role."
  value       = aws_iam_role.eim.arn
}

output "iam_policy" {
  description = "The role's policy document (JSON)."
  value       = aws_iam_role_policy.eim.policy
}

output "cluster" {
  description = "The EKS cluster's API endpoint and CA, for the helm and kubernetes providers."
  value = {
    name                   = data.aws_eks_cluster.this.name
    endpoint               = data.aws_eks_cluster.this.endpoint
    cluster_ca_certificate = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)
  }
}

output "vpc" {
  description = "The VPC and its private subnets."
  value = {
    id                 = data.aws_vpc.this.id
    cidr_block         = data.aws_vpc.this.cidr_block
    private_subnet_ids = data.aws_subnets.private.ids
  }
}
