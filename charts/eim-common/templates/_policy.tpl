{{/* eim.policy: the optional PodDisruptionBudget, HorizontalPodAutoscaler, NetworkPolicy and ServiceMonitor of a module. */}}
{{- define "eim.policy" -}}
{{- $ctx := . -}}
{{- $root := .root -}}
{{- $d := include "eim.descriptor" . | fromJson -}}
{{- $mv := get $root.Values .module | default dict -}}
{{- $g := $root.Values.global | default dict -}}
{{- $name := include "eim.name" . -}}
{{- $pdb := $mv.podDisruptionBudget | default dict -}}
{{- if $pdb.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}
  labels:
    {{- include "eim.labels" $ctx | nindent 4 }}
spec:
  {{- if hasKey $pdb "maxUnavailable" }}
  maxUnavailable: {{ $pdb.maxUnavailable }}
  {{- else }}
  minAvailable: {{ $pdb.minAvailable | default 1 }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "eim.selector" $ctx | nindent 6 }}
{{- end }}
{{- $hpa := $mv.autoscaling | default dict -}}
{{- if $hpa.enabled }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $name }}
  labels:
    {{- include "eim.labels" $ctx | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $name }}
  minReplicas: {{ $hpa.minReplicas | default 1 }}
  maxReplicas: {{ $hpa.maxReplicas | default 3 }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $hpa.targetCPUUtilizationPercentage | default 80 }}
{{- end }}
{{- $np := $g.networkPolicy | default dict -}}
{{- if $np.enabled }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $name }}
  labels:
    {{- include "eim.labels" $ctx | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "eim.selector" $ctx | nindent 6 }}
  policyTypes: [Ingress, Egress]
  ingress:
    # the other modules of this deployment (inventory gRPC, health checks)
    - from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/part-of: eim
              app.kubernetes.io/instance: {{ include "eim.prefix" $root }}
    {{- if eq .module "api" }}
    # the API gateway / ingress controller namespace
    - from:
        - namespaceSelector:
            {{- toYaml ($np.apiGatewayNamespaceSelector | default (dict "matchLabels" (dict "kubernetes.io/metadata.name" "ingress"))) | nindent 12 }}
      ports:
        - {port: http, protocol: TCP}
    {{- end }}
    {{- if $d.southbound }}
    # the edge-node agents (through the southbound TLS passthrough or directly)
    - from:
        {{- range ($np.agentCIDRs | default (list "0.0.0.0/0")) }}
        - ipBlock: {cidr: {{ . | quote }}}
        {{- end }}
        {{- with $np.apiGatewayNamespaceSelector }}
        - namespaceSelector:
            {{- toYaml . | nindent 12 }}
        {{- end }}
      ports:
        - {port: southbound, protocol: TCP}
    {{- end }}
    {{- with $np.monitoringNamespaceSelector }}
    - from:
        - namespaceSelector:
            {{- toYaml . | nindent 12 }}
      ports:
        - {port: http, protocol: TCP}
    {{- end }}
  egress:
    # DNS
    - ports:
        - {port: 53, protocol: UDP}
        - {port: 53, protocol: TCP}
    # the other modules of this deployment
    - to:
        - podSelector:
            matchLabels:
              app.kubernetes.io/part-of: eim
              app.kubernetes.io/instance: {{ include "eim.prefix" $root }}
    {{- with $np.egress }}
    # the configured backends (database, identity provider, secrets, broker)
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end }}
{{- $mon := ($g.metrics | default dict) -}}
{{- if and $mon.enabled ($mon.serviceMonitor | default dict).enabled }}
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ $name }}
  labels:
    {{- include "eim.labels" $ctx | nindent 4 }}
    {{- with $mon.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "eim.selector" $ctx | nindent 6 }}
  endpoints:
    - port: http
      path: /metrics
      interval: {{ $mon.serviceMonitor.interval | default "30s" }}
{{- end }}
{{- end -}}
