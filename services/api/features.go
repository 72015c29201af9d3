package api

import (
	"net/http"
	"runtime/debug"
	"slices"

	"github.com/eim-byoi/eim/services/module"
)

// feature is one entry of the orchestrator feature document.
type feature struct {
	Installed bool               `json:"installed"`
	Features  map[string]feature `json:"features,omitempty"`
}

// orchestratorInfo is the document of GET /v1/orchestrator, which existing CLIs read after
// login to learn which features are installed
// (orchestrator.features.edge-infrastructure-manager.onboarding.installed, ...).
type orchestratorInfo struct {
	SchemaVersion string `json:"schema-version"`
	Orchestrator  struct {
		Version  string             `json:"version"`
		Features map[string]feature `json:"features"`
	} `json:"orchestrator"`
}

// features returns the feature document of a process running modules, started for target:
// EIM and its sub-features from the modules that serve them, everything EIM is not (application
// and cluster orchestration, observability) not installed.
func features(modules []string, target string) orchestratorInfo {
	runs := func(m string) feature { return feature{Installed: slices.Contains(modules, m)} }
	var info orchestratorInfo
	info.SchemaVersion = "1.0"
	info.Orchestrator.Version = version()
	info.Orchestrator.Features = map[string]feature{
		"edge-infrastructure-manager": {Installed: true, Features: map[string]feature{
			"onboarding":   runs(module.Onboarding),
			"provisioning": runs(module.OSResource),
			"day2":         runs(module.Maintenance),
			"oob":          runs(module.OOB),
			"oxm-profile":  {Installed: target == "onboarding"},
		}},
		"multitenancy":               {Installed: true},
		"application-orchestration":  {Installed: false},
		"cluster-orchestration":      {Installed: false},
		"orchestrator-observability": {Installed: false},
		"observability":              {Installed: false},
	}
	return info
}

// version is the module version of the binary, "devel" when built from a work tree.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// featureHandler answers GET /v1/orchestrator; any caller with a valid token may read it.
func featureHandler(auth *authorizer, info orchestratorInfo) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := auth.authenticate(r); err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, info)
	}
}
