{{/*
eim.descriptor: the generated graph entry of a module (JSON); call with (dict "root" $ "module" NAME).
*/}}
{{- define "eim.descriptor" -}}
{{- $g := include "eim.graph" . | fromJson -}}
{{- $out := dict -}}
{{- range $g.modules -}}{{- if eq .name $.module -}}{{- $out = . -}}{{- end -}}{{- end -}}
{{- if not $out -}}{{- fail (printf "module %q is not in the EIM module graph" .module) -}}{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/* eim.enabled: "true" unless <module>.enabled is false. */}}
{{- define "eim.enabled" -}}
{{- $v := get .root.Values .module | default dict -}}
{{- if ne (toString (get $v "enabled")) "false" -}}true{{- end -}}
{{- end -}}

{{/*
eim.resolve: the modules the umbrella deploys, dependencies first, as {"modules": [...]}: target
(all, a profile or a comma-separated module list, exactly as `eim serve --target`) expanded with the
generated module graph, less the modules whose block says enabled: false. A module whose required
module is not deployed fails the render, unless inventory.address names an inventory elsewhere.
*/}}
{{- define "eim.resolve" -}}
{{- $g := include "eim.graph" . | fromJson -}}
{{- $all := list -}}
{{- range $g.modules -}}{{- $all = append $all .name -}}{{- end -}}
{{- $want := list -}}
{{- range $tok := splitList "," (toString .Values.target) -}}
{{- $tok = trim $tok -}}
{{- if hasPrefix "module:" $tok -}}
{{- $tok = trimPrefix "module:" $tok -}}
{{- if not (has $tok $all) -}}{{- fail (printf "target: unknown module %q: use one of %s" $tok (join ", " $all)) -}}{{- end -}}
{{- $want = append $want $tok -}}
{{- else if eq $tok "all" -}}
{{- $want = concat $want $all -}}
{{- else if hasKey $g.profiles $tok -}}
{{- $want = concat $want (get $g.profiles $tok) -}}
{{- else if has $tok $all -}}
{{- $want = append $want $tok -}}
{{- else -}}
{{- fail (printf "target: unknown target %q: use all, a profile (%s) or modules (%s)" $tok (keys $g.profiles | sortAlpha | join ", ") (join ", " $all)) -}}
{{- end -}}
{{- end -}}
{{- $out := list -}}
{{- range $all -}}
{{- if and (has . $want) (include "eim.enabled" (dict "root" $ "module" .)) -}}{{- $out = append $out . -}}{{- end -}}
{{- end -}}
{{- $remote := (get .Values "inventory" | default dict).address -}}
{{- range $m := $g.modules -}}
{{- if has $m.name $out -}}
{{- range $r := $m.requires -}}
{{- if and (not (has $r $out)) (not (and (eq $r "inventory") $remote)) -}}
{{- fail (printf "target %q: module %s requires module %s: add it to target (or set %s.enabled: true), or set inventory.address to an inventory deployed elsewhere" $.Values.target $m.name $r $r) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson (dict "modules" $out) -}}
{{- end -}}

{{/*
eim.inventoryAddress: the inventory's gRPC address for the other modules: inventory.address when
set, else the Service of this deployment's inventory.
*/}}
{{- define "eim.inventoryAddress" -}}
{{- $inv := get .root.Values "inventory" | default dict -}}
{{- if $inv.address -}}{{ $inv.address }}{{- else -}}{{ include "eim.name" (dict "root" .root "module" "inventory") }}:9090{{- end -}}
{{- end -}}

{{/*
eim.config: the eim.yaml of one module's pods, as YAML: target = the module, listeners on every
interface, the providers block and tenancy exactly as given, the module's own settings (the keys of
its block in eim.yaml, from the generated graph), and for a module requiring the inventory the
address of the inventory's Service, global.telemetry as the telemetry block (serviceName
eim-<module> unless given). Nothing here is a secret: credentials are references.
*/}}
{{- define "eim.config" -}}
{{- $root := .root -}}
{{- $d := include "eim.descriptor" . | fromJson -}}
{{- $g := $root.Values.global | default dict -}}
{{- $mv := get $root.Values .module | default dict -}}
{{- $cfg := dict "target" $d.target "dataDir" "/var/lib/eim" -}}
{{- $_ := set $cfg "listen" (dict "http" ":8080" "grpc" ":9090") -}}
{{- $_ = set $cfg "log" (dict "level" (default "info" $mv.logLevel) "format" (default "json" ($g.log | default dict).format)) -}}
{{- with $g.startup -}}{{- $_ = set $cfg "startup" . -}}{{- end -}}
{{- with $g.telemetry -}}
{{- $tel := deepCopy . -}}
{{- if not $tel.serviceName -}}{{- $_ = set $tel "serviceName" (printf "eim-%s" $d.name) -}}{{- end -}}
{{- $_ = set $cfg "telemetry" $tel -}}
{{- end -}}
{{- with $root.Values.providers -}}{{- $_ = set $cfg "providers" . -}}{{- end -}}
{{- with $root.Values.tenancy -}}{{- $_ = set $cfg "tenancy" . -}}{{- end -}}
{{- if $d.configKey -}}
{{- $own := dict -}}
{{- range $k := $d.settings -}}{{- if hasKey $mv $k -}}{{- $_ = set $own $k (get $mv $k) -}}{{- end -}}{{- end -}}
{{- if eq .module "inventory" -}}{{- $own = omit $own "address" -}}{{- end -}}
{{- if $own -}}{{- $_ = set $cfg $d.configKey $own -}}{{- end -}}
{{- end -}}
{{- $grpcTLS := ($g.grpcTLS | default dict).secretName -}}
{{- if and (eq .module "inventory") $grpcTLS -}}
{{- $_ = set $cfg.listen "grpcTLS" (dict "cert" (dict "file" "/etc/eim/grpc-tls/tls.crt") "key" (dict "file" "/etc/eim/grpc-tls/tls.key")) -}}
{{- end -}}
{{- if has "inventory" $d.requires -}}
{{- $client := pick (get $root.Values "inventory" | default dict) "tls" "credentials" -}}
{{- $_ = set $client "address" (include "eim.inventoryAddress" .) -}}
{{- if not $client.tls -}}
{{- if $grpcTLS -}}
{{- $_ = set $client "tls" (dict "mode" "verify-full" "ca" (dict "file" "/etc/eim/grpc-tls/ca.crt")) -}}
{{- else -}}
{{- $_ = set $client "tls" (dict "mode" "disable") -}}
{{- end -}}
{{- end -}}
{{- $_ = set $cfg "inventory" $client -}}
{{- end -}}
{{- if $d.southbound -}}
{{- $sb := omit ($g.southbound | default dict) "tlsSecretName" -}}
{{- $_ = set $sb "address" ":8443" -}}
{{- with ($g.southbound | default dict).tlsSecretName -}}
{{- $_ = set $sb "tls" (dict "cert" (dict "file" "/etc/eim/southbound-tls/tls.crt") "key" (dict "file" "/etc/eim/southbound-tls/tls.key")) -}}
{{- end -}}
{{- $_ = set $cfg "southbound" $sb -}}
{{- end -}}
{{- toYaml $cfg -}}
{{- end -}}

{{/*
eim.migrationConfig: the eim.yaml of the migration Job: the providers (the database is what it
migrates) and nothing a module needs.
*/}}
{{- define "eim.migrationConfig" -}}
{{- $g := .Values.global | default dict -}}
{{- $cfg := dict "dataDir" "/var/lib/eim" "log" (dict "level" "info" "format" (default "json" ($g.log | default dict).format)) -}}
{{- with .Values.providers -}}{{- $_ := set $cfg "providers" . -}}{{- end -}}
{{- toYaml $cfg -}}
{{- end -}}

{{/*
eim.ignoredSettings: the keys of a module's block that are neither a deployment setting nor a key
of its eim.yaml block (e.g. settings eim migrate carried over that this version does not have):
NOTES.txt lists them.
*/}}
{{- define "eim.ignoredSettings" -}}
{{- $d := include "eim.descriptor" . | fromJson -}}
{{- $g := include "eim.graph" . | fromJson -}}
{{- $mv := get .root.Values .module | default dict -}}
{{- $out := list -}}
{{- range $k, $_ := $mv -}}
{{- if not (or (has $k $g.deploymentKeys) (has $k ($d.settings | default list))) -}}{{- $out = append $out $k -}}{{- end -}}
{{- end -}}
{{- join ", " $out -}}
{{- end -}}
