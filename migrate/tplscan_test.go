package migrate

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadsWholeArgo: the scan that decides which templates to render again for a value finds
// every way a template can reach keys of .Values.argo it does not write out.
func TestReadsWholeArgo(t *testing.T) {
	for text, want := range map[string]bool{
		`x: {{ index .Values.argo "infra-core" "a" | default 1 }}`:               false,
		`x: {{ dig "infra-core" "a" true .Values.argo }}`:                        false,
		`{{- with index .Values.argo "infra-core" "r" }}{{ toYaml . }}{{ end }}`: false,
		`{{- with .Values.argo.imagePullSecrets }}{{ toYaml . }}{{ end }}`:       false,
		`{{ $d := .Values.argo.clusterDomain }}x: {{ $d }}`:                      false,
		`x: {{ toYaml .Values.argo }}`:                                           true,
		`x: {{ .Values.argo | toJson }}`:                                         true,
		`{{ range $k, $v := .Values.argo }}{{ $k }}{{ end }}`:                    true,
		`{{ with .Values.argo }}{{ .foo }}{{ end }}`:                             true,
		`{{ $a := .Values.argo }}{{ index $a "infra-core" }}`:                    false,
		`{{ $a := .Values.argo }}{{ toYaml $a }}`:                                true,
		`{{ index .Values.argo (printf "infra-%s" "core") }}`:                    true,
		`{{ include "t" . }}`:                                                    true,
		`{{ tpl "{{ .Values.x }}" $ }}`:                                          true,
		`{{ range .Values.list }}{{ toYaml . }}{{ end }}`:                        false,
		`{{ define "t" }}{{ toYaml .Values }}{{ end }}`:                          true,
	} {
		tpl, err := parseHelmTemplate("t", text)
		require.NoError(t, err, text)
		assert.Equal(t, want, readsWholeArgo(tpl), text)
	}
}
