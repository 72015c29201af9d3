package telemetry_test

import (
	"fmt"
	"net/http"

	"google.golang.org/grpc"

	"github.com/eim-byoi/eim/services/internal/telemetry"
)

// A process wraps its mux and gRPC server once; a router inside records its path template.
func Example() {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/projects/", func(_ http.ResponseWriter, r *http.Request) {
		telemetry.SetRoute(r.Context(), "/v1/projects/{name}") // the span is "<METHOD> /v1/projects/{name}"
	})
	handler := telemetry.HTTPHandler(mux)
	srv := grpc.NewServer(telemetry.ServerOption())
	defer srv.Stop()
	fmt.Println(handler != nil)
	// Output: true
}
