locals {
  chart   = coalesce(var.chart_path, "${path.module}/../../../charts/eim")
  ca_path = "/etc/eim/ca"

  # The providers block of eim.yaml, from the kinds given.
  providers = {
    for kind, block in {
      identity  = var.identity
      secrets   = var.secrets
      database  = var.database
      messaging = var.messaging
    } : kind => block if block != null
  }

  # eim.yaml without the module settings of the chart: target, providers, tenancy and the rest.
  eim_config = merge(
    { target = var.target, providers = local.providers },
    var.default_project == null ? {} : { tenancy = { defaultProject = var.default_project } },
    var.config,
  )

  ca_mounts = length(var.ca_bundles) == 0 ? [] : [{ secretName = "${var.release_name}-ca", mountPath = local.ca_path }]

  chart_values = {
    global = merge(
      {
        serviceAccount = { create = true, annotations = var.service_account_annotations }
        secretMounts   = concat(var.secret_mounts, local.ca_mounts)
        secretEnv      = var.secret_env
        southbound     = { tlsSecretName = var.southbound_tls_secret_name }
      },
      var.image_tag == "" ? {} : { image = { tag = var.image_tag } },
    )
  }

  # The modules serving the southbound (agents') API, by target.
  southbound_modules = {
    all        = ["onboarding", "hostmgr", "maintenance"]
    onboarding = ["onboarding"]
    day2       = ["hostmgr", "maintenance"]
  }
  southbound = [
    for m in lookup(local.southbound_modules, var.target, [for m in split(",", var.target) : trimspace(m) if contains(["onboarding", "hostmgr", "maintenance"], trimspace(m))]) :
    m
  ]
  svc = "${var.namespace}.svc.cluster.local"
}

# The configuration is validated by EIM's own loader at plan time: a wrong key or value fails the
# plan naming it, before anything is installed.
data "eim_config" "this" {
  settings           = local.eim_config
  allow_placeholders = var.allow_placeholders
}

resource "kubernetes_namespace_v1" "this" {
  count = var.create_namespace ? 1 : 0

  metadata {
    name   = var.namespace
    labels = { "app.kubernetes.io/part-of" = "eim" }
  }
}

resource "kubernetes_secret_v1" "ca" {
  count = length(var.ca_bundles) == 0 ? 0 : 1

  metadata {
    name      = "${var.release_name}-ca"
    namespace = var.namespace
  }
  data = var.ca_bundles

  depends_on = [kubernetes_namespace_v1.this]
}

resource "helm_release" "eim" {
  name      = var.release_name
  namespace = var.namespace
  chart     = local.chart
  wait      = var.wait
  timeout   = var.timeout
  values = [
    data.eim_config.this.rendered,
    yamlencode(local.chart_values),
    yamlencode(var.chart_values),
  ]

  depends_on = [kubernetes_namespace_v1.this, kubernetes_secret_v1.ca]
}
