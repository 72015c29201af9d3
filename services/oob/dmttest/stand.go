// Package dmttest is a stand-in for the Device Management Toolkit's MPS and RPS on 127.0.0.1,
// driven by their OpenAPI specifications (spec/mps-swagger.yaml and spec/rps-swagger.yaml,
// copied unchanged from the DMT releases the legacy EMF used). Every request is routed and
// validated against the spec (path, parameters, security, body schema): a request that does
// not validate is a violation, which fails the test. Every answer is built from the spec's
// schemas and examples and validated against the operation's response schema before it is
// sent. The stand-in keeps state — devices and their power state, CIRA configurations and
// profiles per tenant (the tenant header) — so that a client's reconciliation is observable.
//
// It is not MPS or RPS: it does not speak CIRA or WS-Management to devices, and where the spec
// is silent (the 404 of a device MPS does not reach, the tenant scoping) it does what the DMT
// code does.
package dmttest

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/stretchr/testify/require"
)

//go:embed spec/*.yaml
var specs embed.FS

// Options configure a stand-in.
type Options struct {
	// Username and Password are MPS's login (POST /api/v1/authorize); defaults admin and
	// Adm1n!pass.
	Username, Password string
	// TokenTTL is the lifetime of the tokens MPS's login issues; default 1h.
	TokenTTL time.Duration
	// Verify, when set, checks the bearer tokens instead of the stand-in's own (tokens of an
	// identity provider, for a MPS behind a gateway).
	Verify func(ctx context.Context, token string) error
	// TenantHeader is the header naming the tenant; default ActiveProjectId.
	TenantHeader string
	// Violation reports a request or answer that does not match the spec; default t.Errorf.
	Violation func(format string, args ...any)
	// SettleReads is how many power state reads after a power action still report the state
	// before it, as a real device takes time to change; default 0 (at once).
	SettleReads int
}

// Request is one request the stand-in received.
type Request struct {
	Server, Method, Path, Tenant string
	Status                       int
}

// Stand is a running MPS and RPS stand-in.
type Stand struct {
	// MPSURL and RPSURL are the base URLs, http://127.0.0.1:<port>.
	MPSURL, RPSURL string

	o        Options
	mps, rps *server

	mu        sync.Mutex
	tokens    map[string]time.Time // issued token → expiry
	logins    int
	expired   int
	devices   map[string]*Device
	cira      map[string]map[string]map[string]any // tenant → name → CIRAConfigResponse
	profiles  map[string]map[string]map[string]any // tenant → name → ProfileResponse
	requests  []Request
	violation []string
	cert      string
}

// Device is a device MPS knows (connected over CIRA).
type Device struct {
	GUID, Tenant string
	// PowerState is the CIM power state MPS reports (2 on, 4 sleep, 7 hibernate, 8 off).
	PowerState int
	// Actions are the power actions received, in order.
	Actions []int
	// Deactivated is set by DELETE /api/v1/amt/deactivate.
	Deactivated bool

	pending  int // the state the last action leads to
	settling int // reads left before it is reached
}

// server is one of the two, with its spec.
type server struct {
	name   string
	router routers.Router
	ln     net.Listener
	srv    *http.Server
	addr   string
	handle func(r *call) (int, any)
}

// call is a validated request being answered.
type call struct {
	*http.Request
	route  *routers.Route
	params map[string]string
	body   []byte
	tenant string
}

// Start runs the stand-in until the test ends.
func Start(t testing.TB, o Options) *Stand {
	t.Helper()
	if o.Username == "" {
		o.Username, o.Password = "admin", "Adm1n!pass"
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = time.Hour
	}
	if o.TenantHeader == "" {
		o.TenantHeader = "ActiveProjectId"
	}
	if o.Violation == nil {
		o.Violation = t.Errorf
	}
	s := &Stand{o: o, tokens: map[string]time.Time{}, devices: map[string]*Device{},
		cira: map[string]map[string]map[string]any{}, profiles: map[string]map[string]map[string]any{}, cert: newCert(t)}
	s.mps = s.newServer(t, "mps", "spec/mps-swagger.yaml", s.handleMPS)
	s.rps = s.newServer(t, "rps", "spec/rps-swagger.yaml", s.handleRPS)
	s.MPSURL, s.RPSURL = "http://"+s.mps.addr, "http://"+s.rps.addr
	t.Cleanup(func() {
		s.mps.stop()
		s.rps.stop()
	})
	return s
}

func (s *Stand) newServer(t testing.TB, name, file string, handle func(*call) (int, any)) *server {
	t.Helper()
	b, err := specs.ReadFile(file)
	require.NoError(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")))
	require.NoError(t, err, file)
	doc.Servers = nil // route by path, whatever the host
	// The published specs carry a few examples that do not match their own schemas; the
	// schemas are what is checked.
	router, err := legacy.NewRouter(doc, openapi3.DisableExamplesValidation())
	require.NoError(t, err, file)
	srv := &server{name: name, router: router, handle: handle}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv.addr = ln.Addr().String()
	srv.serve(s, ln)
	return srv
}

func (srv *server) serve(s *Stand, ln net.Listener) {
	srv.ln = ln
	srv.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serveHTTP(srv, w, r) }),
		ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.srv.Serve(ln) }()
}

func (srv *server) stop() {
	if srv.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.srv.Shutdown(ctx)
		srv.srv = nil
	}
}

// StopMPS closes MPS's listener: calls to it are refused until StartMPS.
func (s *Stand) StopMPS() { s.mps.stop() }

// StartMPS listens again on MPS's address.
func (s *Stand) StartMPS(t testing.TB) {
	t.Helper()
	var ln net.Listener
	require.Eventually(t, func() bool {
		var err error
		ln, err = net.Listen("tcp", s.mps.addr)
		return err == nil
	}, 10*time.Second, 10*time.Millisecond, "MPS's address is free again")
	s.mps.serve(s, ln)
}

// serveHTTP routes and validates a request, answers it and validates the answer.
func (s *Stand) serveHTTP(srv *server, w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	c := &call{Request: r, body: body, tenant: r.Header.Get(s.o.TenantHeader)}
	status, out := s.answer(srv, c)
	var data []byte
	if out != nil {
		data, _ = json.Marshal(out)
		w.Header().Set("Content-Type", "application/json")
	}
	if c.route != nil && status != http.StatusUnauthorized {
		in := &openapi3filter.RequestValidationInput{Request: r, PathParams: c.params, Route: c.route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
		resp := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: w.Header(),
			Options: &openapi3filter.Options{MultiError: true}}
		resp.SetBodyBytes(data)
		if err := openapi3filter.ValidateResponse(r.Context(), resp); err != nil {
			s.violate("%s answer %d to %s %s does not match the spec: %v", srv.name, status, r.Method, r.URL.Path, err)
		}
	}
	s.mu.Lock()
	s.requests = append(s.requests, Request{Server: srv.name, Method: r.Method, Path: r.URL.Path, Tenant: c.tenant, Status: status})
	s.mu.Unlock()
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

func (s *Stand) answer(srv *server, c *call) (int, any) {
	route, params, err := srv.router.FindRoute(c.Request)
	if err != nil {
		s.violate("%s has no operation %s %s: %v", srv.name, c.Method, c.URL.Path, err)
		return http.StatusNotFound, map[string]string{"error": "Not Found"}
	}
	c.route, c.params = route, params
	in := &openapi3filter.RequestValidationInput{Request: c.Request, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: s.authenticate(c)}}
	err = openapi3filter.ValidateRequest(c.Context(), in)
	var sec *openapi3filter.SecurityRequirementsError
	switch {
	case errors.As(err, &sec):
		return http.StatusUnauthorized, nil
	case err != nil:
		s.violate("%s request %s %s does not match the spec: %v", srv.name, c.Method, c.URL.Path, err)
		return http.StatusBadRequest, map[string]string{"error": "Bad Request", "message": err.Error()}
	}
	c.Body = io.NopCloser(bytes.NewReader(c.body))
	return srv.handle(c)
}

// authenticate checks the bearer token (the spec's BearerAuth); MPS's login itself is open.
func (s *Stand) authenticate(c *call) openapi3filter.AuthenticationFunc {
	return func(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
		if c.URL.Path == "/api/v1/authorize" {
			return nil
		}
		tok, ok := strings.CutPrefix(c.Header.Get("Authorization"), "Bearer ")
		if !ok || tok == "" {
			return errors.New("no bearer token")
		}
		if s.o.Verify != nil {
			return s.o.Verify(ctx, tok)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		exp, ok := s.tokens[tok]
		switch {
		case !ok:
			return errors.New("unknown token")
		case time.Now().After(exp):
			s.expired++
			return errors.New("token expired")
		}
		return nil
	}
}

func (s *Stand) violate(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.mu.Lock()
	s.violation = append(s.violation, msg)
	s.mu.Unlock()
	s.o.Violation("dmttest: %s", msg)
}

// decode reads the validated JSON body.
func (c *call) decode(v any) error { return json.Unmarshal(c.body, v) }

// Requests returns the requests received so far.
func (s *Stand) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Violations returns the spec violations seen so far.
func (s *Stand) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violation...)
}

// Logins returns how many tokens MPS's login issued; Expired how many calls came with an
// expired one.
func (s *Stand) Logins() (logins, expired int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins, s.expired
}

// RevokeTokens forgets every issued token (as a restarted MPS with a new signing key would).
func (s *Stand) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]time.Time{}
}
