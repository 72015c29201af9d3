package api

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/reflect/protoreflect"

	servicesv1 "github.com/eim-byoi/eim/api/gen/services/v1"
	"github.com/eim-byoi/eim/api/openapi"
)

// scenarioServices returns the services.v1 services a legacy scenario serves, from its
// manifest. The manifests name the update services OSUpdatePolicyService and
// OSUpdateRunService, and the protos OSUpdatePolicy and OSUpdateRun; either spelling is read
// (the legacy API matched neither and served them under no scenario).
func scenarioServices(name string) ([]string, error) {
	raw, err := openapi.Legacy.ReadFile("legacy/apiv2-manifest-" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("api.scenario: %q is not a scenario; use fulleim, noobb or vpro", name)
	}
	var m struct {
		Services []string `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("api: scenario manifest %s: %w", name, err)
	}
	svcs := servicesv1.File_services_v1_services_proto.Services()
	out := make([]string, 0, len(m.Services))
	for _, s := range m.Services {
		switch {
		case svcs.ByName(protoreflect.Name(s)) != nil:
			out = append(out, s)
		case svcs.ByName(protoreflect.Name(strings.TrimSuffix(s, "Service"))) != nil:
			out = append(out, strings.TrimSuffix(s, "Service"))
		default:
			return nil, fmt.Errorf("api: scenario %s names service %s, which services.v1 does not have", name, s)
		}
	}
	return out, nil
}

// servedSpec returns the legacy apiv2 OpenAPI document narrowed to the operations of services:
// each operation's first tag is its service.
func servedSpec(services []string) ([]byte, error) {
	raw, err := openapi.Legacy.ReadFile("legacy/apiv2-openapi.yaml")
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("api: the legacy OpenAPI document: %w", err)
	}
	paths := mapValue(doc.Content[0], "paths")
	if paths == nil {
		return nil, fmt.Errorf("api: the legacy OpenAPI document has no paths")
	}
	var kept []*yaml.Node
	for i := 0; i+1 < len(paths.Content); i += 2 {
		item := paths.Content[i+1]
		var ops []*yaml.Node
		for j := 0; j+1 < len(item.Content); j += 2 {
			if tags := mapValue(item.Content[j+1], "tags"); tags == nil || len(tags.Content) == 0 ||
				slices.Contains(services, tags.Content[0].Value) {
				ops = append(ops, item.Content[j], item.Content[j+1])
			}
		}
		if len(ops) > 0 {
			item.Content = ops
			kept = append(kept, paths.Content[i], item)
		}
	}
	paths.Content = kept
	return yaml.Marshal(&doc)
}

// mapValue returns the value of key in mapping node m, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
