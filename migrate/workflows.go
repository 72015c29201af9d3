package migrate

import (
	"fmt"
	"slices"
	"strings"
)

// Workflow is something the legacy deployment did that the target does not provide (yet): the
// report puts it first, for it is not one key among hundreds but a capability that stops.
type Workflow struct {
	// Name names the workflow.
	Name string `json:"name"`
	// Components are the legacy charts that ran it, by their path in the legacy values.
	Components []string `json:"components"`
	// Missing says what stops working.
	Missing string `json:"missing"`
	// Action says what to do about it.
	Action string `json:"action"`
}

// workflow describes one: the legacy charts that run it, each with what it does, and what the
// absence means ("%s" takes what the deployed charts did).
type workflow struct {
	name    string
	charts  []component
	missing string
	action  string
}

// component is a legacy chart and what it does in a workflow.
type component struct {
	chart, does string
}

// workflows lists what the legacy charts did that the EIM modules do not.
func workflows() []workflow {
	return []workflow{
		{"Out-of-band management (Intel vPro/AMT): the MPS and RPS servers", []component{
			{"rps", "AMT activation and configuration of devices (RPS)"}, {"mps", "remote power control over CIRA (MPS)"}},
			"the target does not deploy %s: its oob module (the legacy dm-manager) drives the MPS and RPS you run",
			"keep running MPS and RPS (these, or your own Device Management Toolkit deployment) for your vPro devices and set oob.mps and oob.rps " +
				"(URL, CA, credentials as secret references: docs/modules/oob.md); the migration does not touch the AMT settings stored on the devices"},
		{"Out-of-band management (Intel vPro/AMT): remote KVM and serial-over-LAN", []component{
			{"kvm-manager", "remote KVM (kvm-manager)"}, {"sol-manager", "serial-over-LAN (sol-manager)"}},
			"the target's oob module drives power and activation only: %s stop being available through EIM",
			"use KVM and serial-over-LAN through your MPS (the Device Management Toolkit's console) directly"},
		{"Lenovo LOCA integration", []component{
			{"loca-manager", "host and instance synchronization with Lenovo Open Cloud Automation"}, {"loca-metadata-manager", "LOCA metadata"},
			{"loca-templates-manager", "LOCA OS templates"}, {"loca-credentials", "LOCA credentials"}},
			"the target has no LOCA integration: %s stop",
			"manage those hosts through LOCA directly, and register them in EIM as other hosts"},
		{"OS provisioning (PXE/iPXE, Tinkerbell workflows, DKAM OS images)", []component{
			{"dkam", "OS images and installation artifacts (DKAM)"}, {"tinkerbell", "provisioning workflows (Tinkerbell)"}, {"pxe-server", "network boot (PXE server)"}},
			"the target does not install operating systems (%s): devices onboard with an OS already installed, and the onboarding module registers them and issues their credentials",
			"install the OS with your own tooling before onboarding; edge nodes the legacy stack provisioned keep their OS"},
		{"Edge-node telemetry profiles", []component{{"telemetry-manager", "telemetry profiles for the edge-node agents"}},
			"the target hands out no %s: the agents keep the collection settings they have",
			"configure what the edge nodes collect in their own agent configuration; EIM's own metrics and traces go through global.metrics and global.telemetry"},
		{"Attestation status", []component{{"attestationstatus-manager", "attestation status of the edge nodes"}},
			"the target does not record the %s",
			"take attestation results from your attestation service directly"},
		{"IP address uniqueness checks", []component{{"networking-manager", "checks that edge nodes' IP addresses are unique"}},
			"the target runs no %s",
			"rely on your IP address management"},
	}
}

// lostWorkflows returns the workflows whose legacy charts the input deploys.
func lostWorkflows(f *facts, l loaded) []Workflow {
	charts := legacyCharts()
	var out []Workflow
	for _, w := range workflows() {
		var deployed, does []string
		for _, c := range w.charts {
			if info, ok := charts[c.chart]; ok && chartDeployed(f, l, info.Path) {
				deployed = append(deployed, info.Path.String())
				does = append(does, c.does)
			}
		}
		if len(deployed) > 0 {
			out = append(out, Workflow{Name: w.name, Components: deployed, Missing: fmt.Sprintf(w.missing, joinAnd(does)), Action: w.action})
		}
	}
	return out
}

// joinAnd joins "a", "b" and "c" as "a, b and c".
func joinAnd(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// chartDeployed reports whether the input deploys the legacy chart at path: its release is
// deployed (EMF enables the application, or its values are given), no import toggle on the way
// turns it off, and either its own toggle turns it on or its values or its whole release were
// given (the umbrella and amt charts enable their sub-charts by default).
func chartDeployed(f *facts, l loaded, path Path) bool {
	u := path[0]
	if l.emf != nil && !slices.Contains(l.emf.apps, u) && len(l.sourceKeys) == 0 {
		return false
	}
	if on, set := f.boolean(factUmbrellaPrefix + u); set && !on {
		return false
	}
	for i := 1; i < len(path); i++ {
		toggle := append(append(Path{}, path[:i]...), "import", path[i], "enabled")
		v, ok := lookup(l.tree, toggle...)
		if !ok {
			continue
		}
		on, isBool := asBool(v)
		if isBool && !on {
			return false
		}
		if isBool && i == len(path)-1 {
			return true
		}
	}
	if _, ok := lookup(l.tree, path...); ok {
		return true
	}
	return l.releases[u]
}

// workflowNames lists the workflows' names, for the summary line.
func workflowNames(ws []Workflow) string {
	var names []string
	for _, w := range ws {
		names = append(names, w.Name)
	}
	return strings.Join(names, "; ")
}
