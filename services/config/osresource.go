package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// OSResource configures the OS profile catalog (module osresource): where the profile manifests
// come from, which of them become OS resources in every project, and the legacy
// auto-provisioning defaults written to each project's infra_onboarding provider.
type OSResource struct {
	// Source is where the profile manifests (the legacy os-profiles *.yaml format) are read:
	// empty for the catalog built into the binary (the legacy os-profiles), a directory of
	// *.yaml files, or an https:// URL serving a gzip-compressed tarball (.tar.gz) of them.
	Source string `yaml:"source,omitempty"`
	// TLS verifies an https:// source: ca names the CA bundle that signed its certificate (the
	// system roots when unset).
	TLS provider.TLS `yaml:"tls,omitempty"`
	// EnabledProfiles are the profile names that become OS resources in every project (legacy
	// managerArgs.enabledProfiles); ["*"] enables every profile of the catalog.
	EnabledProfiles []string `yaml:"enabledProfiles"`
	// AutoProvision is the legacy autoProvision.enabled: hosts registered without an OS are
	// provisioned with the default profile (written to the provider's config).
	AutoProvision bool `yaml:"autoProvision"`
	// DefaultProfile is the legacy autoProvision.defaultProfile: the profile whose newest OS
	// resource is the provider config's defaultOs.
	DefaultProfile string `yaml:"defaultProfile"`
	// OSSecurityFeatureEnable is the legacy osSecurityFeatureEnable written to the provider's config.
	OSSecurityFeatureEnable bool `yaml:"osSecurityFeatureEnable"`
	// DisableProviderAutomation is the legacy disableProviderAutomation: true leaves each project's
	// infra_onboarding provider resource (defaultOs, autoProvision) to the operator.
	DisableProviderAutomation bool `yaml:"disableProviderAutomation"`
	// ResyncInterval is how often the catalog is read again and every project reconciled
	// (legacy inventoryTickerPeriod); new projects are handled at once from inventory events.
	ResyncInterval provider.Duration `yaml:"resyncInterval"`
}

// Defaults of the osresource block: the legacy os-resource-manager chart's values.
const (
	DefaultOSProfile      = "ubuntu-22.04-lts-generic"
	DefaultOSResyncPeriod = provider.Duration(12 * time.Hour)
)

// DefaultEnabledProfiles are the legacy chart's enabledProfiles.
func DefaultEnabledProfiles() []string {
	return []string{"ubuntu-22.04-lts-generic", "microvisor-rt", "microvisor-nonrt", "ubuntu-22.04-lts-generic-ext", "ubuntu-24.04-lts"}
}

func defaultOSResource() OSResource {
	return OSResource{EnabledProfiles: DefaultEnabledProfiles(), DefaultProfile: DefaultOSProfile, ResyncInterval: DefaultOSResyncPeriod}
}

func (o OSResource) validate(v *provider.Validation) {
	if strings.Contains(o.Source, "://") {
		u, err := url.Parse(o.Source)
		v.Check(err == nil && u.Scheme == "https" && u.Host != "", "osresource.source",
			fmt.Sprintf("%q is not an https:// URL", o.Source), "use https://host/path/os-profiles.tar.gz, a directory, or leave it empty for the built-in catalog")
	}
	v.Check(len(o.EnabledProfiles) > 0, "osresource.enabledProfiles", "is empty", `list profile names, or ["*"] for all`)
	v.Check(!o.AutoProvision || o.DefaultProfile != "", "osresource.defaultProfile", "is required with autoProvision",
		"name a profile, e.g. "+DefaultOSProfile)
	v.Check(o.ResyncInterval >= provider.Duration(time.Second), "osresource.resyncInterval", "must be at least 1s", `e.g. "12h"`)
}
