{{/*
eim.test: the `helm test` hook of a module: a pod asking the module's Service for /readyz.
*/}}
{{- define "eim.test" -}}
{{- $g := .root.Values.global | default dict -}}
{{- $t := $g.tests | default dict -}}
{{- if ne (toString $t.enabled) "false" }}
---
apiVersion: v1
kind: Pod
metadata:
  name: {{ include "eim.name" . }}-test-readyz
  labels:
    {{- /* not the module's selector labels: its Service must not route to this pod */}}
    helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
    app.kubernetes.io/managed-by: {{ .root.Release.Service }}
    app.kubernetes.io/part-of: eim
    app.kubernetes.io/instance: {{ include "eim.prefix" .root }}
    app.kubernetes.io/component: {{ .module }}-test
  annotations:
    helm.sh/hook: test
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  restartPolicy: Never
  securityContext:
    {{- include "eim.podSecurityContext" .root | nindent 4 }}
  containers:
    - name: readyz
      image: {{ $t.image | default "busybox:1.36" | quote }}
      command: ["wget", "-q", "-O", "-", "http://{{ include "eim.name" . }}:8080/readyz"]
      resources:
        requests: {cpu: 10m, memory: 16Mi}
        limits: {cpu: 100m, memory: 32Mi}
      securityContext:
        {{- include "eim.containerSecurityContext" .root | nindent 8 }}
{{- end }}
{{- end -}}

{{/*
eim.migration: the Job applying the database schema migrations (`eim migrate db`) before the
modules start on an install and before every upgrade (Helm hooks pre-install, pre-upgrade), with
its own ConfigMap (a hook too: the release's objects do not exist yet when it runs).
*/}}
{{- define "eim.migration" -}}
{{- $g := .Values.global | default dict -}}
{{- $m := $g.migration | default dict -}}
{{- if ne (toString $m.enabled) "false" -}}
{{- $ctx := dict "root" . "module" "migrate" -}}
{{- $name := include "eim.name" $ctx -}}
{{- $config := include "eim.migrationConfig" . -}}
{{- $any := dict "root" . "module" "inventory" }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $name }}-config
  labels:
    {{- include "eim.labels" $ctx | nindent 4 }}
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-10"
    {{- /* Helm deletes hook-succeeded hooks once every hook of the event succeeded: after the Job */}}
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
data:
  eim.yaml: |
    {{- $config | nindent 4 }}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ $name }}
  labels:
    {{- include "eim.labels" $ctx | nindent 4 }}
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "0"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: {{ $m.backoffLimit | default 3 }}
  {{- with $m.activeDeadlineSeconds }}
  activeDeadlineSeconds: {{ . }}
  {{- end }}
  template:
    metadata:
      labels:
        {{- include "eim.selector" $ctx | nindent 8 }}
      annotations:
        checksum/config: {{ printf "%s\n" $config | sha256sum }}
    spec:
      restartPolicy: Never
      {{- with ($g.serviceAccount | default dict).name }}
      serviceAccountName: {{ . }}
      {{- end }}
      securityContext:
        {{- include "eim.podSecurityContext" . | nindent 8 }}
      {{- with ($g.image.pullSecrets) }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ if kindIs "string" . }}{{ . }}{{ else }}{{ .name }}{{ end }}
        {{- end }}
      {{- end }}
      containers:
        - name: migrate
          image: {{ include "eim.image" . | quote }}
          imagePullPolicy: {{ $g.image.pullPolicy | default "IfNotPresent" }}
          args: ["migrate", "db", "--config", "/etc/eim/eim.yaml"]
          {{- include "eim.env" (dict "root" . "values" (dict)) | nindent 10 }}
          resources:
            requests: {cpu: 10m, memory: 32Mi}
            limits: {cpu: "1", memory: 256Mi}
          securityContext:
            {{- include "eim.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            - {name: config, mountPath: /etc/eim/eim.yaml, subPath: eim.yaml, readOnly: true}
            {{- include "eim.volumeMounts" $any | nindent 12 }}
      volumes:
        - name: config
          configMap:
            name: {{ $name }}-config
        {{- include "eim.volumes" $any | nindent 8 }}
{{- end -}}
{{- end -}}
