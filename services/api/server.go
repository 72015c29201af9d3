package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"buf.build/go/protovalidate"
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/prometheus/client_golang/prometheus"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/module"
)

// Options configure a Server.
type Options struct {
	// Inventory is the inventory the API serves.
	Inventory inventoryv1.InventoryServiceClient
	// Verifier verifies the callers' bearer tokens: the identity provider.
	Verifier identity.TokenVerifier
	// Config is the api block of eim.yaml.
	Config config.API
	// Modules and Target are the process's modules and target: GET /v1/orchestrator reports the
	// features they serve.
	Modules []string
	Target  string
	// Logger receives the access log; Metrics, when not nil, the RED metrics.
	Logger  *slog.Logger
	Metrics prometheus.Registerer
}

// Server is the northbound API as an http.Handler. It serves, under the paths of the legacy
// deployment:
//   - the apiv2 operations of the scenario's services: /v1/projects/{projectName}/... and
//     /edge-infra.orchestrator.apis/v2/... (project from the ActiveProjectID header);
//   - the tenancy project endpoints: /v1/projects, /v1/projects/{name}, /v1/projects/{name}/status;
//   - GET /v1/orchestrator, the installed features;
//   - GET /openapi.yaml, the apiv2 document of what it serves.
type Server struct {
	handler  http.Handler
	gateway  *runtime.ServeMux
	auth     *authorizer
	projects *projects
	features orchestratorInfo
	spec     []byte
	limit    int
}

var _ http.Handler = (*Server)(nil)

// New builds the API over o.Inventory.
func New(o Options) (*Server, error) {
	if o.Inventory == nil || o.Verifier == nil {
		return nil, fmt.Errorf("api: an inventory and a token verifier are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	services, err := scenarioServices(o.Config.Scenario)
	if err != nil {
		return nil, err
	}
	gw, err := newGateway(o.Inventory, services)
	if err != nil {
		return nil, err
	}
	spec, err := servedSpec(services)
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(o.Metrics)
	if err != nil {
		return nil, err
	}
	cache := newProjectCache(o.Inventory)
	auth := &authorizer{verifier: o.Verifier, projects: cache, read: o.Config.ReadRole, write: o.Config.WriteRole}
	s := &Server{gateway: gw, auth: auth, projects: &projects{inv: o.Inventory, auth: auth, cache: cache,
		teardown: slices.Contains(o.Modules, module.Tenant)},
		features: features(o.Modules, o.Target), spec: spec, limit: o.Config.MaxBodyBytes}
	s.handler = observe(m, o.Logger, http.HandlerFunc(s.route))
	return s, nil
}

// newGateway returns the grpc-gateway mux of services, served in process over inv.
func newGateway(inv inventoryv1.InventoryServiceClient, services []string) (*runtime.ServeMux, error) {
	kinds := newKindTable()
	b := &backend{inv: inv, kinds: kinds}
	ops, err := b.operations()
	if err != nil {
		return nil, err
	}
	v, err := protovalidate.New()
	if err != nil {
		return nil, fmt.Errorf("api: request validator: %w", err)
	}
	c := &conn{ops: ops, validator: v, kinds: kinds}
	mux := runtime.NewServeMux(
		// As the legacy API: lowerCamel JSON names, enums by name, every field present but what
		// the legacy document refuses (see responseJSON). Unlike it, an unknown field is an error
		// (the legacy API dropped it silently).
		runtime.WithMarshalerOption(runtime.MIMEWildcard, newResponseJSON(v, kinds)),
		runtime.WithErrorHandler(gatewayError),
		runtime.WithRoutingErrorHandler(routingError),
		runtime.WithDisableHTTPMethodOverride(),
		runtime.WithIncomingHeaderMatcher(func(string) (string, bool) { return "", false }),
		runtime.WithMiddlewares(routeOf),
	)
	regs := registrars()
	for _, name := range services {
		reg, ok := regs[name]
		if !ok {
			return nil, fmt.Errorf("api: service %s has no gateway registration", name)
		}
		if err := reg(context.Background(), mux, c); err != nil {
			return nil, fmt.Errorf("api: register %s: %w", name, err)
		}
	}
	return mux, nil
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Route prefixes.
const (
	projectsPath = "/v1/projects"
	legacyV2Path = "/edge-infra.orchestrator.apis/v2/"
	featuresPath = "/v1/orchestrator"
	specPath     = "/openapi.yaml"
)

// route dispatches a request by path.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	r, err := readBody(r, s.limit)
	if err != nil {
		writeError(w, err)
		return
	}
	path := r.URL.Path
	switch {
	case path == featuresPath:
		s.only(w, r, featuresPath, http.MethodGet, featureHandler(s.auth, s.features))
	case path == specPath:
		s.only(w, r, specPath, http.MethodGet, s.serveSpec)
	case path == projectsPath:
		s.only(w, r, projectsPath, http.MethodGet, s.projects.list)
	case strings.HasPrefix(path, projectsPath+"/"):
		s.projectPath(w, r, strings.TrimPrefix(path, projectsPath+"/"))
	case strings.HasPrefix(path, legacyV2Path):
		s.serveGateway(w, r, r.Header.Get(ProjectHeader))
	default:
		routingError(r.Context(), nil, nil, w, r, http.StatusNotFound)
	}
}

// projectPath serves /v1/projects/{name}[/...].
func (s *Server) projectPath(w http.ResponseWriter, r *http.Request, rest string) {
	name, sub, _ := strings.Cut(rest, "/")
	switch {
	case sub == "" && r.Method == http.MethodGet:
		s.noteRoute(r, projectsPath+"/{name}")
		s.projects.get(w, r, name, false)
	case sub == "" && r.Method == http.MethodPut:
		s.noteRoute(r, projectsPath+"/{name}")
		s.projects.put(w, r, name)
	case sub == "" && r.Method == http.MethodDelete:
		s.noteRoute(r, projectsPath+"/{name}")
		s.projects.remove(w, r, name)
	case sub == "":
		s.noteRoute(r, projectsPath+"/{name}")
		routingError(r.Context(), nil, nil, w, r, http.StatusMethodNotAllowed)
	case sub == "status":
		s.only(w, r, projectsPath+"/{name}/status", http.MethodGet, func(w http.ResponseWriter, r *http.Request) {
			s.projects.get(w, r, name, true)
		})
	default:
		if sub == summaryAlias {
			// The legacy document lists GET .../compute/hosts/summary, which the gateway would
			// read as the host "summary": it is the hosts_summary binding.
			r.URL.Path, r.URL.RawPath = projectsPath+"/"+name+"/compute/hosts_summary", ""
		}
		s.serveGateway(w, r, name)
	}
}

// summaryAlias is the host summary's path under a project, which the generated routes shadow.
const summaryAlias = "compute/hosts/summary"

// serveGateway authorizes a request in project and serves it with the generated handlers.
func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request, project string) {
	ctx, err := s.auth.authorize(r, project)
	if err != nil {
		writeError(w, err)
		return
	}
	noteCaller(ctx)
	s.gateway.ServeHTTP(w, r.WithContext(ctx))
}

// only serves r with h when its method is method, and answers 405 otherwise.
func (s *Server) only(w http.ResponseWriter, r *http.Request, route, method string, h http.HandlerFunc) {
	s.noteRoute(r, route)
	if r.Method != method {
		routingError(r.Context(), nil, nil, w, r, http.StatusMethodNotAllowed)
		return
	}
	h(w, r)
}

// noteRoute records the route of a request the gateway does not serve, for the metrics.
func (s *Server) noteRoute(r *http.Request, route string) {
	if rec, ok := r.Context().Value(recorderKey{}).(*recorder); ok {
		rec.route = route
	}
}

// serveSpec answers GET /openapi.yaml.
func (s *Server) serveSpec(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(s.spec)
}
