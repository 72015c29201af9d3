{{/*
eim.module: every object of one module; call with (dict "root" $ "module" NAME). The ConfigMap
holds the module's eim.yaml; the Deployment runs `eim serve --target=<module>` on it and rolls
when it changes (checksum/config).
*/}}
{{- define "eim.module" -}}
{{- $ctx := . -}}
{{- $root := .root -}}
{{- $d := include "eim.descriptor" . | fromJson -}}
{{- $mv := get $root.Values .module | default dict -}}
{{- $g := $root.Values.global | default dict -}}
{{- $name := include "eim.name" . -}}
{{- $config := include "eim.config" . -}}
{{- /* the ConfigMap's eim.yaml exactly (a block scalar ends with one newline): its checksum rolls the pods */ -}}
{{- $checksum := printf "%s\n" $config | sha256sum -}}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $name }}-config
  labels:
    {{- include "eim.labels" $ctx | nindent 4 }}
data:
  eim.yaml: |
    {{- $config | nindent 4 }}
{{- if include "eim.createServiceAccount" $ctx }}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $name }}
  labels:
    {{- include "eim.labels" $ctx | nindent 4 }}
  {{- with ($g.serviceAccount | default dict).annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels:
    {{- include "eim.labels" $ctx | nindent 4 }}
spec:
  {{- if not ($mv.autoscaling | default dict).enabled }}
  replicas: {{ $mv.replicaCount | default 1 }}
  {{- end }}
  revisionHistoryLimit: 3
  selector:
    matchLabels:
      {{- include "eim.selector" $ctx | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "eim.selector" $ctx | nindent 8 }}
      annotations:
        checksum/config: {{ $checksum }}
        {{- with $mv.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "eim.serviceAccountName" $ctx }}
      securityContext:
        {{- include "eim.podSecurityContext" $root | nindent 8 }}
      {{- with ($g.image.pullSecrets) }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ if kindIs "string" . }}{{ . }}{{ else }}{{ .name }}{{ end }}
        {{- end }}
      {{- end }}
      containers:
        - name: eim
          image: {{ include "eim.image" $root | quote }}
          imagePullPolicy: {{ $g.image.pullPolicy | default "IfNotPresent" }}
          args: ["serve", "--target={{ $d.target }}", "--config", "/etc/eim/eim.yaml"]
          ports:
            - {name: http, containerPort: 8080, protocol: TCP}
            - {name: grpc, containerPort: 9090, protocol: TCP}
            {{- if $d.southbound }}
            - {name: southbound, containerPort: 8443, protocol: TCP}
            {{- end }}
          {{- include "eim.env" (dict "root" $root "values" $mv) | nindent 10 }}
          startupProbe:
            httpGet: {path: /healthz, port: http}
            periodSeconds: 2
            failureThreshold: 60
          livenessProbe:
            httpGet: {path: /healthz, port: http}
            periodSeconds: 10
            failureThreshold: 3
          readinessProbe:
            httpGet: {path: /readyz, port: http}
            periodSeconds: 5
            failureThreshold: 3
          {{- with $mv.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          securityContext:
            {{- include "eim.containerSecurityContext" $root | nindent 12 }}
          volumeMounts:
            - {name: config, mountPath: /etc/eim/eim.yaml, subPath: eim.yaml, readOnly: true}
            {{- include "eim.volumeMounts" $ctx | nindent 12 }}
      volumes:
        - name: config
          configMap:
            name: {{ $name }}-config
        {{- include "eim.volumes" $ctx | nindent 8 }}
      {{- with (default $g.nodeSelector $mv.nodeSelector) }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with (default $g.tolerations $mv.tolerations) }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with (default $g.affinity $mv.affinity) }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  labels:
    {{- include "eim.labels" $ctx | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "eim.selector" $ctx | nindent 4 }}
  ports:
    - {name: http, port: 8080, targetPort: http, protocol: TCP}
    - {name: grpc, port: 9090, targetPort: grpc, protocol: TCP, appProtocol: grpc}
    {{- if $d.southbound }}
    - {name: southbound, port: 8443, targetPort: southbound, protocol: TCP}
    {{- end }}
{{ include "eim.policy" $ctx }}
{{ include "eim.exposure" $ctx }}
{{ include "eim.test" $ctx }}
{{- end -}}

{{/* eim.podSecurityContext: non-root, RuntimeDefault seccomp, files readable by the group. */}}
{{- define "eim.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* eim.containerSecurityContext: read-only root, no privilege escalation, no capability. */}}
{{- define "eim.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
eim.env: the container's environment: proxies, credentials from Secrets
(global.secretEnv: name, secretName, key — referenced in eim.yaml as {env: NAME}) and the module's
extraEnv. Values never come from here in clear: a Secret holds them.
*/}}
{{- define "eim.env" -}}
{{- $g := .root.Values.global | default dict -}}
{{- $env := list -}}
{{- with $g.proxy -}}
{{- if .http }}{{ $env = append $env (dict "name" "HTTP_PROXY" "value" .http) }}{{ end -}}
{{- if .https }}{{ $env = append $env (dict "name" "HTTPS_PROXY" "value" .https) }}{{ end -}}
{{- if .noProxy }}{{ $env = append $env (dict "name" "NO_PROXY" "value" .noProxy) }}{{ end -}}
{{- end -}}
{{- range $g.secretEnv -}}
{{- $env = append $env (dict "name" .name "valueFrom" (dict "secretKeyRef" (dict "name" .secretName "key" .key))) -}}
{{- end -}}
{{- range .values.extraEnv -}}{{- $env = append $env . -}}{{- end -}}
{{- if $env }}
env:
  {{- toYaml $env | nindent 2 }}
{{- end }}
{{- end -}}

{{/* eim.volumeMounts: the data and temporary directories, and the mounted Secrets. */}}
{{- define "eim.volumeMounts" -}}
{{- $g := .root.Values.global | default dict -}}
{{- $d := include "eim.descriptor" . | fromJson -}}
- {name: data, mountPath: /var/lib/eim}
- {name: tmp, mountPath: /tmp}
{{- range $i, $m := $g.secretMounts }}
- {name: secret-{{ $i }}, mountPath: {{ $m.mountPath | quote }}, readOnly: true}
{{- end }}
{{- if and $d.southbound ($g.southbound | default dict).tlsSecretName }}
- {name: southbound-tls, mountPath: /etc/eim/southbound-tls, readOnly: true}
{{- end }}
{{- if include "eim.usesGRPCTLS" . }}
- {name: grpc-tls, mountPath: /etc/eim/grpc-tls, readOnly: true}
{{- end }}
{{- end -}}

{{/* eim.volumes: the volumes behind eim.volumeMounts (the config volume aside). */}}
{{- define "eim.volumes" -}}
{{- $g := .root.Values.global | default dict -}}
{{- $d := include "eim.descriptor" . | fromJson -}}
- name: data
  emptyDir: {}
- name: tmp
  emptyDir: {}
{{- range $i, $m := $g.secretMounts }}
- name: secret-{{ $i }}
  secret:
    secretName: {{ $m.secretName }}
    defaultMode: 0440
    {{- with $m.items }}
    items:
      {{- toYaml . | nindent 6 }}
    {{- end }}
{{- end }}
{{- if and $d.southbound ($g.southbound | default dict).tlsSecretName }}
- name: southbound-tls
  secret:
    secretName: {{ $g.southbound.tlsSecretName }}
    defaultMode: 0440
{{- end }}
{{- if include "eim.usesGRPCTLS" . }}
- name: grpc-tls
  secret:
    secretName: {{ $g.grpcTLS.secretName }}
    defaultMode: 0440
{{- end }}
{{- end -}}

{{/* eim.usesGRPCTLS: "true" when the module's pods mount global.grpcTLS (the inventory serves it, the others verify it). */}}
{{- define "eim.usesGRPCTLS" -}}
{{- $g := .root.Values.global | default dict -}}
{{- $d := include "eim.descriptor" . | fromJson -}}
{{- if and ($g.grpcTLS | default dict).secretName (or (eq .module "inventory") (has "inventory" $d.requires)) -}}true{{- end -}}
{{- end -}}
