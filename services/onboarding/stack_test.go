package onboarding_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	onboardingv1 "github.com/eim-byoi/eim/api/gen/onboardingmgr/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/bootstrap"
	"github.com/eim-byoi/eim/services/module"
)

// stack is `eim serve` (the modules inventory, api and onboarding) run in the test's process on loopback
// listeners: the REST API on http, the southbound TLS listener on south (its generated CA in
// pool), and, for the test's own checks, the in-process inventory client and the identity
// provider the process opened.
type stack struct {
	http, south string
	pool        *x509.CertPool
	inv         inventoryv1.InventoryServiceClient
	id          *identity.Provider
	cfg         *config.Config
	log         *syncBuffer
	// stop ends the process (as SIGTERM would) and waits for it.
	stop func()
}

// syncBuffer is the process's log, printed when the test fails.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newConfig returns the embedded defaults in a fresh data directory, with target all: every
// module this binary builds (inventory, api and onboarding here; the onboarding profile also
// names osresource, and "onboarding" in a target list means that profile).
func newConfig(t *testing.T) *config.Config {
	cfg := config.Default()
	cfg.Target, cfg.DataDir = "all", t.TempDir()
	cfg.Log.Level = "debug"
	return cfg
}

// startStack serves cfg until the test ends and returns once /readyz answers 200.
func startStack(t *testing.T, cfg *config.Config) *stack {
	t.Helper()
	listen := func() net.Listener {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		return ln
	}
	httpLn, grpcLn, southLn := listen(), listen(), listen()
	cfg.Listen.HTTP, cfg.Listen.GRPC, cfg.Southbound.Address = httpLn.Addr().String(), grpcLn.Addr().String(), southLn.Addr().String()
	s := &stack{http: httpLn.Addr().String(), south: southLn.Addr().String(), cfg: cfg, log: &syncBuffer{}}
	mods := bootstrap.DefaultModules()
	inv := mods[module.Inventory]
	mods[module.Inventory] = func(d module.Deps) (module.Module, error) {
		m, err := inv(d)
		if err == nil {
			s.inv, s.id = m.(module.InventoryProvider).InventoryClient(), d.Identity
		}
		return m, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var runErr error
	go func() {
		defer close(done)
		runErr = bootstrap.Run(ctx, bootstrap.RunOptions{Config: cfg, Logger: slog.New(slog.NewJSONHandler(s.log, nil)),
			HTTPListener: httpLn, GRPCListener: grpcLn, SouthboundListener: southLn, Modules: mods})
	}()
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			cancel()
			<-done
			if t.Failed() {
				t.Logf("eim serve (%v) log:\n%s", runErr, s.log.String())
			}
		})
	}
	t.Cleanup(s.stop)
	s.waitReady(t, done)
	ca, err := os.ReadFile(filepath.Join(cfg.DataDir, "southbound", "ca.pem"))
	require.NoError(t, err)
	s.pool = x509.NewCertPool()
	require.True(t, s.pool.AppendCertsFromPEM(ca))
	return s
}

func (s *stack) waitReady(t *testing.T, done chan struct{}) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			t.Fatalf("eim serve ended before it was ready")
		default:
		}
		if code, _ := s.do(t, http.MethodGet, "/readyz", "", nil); code == http.StatusOK {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("eim serve not ready within 60s:\n%s", s.log.String())
}

// do calls the REST API and returns the status and body.
func (s *stack) do(t *testing.T, method, path, token string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, "http://"+s.http+path, r)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

// project creates a project (with id, when not empty) and returns its id.
func (s *stack) project(t *testing.T, name, id string) string {
	t.Helper()
	p, err := s.inv.CreateProject(context.Background(), &inventoryv1.CreateProjectRequest{Name: name, Id: id})
	require.NoError(t, err)
	return p.GetProject().GetId()
}

// mint signs a token with the embedded issuer.
func (s *stack) mint(t *testing.T, roles ...string) string {
	t.Helper()
	var m identity.Minter
	require.True(t, s.id.As(&m), "the embedded issuer mints tokens")
	tok, err := m.Mint(context.Background(), identity.Grant{Subject: "operator", Roles: roles})
	require.NoError(t, err)
	return tok
}

// conn dials the southbound TLS listener as a device does: TLS 1.3, trusting the generated CA.
func (s *stack) conn(t *testing.T) *grpc.ClientConn {
	t.Helper()
	c, err := grpc.NewClient(s.south, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: s.pool, MinVersion: tls.VersionTLS13})))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// device is a legacy device's onboarding client: one OnboardNodeStream.
type device struct {
	uuid, serial string
	stream       onboardingv1.NonInteractiveOnboardingService_OnboardNodeStreamClient
}

// newDevice opens the device's stream.
func (s *stack) newDevice(t *testing.T, uuid, serial string) *device {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	st, err := onboardingv1.NewNonInteractiveOnboardingServiceClient(s.conn(t)).OnboardNodeStream(ctx)
	require.NoError(t, err)
	return &device{uuid: uuid, serial: serial, stream: st}
}

// ask sends the device's hardware data and returns the answer.
func (d *device) ask(t *testing.T) *onboardingv1.OnboardNodeStreamResponse {
	t.Helper()
	require.NoError(t, d.stream.Send(&onboardingv1.OnboardNodeStreamRequest{Uuid: d.uuid, Serialnum: d.serial,
		MacId: "02:00:00:aa:bb:cc", HostIp: "10.0.0.7"}))
	resp, err := d.stream.Recv()
	require.NoError(t, err)
	return resp
}

// closed checks the server ended the stream.
func (d *device) closed(t *testing.T) {
	t.Helper()
	_, err := d.stream.Recv()
	require.True(t, errors.Is(err, io.EOF), "the stream ends: %v", err)
}

// hostPath is a host's REST path in a project.
func hostPath(project, id string) string { return "/v1/projects/" + project + "/compute/hosts/" + id }

// register registers a host through the REST API and returns its id.
func (s *stack) register(t *testing.T, projectName, token, uuid, serial string, autoOnboard bool) string {
	t.Helper()
	code, body := s.do(t, http.MethodPost, "/v1/projects/"+projectName+"/compute/hosts/register", token,
		map[string]any{"name": "edge-" + strings.ToLower(uuid[:8]), "uuid": uuid, "serialNumber": serial, "autoOnboard": autoOnboard})
	require.Equal(t, http.StatusOK, code, "%s", body)
	var h struct {
		ResourceID string `json:"resourceId"`
	}
	require.NoError(t, json.Unmarshal(body, &h))
	require.NotEmpty(t, h.ResourceID, "%s", body)
	return h.ResourceID
}

// hostByUUID returns the id of the project's host with uuid.
func (s *stack) hostByUUID(t *testing.T, e flowEnv, uuid string) string {
	t.Helper()
	resp, err := s.inv.FindResource(context.Background(), &inventoryv1.FindResourceRequest{TenantId: e.projectID,
		Kind: inventoryv1.ResourceKind_RESOURCE_KIND_HOST, Key: "uuid", Value: uuid})
	require.NoError(t, err)
	return resp.GetStored().GetResource().GetHost().GetResourceId()
}
