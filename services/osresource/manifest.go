package osresource

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"buf.build/go/protovalidate"
	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/reflect/protoreflect"

	osv1 "github.com/eim-byoi/eim/api/gen/resources/os/v1"
)

// Profile is one OS profile manifest in the legacy os-profiles format (appVersion apps/v1,
// metadata, spec), validated.
type Profile struct {
	// File is the manifest's file name.
	File string
	// AppVersion is apps/v1.
	AppVersion string `yaml:"appVersion"`
	// Metadata holds free-form labels (release, version, kubernetes-version, standalone-node).
	Metadata map[string]any `yaml:"metadata"`
	// Spec is the OS the profile installs.
	Spec Spec `yaml:"spec"`
}

// Spec is a profile's OS: the fields of the legacy manifest.
type Spec struct {
	// Name is the OS's display name (the OS resource's name).
	Name string `yaml:"name"`
	// Type is OS_TYPE_MUTABLE or OS_TYPE_IMMUTABLE.
	Type string `yaml:"type"`
	// Provider is OS_PROVIDER_KIND_INFRA or OS_PROVIDER_KIND_LENOVO.
	Provider string `yaml:"provider"`
	// Architecture is e.g. x86_64.
	Architecture string `yaml:"architecture"`
	// ProfileName names the profile; it equals the file name without .yaml.
	ProfileName string `yaml:"profileName"`
	// OSImageURL is where the image is downloaded from.
	OSImageURL string `yaml:"osImageUrl"`
	// OSImageVersion is the image's version: the profile's version.
	OSImageVersion string `yaml:"osImageVersion"`
	// OSImageSha256 is the image's SHA-256, lower-case hex.
	OSImageSha256 string `yaml:"osImageSha256"`
	// OSPackageManifestURL lists the image's installed packages.
	OSPackageManifestURL string `yaml:"osPackageManifestURL"`
	// OSExistingCvesURL and OSFixedCvesURL list the image's known and fixed CVEs.
	OSExistingCvesURL string `yaml:"osExistingCvesURL"`
	OSFixedCvesURL    string `yaml:"osFixedCvesURL"`
	// SecurityFeature is a SECURITY_FEATURE_* value.
	SecurityFeature string `yaml:"securityFeature"`
	// Description describes the OS.
	Description string `yaml:"description"`
	// PlatformBundle holds the installer and cloud-init scripts of the profile, if any.
	PlatformBundle map[string]string `yaml:"platformBundle"`
}

// ManifestError says which file and field of a manifest is wrong, and how to fix it.
type ManifestError struct {
	// File is the manifest's file name; Field the field at fault (spec.osImageSha256, ...).
	File, Field string
	// Reason says what is wrong and Fix how to correct it.
	Reason, Fix string
}

// Error names the file, the field, what is wrong and the fix.
func (e *ManifestError) Error() string {
	return fmt.Sprintf("%s: field %s: %s (fix: %s)", e.File, e.Field, e.Reason, e.Fix)
}

var (
	sha256Hex   = regexp.MustCompile(`^[a-f0-9]{64}$`)
	profileName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)
	version     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.+_-]{0,19}$`)
)

// ParseManifest decodes and validates one manifest strictly: unknown keys, missing required
// fields and values outside the legacy enums are a *ManifestError naming file and field.
func ParseManifest(file string, data []byte) (*Profile, error) {
	p := &Profile{File: file}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(p); err != nil {
		return nil, &ManifestError{File: file, Field: yamlField(err), Reason: "is not a valid manifest: " + err.Error(),
			Fix: "write the legacy os-profiles format: appVersion, metadata, spec"}
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	if err := p.validateOS(); err != nil {
		return nil, err
	}
	return p, nil
}

// manifestField names the manifest field behind each OS resource field.
var manifestField = map[string]string{
	"name": "spec.name", "architecture": "spec.architecture", "image_url": "spec.osImageUrl", "image_id": "spec.osImageVersion",
	"sha256": "spec.osImageSha256", "profile_name": "spec.profileName", "profile_version": "spec.osImageVersion",
	"description": "spec.description", "installed_packages_url": "spec.osPackageManifestURL",
	"existing_cves_url": "spec.osExistingCvesURL", "fixed_cves_url": "spec.osFixedCvesURL", "platform_bundle": "spec.platformBundle",
}

// validateOS checks the OS resource the manifest makes against the apiv2 rules the inventory
// enforces (patterns, lengths), so that a manifest that loads is one the inventory stores.
func (p *Profile) validateOS() error {
	err := protovalidate.Validate(p.OS(), protovalidate.WithFilter(protovalidate.FilterFunc(
		func(m protoreflect.Message, d protoreflect.Descriptor) bool {
			f, ok := d.(protoreflect.FieldDescriptor)
			return !ok || m.Has(f)
		})))
	var ve *protovalidate.ValidationError
	if !errors.As(err, &ve) || len(ve.Violations) == 0 {
		return nil
	}
	v := ve.Violations[0].Proto
	field := protovalidate.FieldPathString(v.GetField())
	mf := manifestField[field]
	if mf == "" {
		mf = "spec"
	}
	return &ManifestError{File: p.File, Field: mf, Reason: "breaks the OS resource rule of " + field + ": " + v.GetMessage(),
		Fix: "use only the characters and length the apiv2 OperatingSystemResource allows"}
}

// yamlField names the field of a decoding error when the error names one.
func yamlField(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		if i := strings.Index(te.Errors[0], "field "); i >= 0 {
			name := strings.Fields(te.Errors[0][i+len("field "):])[0]
			if strings.HasSuffix(te.Errors[0], "osresource.Spec") {
				name = "spec." + name
			}
			return name
		}
	}
	return "(document)"
}

func (p *Profile) validate() error {
	s := p.Spec
	checks := []struct {
		ok           bool
		field, fix   string
		reason, what string
	}{
		{p.AppVersion == "apps/v1", "appVersion", "use apps/v1", "is not apps/v1", p.AppVersion},
		{s.Name != "" && len(s.Name) <= 128, "spec.name", "name the OS, at most 128 characters", "is empty or too long", s.Name},
		{osv1.OsType_value[s.Type] > 0, "spec.type", "use OS_TYPE_MUTABLE or OS_TYPE_IMMUTABLE", "is not an OS type", s.Type},
		{osv1.OsProviderKind_value[s.Provider] > 0, "spec.provider", "use OS_PROVIDER_KIND_INFRA or OS_PROVIDER_KIND_LENOVO",
			"is not an OS provider kind", s.Provider},
		{s.Architecture != "" && len(s.Architecture) <= 20, "spec.architecture", "e.g. x86_64", "is empty or too long", s.Architecture},
		{profileName.MatchString(s.ProfileName), "spec.profileName", "lower-case letters, digits, '.', '_' and '-'",
			"is not a profile name", s.ProfileName},
		{s.ProfileName == strings.TrimSuffix(strings.TrimSuffix(path.Base(p.File), ".yaml"), ".yml"), "spec.profileName",
			"name the file <profileName>.yaml", "differs from the file name", s.ProfileName},
		{s.OSImageURL != "" && len(s.OSImageURL) <= 1000, "spec.osImageUrl", "give the image's URL", "is empty or too long", s.OSImageURL},
		{version.MatchString(s.OSImageVersion), "spec.osImageVersion", "e.g. 22.04.5 (at most 20 characters)", "is not a version", s.OSImageVersion},
		{sha256Hex.MatchString(s.OSImageSha256), "spec.osImageSha256", "64 lower-case hex digits", "is not a SHA-256", s.OSImageSha256},
		{osv1.SecurityFeature_value[s.SecurityFeature] > 0, "spec.securityFeature",
			"use SECURITY_FEATURE_NONE or SECURITY_FEATURE_SECURE_BOOT_AND_FULL_DISK_ENCRYPTION", "is not a security feature", s.SecurityFeature},
		{len(s.Description) <= 500, "spec.description", "at most 500 characters", "is too long", ""},
	}
	for _, c := range checks {
		if !c.ok {
			reason := c.reason
			if c.what != "" {
				reason = fmt.Sprintf("%q %s", c.what, c.reason)
			}
			return &ManifestError{File: p.File, Field: c.field, Reason: reason, Fix: c.fix}
		}
	}
	return nil
}

// Version is the profile's version, the image version (legacy: an OS resource is one profile
// name at one version).
func (p *Profile) Version() string { return p.Spec.OSImageVersion }

// OS returns the OS resource the profile describes (without an id).
func (p *Profile) OS() *osv1.OperatingSystemResource {
	s := p.Spec
	os := &osv1.OperatingSystemResource{
		Name: s.Name, Architecture: s.Architecture, ImageUrl: s.OSImageURL, ImageId: s.OSImageVersion,
		Sha256: s.OSImageSha256, ProfileName: s.ProfileName, ProfileVersion: p.Version(), Description: s.Description,
		InstalledPackagesUrl: s.OSPackageManifestURL, ExistingCvesUrl: s.OSExistingCvesURL, FixedCvesUrl: s.OSFixedCvesURL,
		SecurityFeature: osv1.SecurityFeature(osv1.SecurityFeature_value[s.SecurityFeature]),
		OsType:          osv1.OsType(osv1.OsType_value[s.Type]),
		OsProvider:      osv1.OsProviderKind(osv1.OsProviderKind_value[s.Provider]),
	}
	if len(s.PlatformBundle) > 0 {
		b, _ := json.Marshal(s.PlatformBundle) // a map of strings always marshals
		os.PlatformBundle = string(b)
	}
	return os
}
