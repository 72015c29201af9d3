package osresource

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	osv1 "github.com/eim-byoi/eim/api/gen/resources/os/v1"
	providerv1 "github.com/eim-byoi/eim/api/gen/resources/provider/v1"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/config"
)

// The legacy onboarding provider: every project has one, whose config carries the
// auto-provisioning defaults the onboarding manager reads.
const (
	ProviderName     = "infra_onboarding"
	providerEndpoint = "xyz123" // the legacy os-resource-manager's placeholder
)

const (
	kindOS       = inventoryv1.ResourceKind_RESOURCE_KIND_OS
	kindProvider = inventoryv1.ResourceKind_RESOURCE_KIND_PROVIDER
)

// ProviderConfig is the JSON of the infra_onboarding provider's config field, as the legacy
// os-resource-manager wrote it and the onboarding manager reads it.
type ProviderConfig struct {
	// DefaultOs is the OS resource id auto-provisioning installs; AutoProvision turns it on;
	// DefaultLocalAccount is a local account id (the operator's); OSSecurityFeatureEnable the
	// legacy switch.
	DefaultOs               string `json:"defaultOs"`
	AutoProvision           bool   `json:"autoProvision"`
	DefaultLocalAccount     string `json:"defaultLocalAccount"`
	OSSecurityFeatureEnable bool   `json:"osSecurityFeatureEnable"`
}

// Result counts what reconciling one project did.
type Result struct {
	// Created, Updated and Unchanged count the OS resources.
	Created, Updated, Unchanged int
	// ProviderChanged says whether the infra_onboarding provider was created or updated.
	ProviderChanged bool
}

// Reconciler makes a project's OS resources and onboarding provider match the catalog.
type Reconciler struct {
	// Inventory is where the OS and provider resources are written.
	Inventory inventoryv1.InventoryServiceClient
	// Config is the osresource block: enabled profiles, auto-provisioning defaults.
	Config config.OSResource
}

// Enabled reports whether the profile becomes OS resources (osresource.enabledProfiles).
func (r *Reconciler) Enabled(name string) bool {
	return slices.Contains(r.Config.EnabledProfiles, "*") || slices.Contains(r.Config.EnabledProfiles, name)
}

// Tenant creates the OS resource of every enabled profile of cat that tenant lacks (by profile
// name and version), updates those whose manifest changed, and writes the provider's config.
// It never deletes an OS resource.
func (r *Reconciler) Tenant(ctx context.Context, tenant string, cat *Catalog) (Result, error) {
	var res Result
	ids := map[string]string{} // profile name -> OS resource id at the catalog's version
	for _, p := range cat.Profiles {
		if !r.Enabled(p.Spec.ProfileName) {
			continue
		}
		id, op, err := r.ensureOS(ctx, tenant, p)
		if err != nil {
			return res, fmt.Errorf("project %s, profile %s (%s): %w", tenant, p.Spec.ProfileName, p.File, err)
		}
		ids[p.Spec.ProfileName] = id
		switch op {
		case opCreated:
			res.Created++
		case opUpdated:
			res.Updated++
		default:
			res.Unchanged++
		}
	}
	if r.Config.DisableProviderAutomation {
		return res, nil
	}
	changed, err := r.ensureProvider(ctx, tenant, ids[r.Config.DefaultProfile])
	if err != nil {
		return res, fmt.Errorf("project %s, provider %s: %w", tenant, ProviderName, err)
	}
	res.ProviderChanged = changed
	return res, nil
}

type op int

const (
	opNone op = iota
	opCreated
	opUpdated
)

// ensureOS returns the id of p's OS resource in tenant, creating or updating it.
func (r *Reconciler) ensureOS(ctx context.Context, tenant string, p *Profile) (string, op, error) {
	want := p.OS()
	got, err := r.findOS(ctx, tenant, p.Spec.ProfileName, p.Version())
	if err != nil {
		return "", opNone, err
	}
	if got == nil {
		resp, err := r.Inventory.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: tenant,
			Resource: &inventoryv1.Resource{Resource: &inventoryv1.Resource_Os{Os: want}}})
		return resp.GetStored().GetResource().GetOs().GetResourceId(), opCreated, err
	}
	paths := differing(want, got.GetResource().GetOs())
	if len(paths) == 0 {
		return got.GetResource().GetOs().GetResourceId(), opNone, nil
	}
	id := got.GetResource().GetOs().GetResourceId()
	_, err = r.Inventory.UpdateResource(ctx, &inventoryv1.UpdateResourceRequest{TenantId: tenant, ResourceId: id,
		Resource:  &inventoryv1.Resource{Resource: &inventoryv1.Resource_Os{Os: want}},
		FieldMask: &fieldmaskpb.FieldMask{Paths: paths}, ExpectedRevision: got.GetRevision()})
	return id, opUpdated, err
}

// findOS returns the OS resource of a profile at a version, or nil.
func (r *Reconciler) findOS(ctx context.Context, tenant, name, version string) (*inventoryv1.Stored, error) {
	for offset := uint32(0); ; offset += 100 {
		resp, err := r.Inventory.ListResources(ctx, &inventoryv1.ListResourcesRequest{TenantId: tenant, Kind: kindOS,
			Filter: "profile_name=" + strconv.Quote(name), OrderBy: "resource_id", PageSize: 100, Offset: offset})
		if err != nil {
			return nil, err
		}
		for _, s := range resp.GetResources() {
			if s.GetResource().GetOs().GetProfileVersion() == version {
				return s, nil
			}
		}
		if !resp.GetHasNext() {
			return nil, nil
		}
	}
}

// managed are the OS resource fields a manifest sets.
var managed = []string{"name", "architecture", "image_url", "image_id", "sha256", "profile_name", "profile_version",
	"description", "installed_packages_url", "existing_cves_url", "fixed_cves_url", "security_feature", "os_type",
	"os_provider", "platform_bundle"}

// differing returns the managed fields whose values differ.
func differing(want, got *osv1.OperatingSystemResource) []string {
	w, g := want.ProtoReflect(), got.ProtoReflect()
	fields := w.Descriptor().Fields()
	var out []string
	for _, name := range managed {
		f := fields.ByName(protoreflect.Name(name))
		if !w.Get(f).Equal(g.Get(f)) {
			out = append(out, name)
		}
	}
	return out
}

// ensureProvider creates or updates the infra_onboarding provider's config; changed says
// whether it wrote.
func (r *Reconciler) ensureProvider(ctx context.Context, tenant, defaultOS string) (bool, error) {
	cfg := ProviderConfig{DefaultOs: defaultOS, AutoProvision: r.Config.AutoProvision,
		OSSecurityFeatureEnable: r.Config.OSSecurityFeatureEnable}
	got, err := r.Inventory.FindResource(ctx, &inventoryv1.FindResourceRequest{TenantId: tenant, Kind: kindProvider,
		Key: "name", Value: ProviderName})
	if provider.CodeOf(err) == provider.NotFound {
		b, _ := json.Marshal(cfg) // plain struct
		_, err = r.Inventory.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: tenant,
			Resource: &inventoryv1.Resource{Resource: &inventoryv1.Resource_Provider{Provider: &providerv1.ProviderResource{
				Name: ProviderName, ProviderKind: providerv1.ProviderKind_PROVIDER_KIND_BAREMETAL, ApiEndpoint: providerEndpoint,
				Config: string(b)}}}})
		return err == nil, err
	}
	if err != nil {
		return false, err
	}
	p := got.GetStored().GetResource().GetProvider()
	var have ProviderConfig
	if json.Unmarshal([]byte(p.GetConfig()), &have) == nil {
		cfg.DefaultLocalAccount = have.DefaultLocalAccount // the operator's choice, kept
		if have == cfg {
			return false, nil
		}
	}
	b, _ := json.Marshal(cfg) // plain struct
	upd := proto.Clone(p).(*providerv1.ProviderResource)
	upd.Config = string(b)
	_, err = r.Inventory.UpdateResource(ctx, &inventoryv1.UpdateResourceRequest{TenantId: tenant, ResourceId: p.GetResourceId(),
		Resource:  &inventoryv1.Resource{Resource: &inventoryv1.Resource_Provider{Provider: upd}},
		FieldMask: &fieldmaskpb.FieldMask{Paths: []string{"config"}}, ExpectedRevision: got.GetStored().GetRevision()})
	return err == nil, err
}
