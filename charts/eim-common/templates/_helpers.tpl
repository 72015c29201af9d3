{{/*
eim.prefix: the prefix of every object name: global.fullnameOverride, else the release name.
Every chart of one deployment (the umbrella, or the sub-charts of an Argo CD app-of-apps with the
same releaseName) therefore names a module's objects alike: <prefix>-<module>.
*/}}
{{- define "eim.prefix" -}}
{{- $g := .Values.global | default dict -}}
{{- default .Release.Name $g.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* eim.name: <prefix>-<module>; call with (dict "root" $ "module" "api"). */}}
{{- define "eim.name" -}}
{{- printf "%s-%s" (include "eim.prefix" .root) .module | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* eim.labels: the standard labels of a module's objects. */}}
{{- define "eim.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: eim
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{ include "eim.selector" . }}
{{- end -}}

{{/* eim.selector: the labels selecting a module's pods. */}}
{{- define "eim.selector" -}}
app.kubernetes.io/name: eim-{{ .module }}
app.kubernetes.io/instance: {{ include "eim.prefix" .root }}
app.kubernetes.io/component: {{ .module }}
{{- end -}}

{{/*
eim.image: registry/repository[:tag][@digest]; the tag defaults to the chart's appVersion.
global.image.registry, when set, replaces the registry part of the repository.
*/}}
{{- define "eim.image" -}}
{{- $i := .Values.global.image -}}
{{- $repo := $i.repository -}}
{{- if $i.registry -}}
{{- $parts := splitList "/" $repo -}}
{{- $repo = printf "%s/%s" (trimSuffix "/" $i.registry) (last $parts) -}}
{{- end -}}
{{- $ref := printf "%s:%s" $repo (default .Chart.AppVersion $i.tag) -}}
{{- if $i.digest -}}{{- $ref = printf "%s@%s" $ref $i.digest -}}{{- end -}}
{{- $ref -}}
{{- end -}}

{{/* eim.serviceAccountName: the module's service account (global.serviceAccount.name when set). */}}
{{- define "eim.serviceAccountName" -}}
{{- $sa := .root.Values.global.serviceAccount | default dict -}}
{{- if $sa.name -}}{{ $sa.name }}{{- else -}}{{ include "eim.name" . }}{{- end -}}
{{- end -}}

{{/* eim.createServiceAccount: "true" when the chart creates the module's service account. */}}
{{- define "eim.createServiceAccount" -}}
{{- $sa := .root.Values.global.serviceAccount | default dict -}}
{{- if and (not $sa.name) (ne (toString $sa.create) "false") -}}true{{- end -}}
{{- end -}}

{{/* eim.module: the module's values block merged over the generated defaults of its keys. */}}
{{- define "eim.moduleValues" -}}
{{- $v := get .root.Values .module | default dict -}}
{{- toYaml $v -}}
{{- end -}}
