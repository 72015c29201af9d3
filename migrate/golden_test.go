package migrate

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGolden migrates every real legacy input and compares the values and the report with the
// committed golden files. The EMF clusters also have their eim.yaml and JSON report.
func TestGolden(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			res := translate(t, c.in, ChartValues)
			golden(t, c.name+".values.yaml", res.Output)
			golden(t, c.name+".report.md", res.Report.Markdown())
			if c.in.EMF == nil {
				return
			}
			eim := translate(t, c.in, EIMConfig)
			golden(t, c.name+".eim.yaml", eim.Output)
			js, err := res.Report.JSON()
			require.NoError(t, err)
			golden(t, c.name+".report.json", js)
		})
	}
}

// TestGoldenIsIdempotent feeds each output back in: new-format input passes through unchanged,
// in both formats.
func TestGoldenIsIdempotent(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			for _, f := range Formats() {
				first := translate(t, c.in, f)
				again := translate(t, Input{Sources: []Source{{Name: "migrated.yaml", Data: first.Output}}}, f)
				assert.Equal(t, string(first.Output), string(again.Output), "format %s", f)
				assert.True(t, again.Report.PassThrough)
				assert.Empty(t, again.Report.Unknown())
			}
		})
	}
}

// TestDeterministic runs the EMF clusters twice: map iteration must not leak into the output.
func TestDeterministic(t *testing.T) {
	for _, c := range emfClusters(t) {
		a := translate(t, clusterInput(t, c), ChartValues)
		b := translate(t, clusterInput(t, c), ChartValues)
		assert.Equal(t, a.Output, b.Output)
		assert.Equal(t, a.Report.Markdown(), b.Report.Markdown())
	}
}
