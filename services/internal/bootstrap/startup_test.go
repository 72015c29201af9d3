package bootstrap

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// TestStartupGate: until finish, a module's route answers 503 with Retry-After and the modules
// not started yet, a route marked served (health, a provider's endpoint) is served; after, the
// module's route is served.
func TestStartupGate(t *testing.T) {
	st := &Startup{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	st.serveWhileStarting("GET /healthz")
	st.modules([]string{"inventory", "api"})
	srv := httptest.NewServer(st.gate(mux))
	defer srv.Close()
	get := func(path string) (*http.Response, startingBody) {
		resp, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		var doc startingBody
		raw, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(raw, &doc)
		return resp, doc
	}
	tests := []struct {
		name    string
		setup   func()
		path    string
		code    int
		modules []string
	}{
		{"providers opening: a module route", func() {}, "/v1/projects", http.StatusServiceUnavailable, []string{"inventory", "api"}},
		{"health is served", func() {}, "/healthz", http.StatusOK, nil},
		{"a module starting", func() { st.starting("inventory") }, "/v1/projects", http.StatusServiceUnavailable, []string{"inventory", "api"}},
		{"the route mounted, its module not started", func() {
			st.started("inventory")
			st.starting("api")
			mux.HandleFunc("GET /v1/projects", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
		}, "/v1/projects", http.StatusServiceUnavailable, []string{"api"}},
		{"started: served", func() { st.started("api"); st.finish() }, "/v1/projects", http.StatusTeapot, nil},
		{"started: an unknown route is 404", func() {}, "/nope", http.StatusNotFound, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup()
			resp, doc := get(tt.path)
			assert.Equal(t, tt.code, resp.StatusCode)
			if tt.code == http.StatusServiceUnavailable {
				assert.Equal(t, "1", resp.Header.Get("Retry-After"))
				assert.Equal(t, "Unavailable", doc.Code)
				assert.Equal(t, tt.modules, doc.Modules)
				assert.Contains(t, doc.Message, "eim is starting")
			}
		})
	}
}

// TestGRPCHandoff: calls on the listener while starting are Unavailable with the modules not
// started yet; after the handoff the same client connection reaches the real server.
func TestGRPCHandoff(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &server{startup: &Startup{}}
	s.startup.modules([]string{"inventory"})
	real := s.answerWhileStarting(ln)
	cc, err := grpc.NewClient("passthrough:///"+ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer cc.Close()
	client := healthpb.NewHealthClient(cc)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = client.Check(ctx, &healthpb.HealthCheckRequest{})
	assert.Equal(t, codes.Unavailable, status.Code(err))
	assert.Contains(t, status.Convert(err).Message(), "module inventory not started yet")

	g := grpc.NewServer()
	healthpb.RegisterHealthServer(g, healthServing{})
	s.startup.finish()
	s.stopStarting()
	go func() { _ = g.Serve(real) }()
	defer g.Stop()
	for {
		resp, err := client.Check(ctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true))
		if err == nil {
			assert.Equal(t, healthpb.HealthCheckResponse_SERVING, resp.GetStatus())
			return
		}
		require.Equal(t, codes.Unavailable, status.Code(err), "only a transient Unavailable while the connection moves: %v", err)
		require.NoError(t, ctx.Err())
	}
}

type healthServing struct {
	healthpb.UnimplementedHealthServer
}

func (healthServing) Check(context.Context, *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}
