{{/*
eim.exposure: how clients reach a module from outside the cluster. The API (module api): an
Ingress (global.ingress) or a Gateway API HTTPRoute (global.gateway). The southbound modules
(onboarding, hostmgr, maintenance): a Gateway API TLSRoute passing TLS through to the module, which
terminates it itself (the agents' tokens and ALPN h2 end at eim), on the host
global.ingress.hosts.<module>.
*/}}
{{- define "eim.exposure" -}}
{{- $ctx := . -}}
{{- $root := .root -}}
{{- $d := include "eim.descriptor" . | fromJson -}}
{{- $g := $root.Values.global | default dict -}}
{{- $ing := $g.ingress | default dict -}}
{{- $gw := $g.gateway | default dict -}}
{{- $name := include "eim.name" . -}}
{{- $hosts := $ing.hosts | default dict -}}
{{- $host := get $hosts .module -}}
{{- if and (not $host) $ing.domain -}}{{- $host = printf "%s.%s" (ternary "api" .module (eq .module "api")) $ing.domain -}}{{- end -}}
{{- if and (eq .module "api") $ing.enabled }}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ $name }}
  labels:
    {{- include "eim.labels" $ctx | nindent 4 }}
  {{- with $ing.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- with $ing.className }}
  ingressClassName: {{ . }}
  {{- end }}
  {{- with ($ing.tls | default dict).secretName }}
  tls:
    - secretName: {{ . }}
      {{- with $host }}
      hosts: [{{ . | quote }}]
      {{- end }}
  {{- end }}
  rules:
    - {{- with $host }}
      host: {{ . | quote }}
      {{- end }}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {{ $name }}
                port: {name: http}
{{- end }}
{{- if and (eq .module "api") $gw.enabled }}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: {{ $name }}
  labels:
    {{- include "eim.labels" $ctx | nindent 4 }}
spec:
  parentRefs:
    {{- toYaml $gw.parentRefs | nindent 4 }}
  {{- with $host }}
  hostnames: [{{ . | quote }}]
  {{- end }}
  rules:
    - backendRefs:
        - name: {{ $name }}
          port: 8080
{{- end }}
{{- if and $d.southbound $gw.enabled }}
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata:
  name: {{ $name }}
  labels:
    {{- include "eim.labels" $ctx | nindent 4 }}
spec:
  parentRefs:
    {{- toYaml (default $gw.parentRefs $gw.southboundParentRefs) | nindent 4 }}
  {{- with $host }}
  hostnames: [{{ . | quote }}]
  {{- end }}
  rules:
    - backendRefs:
        - name: {{ $name }}
          port: 8443
{{- end }}
{{- end -}}
