package migrate

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestModuleSettingsExistInEIM: every module setting a rule maps a legacy key to is a sizing key
// of the chart (enabled, replicaCount, resources, logLevel) or a setting of the module's eim.yaml
// block — never a key that neither the chart nor eim serve reads (issue 24: os-resource-manager
// settings once went to osresource.profileRevision, which nothing read).
func TestModuleSettingsExistInEIM(t *testing.T) {
	chart := []string{"enabled", "replicaCount", "resources", "logLevel"}
	for _, r := range Rules() {
		if r.Class != Mapped {
			continue
		}
		for _, d := range destinations(r.To) {
			p := strings.Split(d, ".")
			if !slices.Contains(moduleOrder(), p[0]) && p[0] != "<module>" {
				continue
			}
			assert.True(t, len(p) == 2 && slices.Contains(chart, p[1]) || isEIMSetting(p),
				"%s maps to %s: neither a chart sizing key nor a setting of eim.yaml's %s block", r.Pattern, d, p[0])
		}
	}
	assert.Contains(t, eimSettings()["osresource"], "enabledProfiles")
	assert.NotContains(t, eimSettings(), "tenant", "a module without an eim.yaml block has no settings")
}
