package chartgen

// deploymentJSON is the schema of the deployment keys every module block has.
const deploymentJSON = `{
  "enabled": {"type": "boolean", "description": "false leaves the module out even when target names it"},
  "replicaCount": {"type": "integer", "minimum": 0, "description": "the Deployment's replicas (ignored when autoscaling is enabled)"},
  "logLevel": {"type": "string", "enum": ["debug", "info", "warn", "error"], "description": "log.level of the module's eim.yaml"},
  "resources": {"type": "object", "description": "the container's resources (requests, limits); the sizing profiles set them",
    "properties": {
      "requests": {"type": "object", "additionalProperties": {"type": ["string", "number"]}},
      "limits": {"type": "object", "additionalProperties": {"type": ["string", "number"]}},
      "claims": {"type": "array"}
    }, "additionalProperties": false},
  "podDisruptionBudget": {"type": "object", "description": "a PodDisruptionBudget for the module's pods",
    "properties": {
      "enabled": {"type": "boolean"},
      "minAvailable": {"type": ["integer", "string"]},
      "maxUnavailable": {"type": ["integer", "string"]}
    }, "additionalProperties": false},
  "autoscaling": {"type": "object", "description": "a HorizontalPodAutoscaler on CPU",
    "properties": {
      "enabled": {"type": "boolean"},
      "minReplicas": {"type": "integer", "minimum": 1},
      "maxReplicas": {"type": "integer", "minimum": 1},
      "targetCPUUtilizationPercentage": {"type": "integer", "minimum": 1, "maximum": 100}
    }, "additionalProperties": false},
  "nodeSelector": {"type": "object", "additionalProperties": {"type": "string"}},
  "tolerations": {"type": "array", "items": {"type": "object"}},
  "affinity": {"type": "object"},
  "podAnnotations": {"type": "object", "additionalProperties": {"type": "string"}},
  "extraEnv": {"type": "array", "description": "further container env entries (Kubernetes EnvVar); a credential only through valueFrom.secretKeyRef",
    "items": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "value": {"type": "string"}, "valueFrom": {"type": "object"}}, "additionalProperties": false}}
}`

// globalJSON is the schema of global, less startup, telemetry and southbound (from eim.yaml's schema).
const globalJSON = `{
  "type": "object",
  "description": "settings every module shares: image, service account, Secrets, exposure, policies",
  "additionalProperties": false,
  "properties": {
    "fullnameOverride": {"type": "string", "description": "the prefix of every object name (default: the release name)"},
    "image": {"type": "object", "additionalProperties": false, "properties": {
      "repository": {"type": "string", "minLength": 1, "description": "the eim image (one image runs every module)"},
      "tag": {"type": "string", "description": "default: the chart's appVersion"},
      "digest": {"type": "string", "pattern": "^(sha256:[a-f0-9]{64})?$"},
      "registry": {"type": "string", "description": "replaces the registry part of repository (a mirror)"},
      "pullPolicy": {"type": "string", "enum": ["Always", "IfNotPresent", "Never"]},
      "pullSecrets": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}]}}
    }},
    "serviceAccount": {"type": "object", "additionalProperties": false, "properties": {
      "create": {"type": "boolean", "description": "create one service account per module (ignored when name is set)"},
      "name": {"type": "string", "description": "an existing service account every module runs as (e.g. the one a Vault Kubernetes-auth role is bound to)"},
      "annotations": {"type": "object", "additionalProperties": {"type": "string"}}
    }},
    "secretMounts": {"type": "array", "description": "existing Secrets mounted read-only into every module; eim.yaml references a key as {file: <mountPath>/<key>}",
      "items": {"type": "object", "required": ["secretName", "mountPath"], "additionalProperties": false, "properties": {
        "secretName": {"type": "string", "minLength": 1},
        "mountPath": {"type": "string", "pattern": "^/"},
        "items": {"type": "array", "items": {"type": "object"}}
      }}},
    "secretEnv": {"type": "array", "description": "environment variables taken from existing Secrets; eim.yaml references one as {env: <name>}",
      "items": {"type": "object", "required": ["name", "secretName", "key"], "additionalProperties": false, "properties": {
        "name": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
        "secretName": {"type": "string", "minLength": 1},
        "key": {"type": "string", "minLength": 1}
      }}},
    "grpcTLS": {"type": "object", "additionalProperties": false, "description": "TLS between the modules and the inventory: the inventory serves listen.grpcTLS, the others verify it (inventory.tls)", "properties": {
      "secretName": {"type": "string", "description": "a kubernetes.io/tls Secret with tls.crt, tls.key and ca.crt (e.g. from cert-manager) whose certificate names <release>-inventory; empty: plaintext inside the cluster"}
    }},
    "log": {"type": "object", "additionalProperties": false, "properties": {
      "format": {"type": "string", "enum": ["json", "text"]}
    }},
    "nodeSelector": {"type": "object", "additionalProperties": {"type": "string"}},
    "tolerations": {"type": "array", "items": {"type": "object"}},
    "affinity": {"type": "object"},
    "ingress": {"type": "object", "additionalProperties": false, "description": "the API's Ingress and the host names of the modules", "properties": {
      "enabled": {"type": "boolean", "description": "an Ingress for the api module"},
      "className": {"type": "string"},
      "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
      "domain": {"type": "string", "description": "hosts default to <module>.<domain> (api.<domain> for the API)"},
      "hosts": {"type": "object", "additionalProperties": {"type": "string"}, "properties": {
        "api": {"type": "string"}, "hostmgr": {"type": "string"}, "maintenance": {"type": "string"},
        "onboarding": {"type": "string"}, "onboardingStream": {"type": "string"}}},
      "tls": {"type": "object", "additionalProperties": false, "properties": {
        "secretName": {"type": "string", "description": "the TLS Secret of the API's Ingress"},
        "caSecretName": {"type": "string", "description": "the Secret with the CA edge nodes trust (documentation for the southbound hosts)"},
        "selfSigned": {"type": "boolean"}
      }}
    }},
    "gateway": {"type": "object", "additionalProperties": false, "description": "Gateway API routes: an HTTPRoute for the API, a TLSRoute (TLS passthrough) per southbound module", "properties": {
      "enabled": {"type": "boolean"},
      "parentRefs": {"type": "array", "items": {"type": "object"}},
      "southboundParentRefs": {"type": "array", "items": {"type": "object"}, "description": "the passthrough listener(s) of the southbound TLSRoutes; default parentRefs"}
    }},
    "metrics": {"type": "object", "additionalProperties": false, "properties": {
      "enabled": {"type": "boolean", "description": "modules always serve /metrics on port http; enabled with serviceMonitor.enabled renders a ServiceMonitor"},
      "serviceMonitor": {"type": "object", "additionalProperties": false, "properties": {
        "enabled": {"type": "boolean"},
        "interval": {"type": "string"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}}
      }},
      "dashboards": {"type": "object", "additionalProperties": false, "description": "the Grafana dashboards of files/dashboards as ConfigMaps labelled grafana_dashboard: \"1\" (the Grafana sidecar loads them); umbrella chart only", "properties": {
        "enabled": {"type": "boolean"},
        "folder": {"type": "string", "description": "the grafana_folder annotation (the sidecar's folder)"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}}
      }},
      "prometheusRule": {"type": "object", "additionalProperties": false, "description": "the alert rules of files/alerts/eim.rules.yaml as a PrometheusRule (Prometheus Operator); umbrella chart only", "properties": {
        "enabled": {"type": "boolean"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}, "description": "e.g. the label your Prometheus' ruleSelector matches"}
      }}
    }},
    "networkPolicy": {"type": "object", "additionalProperties": false, "properties": {
      "enabled": {"type": "boolean"},
      "apiGatewayNamespaceSelector": {"type": "object", "description": "the namespaces of the API gateway / ingress controller (default: kubernetes.io/metadata.name=ingress)"},
      "monitoringNamespaceSelector": {"type": "object", "description": "the namespaces allowed to scrape /metrics"},
      "agentCIDRs": {"type": "array", "items": {"type": "string"}, "description": "where the edge-node agents connect from (default 0.0.0.0/0)"},
      "egress": {"type": "array", "items": {"type": "object"}, "description": "NetworkPolicyEgressRules to the configured backends (database, identity provider, Vault, broker)"}
    }},
    "proxy": {"type": "object", "additionalProperties": false, "properties": {
      "http": {"type": "string"}, "https": {"type": "string"}, "noProxy": {"type": "string"}
    }},
    "migration": {"type": "object", "additionalProperties": false, "description": "the Job running eim migrate db before an install or upgrade (Helm hook)", "properties": {
      "enabled": {"type": "boolean"},
      "backoffLimit": {"type": "integer", "minimum": 0},
      "activeDeadlineSeconds": {"type": "integer", "minimum": 1}
    }},
    "tests": {"type": "object", "additionalProperties": false, "description": "the helm test pods asking each module for /readyz", "properties": {
      "enabled": {"type": "boolean"},
      "image": {"type": "string"}
    }}
  }
}`
