package migrate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func workflowNamed(r *Report, name string) (Workflow, bool) {
	for _, w := range r.Workflows {
		if w.Name == name {
			return w, true
		}
	}
	return Workflow{}, false
}

const (
	amt    = "Out-of-band management (Intel vPro/AMT): the MPS and RPS servers"
	amtKVM = "Out-of-band management (Intel vPro/AMT): remote KVM and serial-over-LAN"
)

// TestAMTWorkflowInSummary (issue 24, item 8): a cluster that runs AMT (mps, rps, dm-manager)
// has it in the report's summary — the line printed on standard error and the first section
// of the report — with what to do; not as one dropped row among the keys. The dm-manager becomes
// the oob module; MPS and RPS are the customer's to run (the oob module drives them), and KVM
// and serial-over-LAN stop.
func TestAMTWorkflowInSummary(t *testing.T) {
	for _, f := range Formats() {
		res := translate(t, clusterInput(t, "dev"), f)
		w, ok := workflowNamed(res.Report, amt)
		require.True(t, ok, f)
		assert.Equal(t, []string{"infra-external.amt.rps", "infra-external.amt.mps"}, w.Components)
		assert.Contains(t, w.Missing, "the target does not deploy AMT activation and configuration of devices (RPS) and remote power control over CIRA (MPS): its oob module")
		assert.Contains(t, w.Action, "set oob.mps and oob.rps")
		kvm, ok := workflowNamed(res.Report, amtKVM)
		require.True(t, ok, f)
		assert.Equal(t, []string{"infra-external.amt.kvm-manager", "infra-external.amt.sol-manager"}, kvm.Components)
		assert.Contains(t, res.Report.SummaryLine(), "workflow(s) the legacy deployment ran that the target does not provide: "+amt)
		assert.Equal(t, len(res.Report.Workflows), res.Report.Summary.Workflows)
		md := string(res.Report.Markdown())
		head, _, _ := strings.Cut(md, "Inputs, in merge order")
		assert.Contains(t, head, "## Workflows the target does not provide (")
		assert.Contains(t, head, "- **"+amt+"**, run by `infra-external.amt.rps`, `infra-external.amt.mps`")
		assert.Equal(t, "all", values(t, res.Output)["target"], "%s: the dm-manager is the oob module", f)
	}

	partial := translate(t, variantInput(t, "amt-partial"), ChartValues)
	w, ok := workflowNamed(partial.Report, amt)
	require.True(t, ok)
	assert.Equal(t, []string{"infra-external.amt.rps", "infra-external.amt.mps"}, w.Components)
	_, ok = workflowNamed(partial.Report, amtKVM)
	assert.False(t, ok, "only what ran stops")

	for _, in := range []Input{variantInput(t, "amt-off"), clusterInput(t, "onprem-oxm")} {
		res := translate(t, in, ChartValues)
		_, ok := workflowNamed(res.Report, amt)
		assert.False(t, ok, "AMT off, or infra-external not enabled: %v", res.Report.Inputs)
		assert.NotContains(t, res.Report.SummaryLine(), "vPro")
		assert.NotContains(t, fmt.Sprint(values(t, res.Output)["target"]), "oob")
	}
}

// TestWorkflowsFromValues: the same from helm values — the infra-external release given as a
// whole runs AMT unless its import toggles turn it off.
func TestWorkflowsFromValues(t *testing.T) {
	for doc, want := range map[string][]string{
		"infra-external: {amt: {mps: {replicaCount: 1}}}":                                                                        {"infra-external.amt.rps", "infra-external.amt.mps"},
		"infra-external: {import: {amt: {enabled: false}}}":                                                                      nil,
		"infra-external: {amt: {import: {rps: {enabled: false}, kvm-manager: {enabled: false}, sol-manager: {enabled: false}}}}": {"infra-external.amt.mps"},
	} {
		res := translate(t, Input{Sources: []Source{{Name: "v.yaml", Data: []byte(doc + "\ninfra-core: {inventory: {replicaCount: 1}}\n")}}}, ChartValues)
		w, _ := workflowNamed(res.Report, amt)
		assert.Equal(t, want, w.Components, doc)
	}
	res := translate(t, Input{Sources: []Source{{Name: "mps.yaml", Chart: "mps", Data: []byte("replicaCount: 1\n")}, {Name: "inv.yaml", Chart: "inventory", Data: []byte("replicaCount: 1\n")}}}, ChartValues)
	w, _ := workflowNamed(res.Report, amt)
	assert.Equal(t, []string{"infra-external.amt.mps"}, w.Components, "a chart's own values: that chart")
}
