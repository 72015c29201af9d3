package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"

	locationv1 "github.com/eim-byoi/eim/api/gen/resources/location/v1"
	servicesv1 "github.com/eim-byoi/eim/api/gen/services/v1"
)

// regionService is an in-process services.v1.RegionService that records the requests it serves.
type regionService struct {
	servicesv1.UnimplementedRegionServiceServer
	mu   sync.Mutex
	list []*servicesv1.ListRegionsRequest
	get  []*servicesv1.GetRegionRequest
}

func (s *regionService) ListRegions(_ context.Context, in *servicesv1.ListRegionsRequest) (*servicesv1.ListRegionsResponse, error) {
	s.mu.Lock()
	s.list = append(s.list, in)
	s.mu.Unlock()
	return &servicesv1.ListRegionsResponse{
		Regions:       []*locationv1.RegionResource{{ResourceId: "region-1234abcd", Name: "us-west"}},
		TotalElements: 1,
	}, nil
}

func (s *regionService) GetRegion(_ context.Context, in *servicesv1.GetRegionRequest) (*locationv1.RegionResource, error) {
	s.mu.Lock()
	s.get = append(s.get, in)
	s.mu.Unlock()
	return &locationv1.RegionResource{ResourceId: in.GetResourceId(), Name: "us-west"}, nil
}

// TestWireGatewayRegions serves services.v1.RegionService through the generated grpc-gateway handlers,
// registered in-process with RegisterRegionServiceHandlerServer, at the legacy apiv2 paths.
func TestWireGatewayRegions(t *testing.T) {
	svc := &regionService{}
	mux := runtime.NewServeMux()
	if err := servicesv1.RegisterRegionServiceHandlerServer(context.Background(), mux, svc); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()

	do := func(method, path string) (int, map[string]any) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatalf("%s %s: decode: %v", method, path, err)
		}
		return resp.StatusCode, body
	}

	code, body := do(http.MethodGet, "/v1/projects/p1/regions?pageSize=5&filter=name%3Dus-west")
	if code != http.StatusOK {
		t.Fatalf("GET /v1/projects/p1/regions: %d %v", code, body)
	}
	regions, _ := body["regions"].([]any)
	if len(regions) != 1 || regions[0].(map[string]any)["name"] != "us-west" || body["totalElements"] != float64(1) {
		t.Errorf("GET /v1/projects/p1/regions answered %v", body)
	}
	if len(svc.list) != 1 || svc.list[0].GetProjectName() != "p1" || svc.list[0].GetPageSize() != 5 || svc.list[0].GetFilter() != "name=us-west" {
		t.Errorf("ListRegions received %v", svc.list)
	}

	// the legacy additional binding
	if code, body := do(http.MethodGet, "/edge-infra.orchestrator.apis/v2/regions"); code != http.StatusOK || len(svc.list) != 2 {
		t.Errorf("GET /edge-infra.orchestrator.apis/v2/regions: %d %v", code, body)
	}

	code, body = do(http.MethodGet, "/v1/projects/p1/regions/region-1234abcd")
	if code != http.StatusOK || body["resourceId"] != "region-1234abcd" {
		t.Errorf("GET /v1/projects/p1/regions/region-1234abcd: %d %v", code, body)
	}
	if len(svc.get) != 1 || svc.get[0].GetProjectName() != "p1" || svc.get[0].GetResourceId() != "region-1234abcd" {
		t.Errorf("GetRegion received %v", svc.get)
	}

	// a method the implementation leaves out is a gRPC Unimplemented, mapped to HTTP 501
	code, body = do(http.MethodDelete, "/v1/projects/p1/regions/region-1234abcd")
	if code != http.StatusNotImplemented || !strings.Contains(body["message"].(string), "DeleteRegion") {
		t.Errorf("DELETE /v1/projects/p1/regions/region-1234abcd: %d %v", code, body)
	}
}
