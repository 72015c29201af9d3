package api_test

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	servicesv1 "github.com/eim-byoi/eim/api/gen/services/v1"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/test/apitest"
)

// specOperations returns the operations ("GET /v1/...") of the document the API serves.
func specOperations(t *testing.T, bed *apitest.Bed) []string {
	r := bed.Do(t, "GET", "/openapi.yaml", "", nil)
	require.Equal(t, http.StatusOK, r.Status)
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	require.NoError(t, yaml.Unmarshal(r.Body, &doc))
	var ops []string
	for path, item := range doc.Paths {
		for method := range item {
			ops = append(ops, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(ops)
	return ops
}

// protoOperations returns the HTTP bindings of the services.v1 services named.
func protoOperations(services ...string) []string {
	var ops []string
	svcs := servicesv1.File_services_v1_services_proto.Services()
	for _, name := range services {
		methods := svcs.ByName(protoreflect.Name(name)).Methods()
		for i := range methods.Len() {
			rule := proto.GetExtension(methods.Get(i).Options(), annotations.E_Http).(*annotations.HttpRule)
			for _, b := range append([]*annotations.HttpRule{rule}, rule.GetAdditionalBindings()...) {
				ops = append(ops, binding(b))
			}
		}
	}
	sort.Strings(ops)
	return ops
}

func binding(b *annotations.HttpRule) string {
	switch p := b.GetPattern().(type) {
	case *annotations.HttpRule_Get:
		return "GET " + p.Get
	case *annotations.HttpRule_Post:
		return "POST " + p.Post
	case *annotations.HttpRule_Put:
		return "PUT " + p.Put
	case *annotations.HttpRule_Patch:
		return "PATCH " + p.Patch
	case *annotations.HttpRule_Delete:
		return "DELETE " + p.Delete
	}
	return "? " + b.String()
}

// diff returns the elements of a missing from b.
func diff(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// isRoutingError reports the answer of a path or method the gateway does not route.
func isRoutingError(r *apitest.Response) bool {
	return (r.Status == http.StatusNotFound && strings.Contains(string(r.Body), `"message":"Not Found"`)) ||
		r.Status == http.StatusMethodNotAllowed
}

// TestServedSpecMatchesWhatIsServed: the OpenAPI document the API serves lists exactly the
// HTTP bindings of the legacy protos it serves, every operation it lists is routed, and a
// scenario narrows both.
func TestServedSpecMatchesWhatIsServed(t *testing.T) {
	all := []string{"RegionService", "SiteService", "LocationService", "HostService", "InstanceService", "OperatingSystemService",
		"ProviderService", "WorkloadService", "WorkloadMemberService", "ScheduleService", "TelemetryLogsGroupService",
		"TelemetryMetricsGroupService", "TelemetryLogsProfileService", "TelemetryMetricsProfileService", "LocalAccountService",
		"CustomConfigService", "OSUpdatePolicy", "OSUpdateRun"}
	for _, tc := range []struct {
		scenario string
		services []string
	}{
		{"fulleim", all},
		{"vpro", []string{"HostService"}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			cfg := config.Default().API
			cfg.Scenario = tc.scenario
			bed := apitest.New(t, apitest.Options{Config: &cfg})
			spec, protos := specOperations(t, bed), protoOperations(tc.services...)
			assert.Empty(t, diff(spec, protos), "operations the document lists that the protos do not bind")
			assert.Empty(t, diff(protos, spec), "bindings of the protos the document does not list")
			name, id := bed.Project(t)
			tok := bed.Token(t, id)
			var unrouted []string
			for _, op := range spec {
				method, path, _ := strings.Cut(op, " ")
				path = strings.ReplaceAll(path, "{projectName}", name)
				path = pathParam.ReplaceAllString(path, "x")
				r := bed.Do(t, method, path, tok, "{}")
				if isRoutingError(r) {
					unrouted = append(unrouted, op)
				}
			}
			assert.Empty(t, unrouted, "operations of the document the API does not route")
			t.Logf("%s: %d operations listed, bound and routed", tc.scenario, len(spec))
			if tc.scenario == "vpro" {
				r := bed.Do(t, "GET", "/v1/projects/"+name+"/regions", tok, nil)
				assert.True(t, isRoutingError(r), "a service outside the scenario is not served: %d %s", r.Status, r.Body)
			}
		})
	}
}
