package maintenance_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
	"github.com/eim-byoi/eim/internal/testlog"
	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/bootstrap"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/services/maintenance"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/services/process"
	"github.com/eim-byoi/eim/test/dbtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// stack is the real process (inventory, api, maintenance) run in this test process by
// bootstrap.Run on loopback listeners, and an agent's TLS connection to its southbound listener.
type stack struct {
	cfg    *config.Config
	base   string // the API's base URL
	agent  maintmgrv1.MaintmgrServiceClient
	logs   *testlog.Buffer
	pgDB   *pgDatabase // set on PostgreSQL
	grpc   string      // the gRPC listener's address (the inventory's API)
	client *http.Client
}

// pgDatabase is the PostgreSQL database of a stack, with its owner's credentials.
type pgDatabase struct {
	pg      *dbtest.Postgres
	db      dbtest.Database
	runtime string
}

func listenLoopback(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return ln
}

// startStack runs the process over SQLite or PostgreSQL until the test ends.
func startStack(t testing.TB, dialect string) *stack {
	t.Helper()
	dir := t.TempDir()
	doc := fmt.Sprintf("target: inventory,api,maintenance\ndataDir: %s\nlog: {level: warn}\n", dir)
	s := &stack{logs: &testlog.Buffer{}, client: &http.Client{Timeout: 30 * time.Second}}
	if dialect == "postgres" {
		doc += s.postgres(t, dir)
	}
	cfg, err := config.Load([]byte(doc), config.Options{File: "eim.yaml", Sources: kinds.Sources()})
	require.NoError(t, err)
	s.cfg = cfg
	httpLn, grpcLn, southLn := listenLoopback(t), listenLoopback(t), listenLoopback(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- bootstrap.Run(ctx, bootstrap.RunOptions{Config: cfg, Logger: s.logs.Logger(), Version: "test",
			HTTPListener: httpLn, GRPCListener: grpcLn, SouthboundListener: southLn})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the process stopped with %v; logs:\n%s", err, s.logs.String())
		}
	})
	s.base, s.grpc = "http://"+httpLn.Addr().String(), grpcLn.Addr().String()
	require.Eventually(t, func() bool {
		resp, err := s.client.Get(s.base + "/readyz")
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 2*time.Minute, 50*time.Millisecond, "the process is not ready; logs:\n%s", s.logs)
	s.agent = maintmgrv1.NewMaintmgrServiceClient(agentConn(t, filepath.Join(dir, "southbound", "ca.pem"), southLn.Addr().String()))
	return s
}

// postgres returns the providers.database block of a fresh PostgreSQL database of the test bed.
func (s *stack) postgres(t testing.TB, dir string) string {
	t.Helper()
	pg := dbtest.NewPostgres(t, false)
	db := pg.Fresh(t)
	s.pgDB = &pgDatabase{pg: pg, db: db, runtime: db.Runtime.User}
	write := func(name, v string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(v), 0o600))
		return p
	}
	return fmt.Sprintf(`providers:
  database:
    type: postgres
    config:
      host: %s
      port: %d
      database: %s
      user: %s
      password: {file: %s}
      migration: {user: %s, password: {file: %s}}
      tls: {mode: disable}
`, pg.Server.Host, pg.Server.Port, db.Name, db.Runtime.User, write("rt-pw", db.Runtime.Password),
		db.Migration.User, write("mig-pw", db.Migration.Password))
}

// agentConn dials the southbound listener as the platform-update-agent does: TLS 1.3, ALPN h2,
// trusting the CA the process generated.
func agentConn(t testing.TB, caFile, addr string) *grpc.ClientConn {
	t.Helper()
	ca, err := os.ReadFile(caFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(ca))
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{
		RootCAs: pool, MinVersion: tls.VersionTLS13, ServerName: "127.0.0.1"})))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// project creates a project through eim token and returns its name with an operator token
// (im-rw) and an agent token (en-agent-rw) of the embedded issuer.
func (s *stack) project(t testing.TB) (name, id, operator, agent string) {
	t.Helper()
	name = testenv.Unique(t, "p")
	mint := func(role string) string {
		tok, err := process.MintToken(context.Background(), s.cfg, s.logs.Logger(), nil,
			process.TokenRequest{Project: name, Create: true, Roles: []string{role}, Subject: role + "-" + name})
		require.NoError(t, err)
		id = tok.ProjectID
		return tok.Token
	}
	return name, id, mint("im-rw"), mint(s.cfg.Southbound.AgentRole)
}

// inventoryClient is a client of the process's inventory gRPC API, with a token of the
// inventory's service role.
func (s *stack) inventoryClient(t testing.TB) (inventoryv1.InventoryServiceClient, string) {
	t.Helper()
	tok, err := process.MintToken(context.Background(), s.cfg, s.logs.Logger(), nil,
		process.TokenRequest{GlobalRoles: []string{s.cfg.Inventory.ServiceRole}, Subject: "bench"})
	require.NoError(t, err)
	conn, err := grpc.NewClient(s.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return inventoryv1.NewInventoryServiceClient(conn), tok.Token
}

// poll calls PlatformUpdateStatus with token, as the agent does on each tick.
func (s *stack) poll(token, guid string, st *maintmgrv1.UpdateStatus) (*maintmgrv1.PlatformUpdateStatusResponse, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
	return s.agent.PlatformUpdateStatus(ctx, &maintmgrv1.PlatformUpdateStatusRequest{HostGuid: guid, UpdateStatus: st})
}

// settle waits until the view's last read of the change log is older than its maximum age:
// every change committed before the call is then in the answer of the next poll.
func (s *stack) settle() { time.Sleep(maintenance.DefaultViewMaxAge) }

// do calls the northbound API and decodes a JSON answer into a map.
func (s *stack) do(t testing.TB, method, path, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	out := map[string]any{}
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &out), "body: %s", raw)
	}
	return resp.StatusCode, out
}

// create POSTs body to the project's collection and returns the new resource's id.
func (s *stack) create(t testing.TB, project, token, collection string, body map[string]any) string {
	t.Helper()
	code, out := s.do(t, http.MethodPost, "/v1/projects/"+project+"/"+collection, token, body)
	require.Equal(t, http.StatusOK, code, "POST %s: %v", collection, out)
	id, _ := out["resourceId"].(string)
	require.NotEmpty(t, id, "POST %s: %v", collection, out)
	return id
}

// get reads a resource of the project.
func (s *stack) get(t testing.TB, project, token, path string) map[string]any {
	t.Helper()
	code, out := s.do(t, http.MethodGet, "/v1/projects/"+project+"/"+path, token, nil)
	require.Equal(t, http.StatusOK, code, "GET %s: %v", path, out)
	return out
}

// newGUID is a host GUID of the test's own.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// localInventory is an in-process inventory over the process's database: the raw reads of the
// benchmarks, without the process's listeners.
func (s *stack) localInventory(t testing.TB) inventoryv1.InventoryServiceClient {
	t.Helper()
	db, closeDB, err := bootstrap.OpenDatabase(context.Background(), bootstrap.Options{Config: s.cfg, Logger: s.logs.Logger()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = closeDB(context.Background()) })
	m, err := inventory.Factory(module.Deps{Set: kinds.Set{Storage: db}})
	require.NoError(t, err)
	return m.(module.InventoryProvider).InventoryClient()
}
