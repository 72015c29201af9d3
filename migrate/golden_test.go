package migrate

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGolden migrates every real legacy input and compares the values and the report with the
// committed golden files. The EMF clusters also have their eim.yaml, its report and the JSON
// report; every input its terraform.tfvars.json for terraform/modules/eim; the variants their values, eim.yaml and the head of both reports (up to the key
// tables, which their tests check key by key). Input that gives nothing to migrate has its
// error as the golden file.
func TestGolden(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			res, err := Translate(c.in, ChartValues)
			if err != nil {
				var nothing *NothingToMigrateError
				require.ErrorAs(t, err, &nothing)
				golden(t, c.name+".error.txt", []byte(err.Error()+"\n"))
				return
			}
			golden(t, c.name+".values.yaml", res.Output)
			golden(t, c.name+".tfvars.json", translate(t, c.in, Terraform).Output)
			if c.variant {
				golden(t, c.name+".report-head.md", reportHead(res.Report.Markdown()))
			} else {
				golden(t, c.name+".report.md", res.Report.Markdown())
			}
			if c.in.EMF == nil {
				return
			}
			eim := translate(t, c.in, EIMConfig)
			golden(t, c.name+".eim.yaml", eim.Output)
			if c.variant {
				golden(t, c.name+".eim.report-head.md", reportHead(eim.Report.Markdown()))
				return
			}
			golden(t, c.name+".eim.report.md", eim.Report.Markdown())
			js, err := res.Report.JSON()
			require.NoError(t, err)
			golden(t, c.name+".report.json", js)
		})
	}
}

// reportHead is a Markdown report up to its tables of legacy keys.
func reportHead(md []byte) []byte {
	head, _, _ := strings.Cut(string(md), "\n## Legacy keys: ")
	return []byte(head)
}

// TestGoldenIsIdempotent feeds each output back in: new-format input passes through unchanged,
// in both formats.
func TestGoldenIsIdempotent(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			for _, f := range Formats() {
				first, err := Translate(c.in, f)
				if errors.As(err, new(*NothingToMigrateError)) {
					return
				}
				require.NoError(t, err)
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
