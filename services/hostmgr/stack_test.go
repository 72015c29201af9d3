package hostmgr_test

import (
	"context"
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

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	pb "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	osv1 "github.com/eim-byoi/eim/api/gen/resources/os/v1"
	"github.com/eim-byoi/eim/internal/testlog"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/bootstrap"
	"github.com/eim-byoi/eim/services/internal/southbound"
	"github.com/eim-byoi/eim/services/inventory"
	"github.com/eim-byoi/eim/test/dbtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// stack is `eim serve --target inventory,api,hostmgr` run in process on loopback: the agents'
// TLS southbound listener (trusting its generated CA), the REST API, and the inventory's gRPC
// API reached over loopback with a service token, as another process would.
type stack struct {
	api    string // http://127.0.0.1:port
	grpc   string // the inventory's gRPC API, host:port
	svc    string // a token holding the inventory's service role
	agents *grpc.ClientConn
	inv    inventoryv1.InventoryServiceClient
	minter identity.Minter
	logs   *testlog.Buffer
}

// stackOptions tune a stack: the database dialect (sqlite or postgres) and the hostmgr block.
type stackOptions struct {
	dialect string
	hostmgr config.HostMgr
}

func startStack(t *testing.T, o stackOptions) *stack {
	t.Helper()
	cfg := stackConfig(t, o)
	lns := make([]net.Listener, 3)
	for i := range lns {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		lns[i] = ln
	}
	st := &stack{api: "http://" + lns[0].Addr().String(), logs: new(testlog.Buffer)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- bootstrap.Run(ctx, bootstrap.RunOptions{Config: cfg, Logger: st.logs.Logger(),
			HTTPListener: lns[0], GRPCListener: lns[1], SouthboundListener: lns[2]})
	}()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	st.waitReady(t, done)
	st.minter = openMinter(t, cfg)
	st.agents = dialAgents(t, cfg.DataDir, lns[2].Addr().String())
	st.grpc, st.svc = lns[1].Addr().String(), st.token(t, "eim-hostmgr-test", cfg.Inventory.ServiceRole)
	remote, err := inventory.Dial(st.grpc, nil, bearer(st.svc))
	require.NoError(t, err)
	t.Cleanup(func() { _ = remote.Close() })
	st.inv = retrying{remote}
	return st
}

func stackConfig(t *testing.T, o stackOptions) *config.Config {
	t.Helper()
	doc := "target: inventory,api,hostmgr\ndataDir: " + t.TempDir() + "\n"
	if o.dialect == "postgres" {
		pg := dbtest.NewPostgres(t, false)
		d := pg.Fresh(t)
		t.Setenv("EIM_TEST_DB_PASSWORD", d.Runtime.Password)
		t.Setenv("EIM_TEST_MIG_PASSWORD", d.Migration.Password)
		doc += fmt.Sprintf(`providers:
  database:
    type: postgres
    config:
      host: %s
      port: %d
      database: %s
      user: %s
      password: {env: EIM_TEST_DB_PASSWORD}
      runtimeRole: %s
      migration: {user: %s, password: {env: EIM_TEST_MIG_PASSWORD}}
      tls: {mode: disable}
`, pg.Server.Host, pg.Server.Port, d.Name, d.Runtime.User, d.Runtime.User, d.Migration.User)
	}
	cfg, err := config.Load([]byte(doc), config.Options{File: "eim.yaml", Environ: os.Environ(), Sources: kinds.Sources()})
	require.NoError(t, err, doc)
	if o.hostmgr.HeartbeatInterval != 0 {
		cfg.HostMgr = o.hostmgr
	}
	require.NoError(t, cfg.Validate())
	return cfg
}

func (st *stack) waitReady(t *testing.T, done chan error) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("eim stopped before it was ready: %v\n%s", err, st.logs.String())
		default:
		}
		resp, err := http.Get(st.api + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("eim not ready:\n%s", st.logs.String())
}

// openMinter opens the process's own embedded issuer (the same secrets store, the same keys).
func openMinter(t *testing.T, cfg *config.Config) identity.Minter {
	t.Helper()
	var want []kinds.Kind
	for _, name := range []string{kinds.Secrets, kinds.Identity} {
		k, ok := kinds.ByName(name)
		require.True(t, ok)
		want = append(want, k)
	}
	app, err := bootstrap.OpenProviders(context.Background(), bootstrap.Options{Config: cfg, Logger: new(testlog.Buffer).Logger(), Kinds: want})
	require.NoError(t, err)
	t.Cleanup(func() { _ = app.Shutdown(context.Background()) })
	var m identity.Minter
	require.True(t, app.Set().Identity.As(&m), "the embedded issuer mints tokens")
	return m
}

// dialAgents connects as the legacy agents do: TLS 1.3 with ALPN h2, trusting the generated
// CA, server authentication only.
func dialAgents(t *testing.T, dataDir, addr string) *grpc.ClientConn {
	t.Helper()
	ca, err := os.ReadFile(filepath.Join(dataDir, "southbound", southbound.CAFile))
	require.NoError(t, err)
	roots := x509.NewCertPool()
	require.True(t, roots.AppendCertsFromPEM(ca))
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: roots, ServerName: "localhost",
		MinVersion: tls.VersionTLS13})), grpc.WithUnaryInterceptor(retryUnavailable))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// token mints a token of the process's issuer holding roles.
func (st *stack) token(t *testing.T, subject string, roles ...string) string {
	t.Helper()
	tok, err := st.minter.Mint(context.Background(), identity.Grant{Subject: subject, Roles: roles, TTL: time.Hour})
	require.NoError(t, err)
	return tok
}

// tenant is a project with an agent's and an operator's token.
type tenant struct {
	name, id      string
	agent, reader string
}

func (st *stack) tenant(t *testing.T) tenant {
	t.Helper()
	p, err := st.inv.CreateProject(context.Background(), &inventoryv1.CreateProjectRequest{Name: testenv.Unique(t, "p")})
	require.NoError(t, err)
	id := p.GetProject().GetId()
	return tenant{name: p.GetProject().GetName(), id: id,
		agent: st.token(t, "edgenode-"+id[:8], id+"_en-agent-rw"), reader: st.token(t, "operator", id+"_im-r")}
}

// host registers a host with a new GUID, with an instance when withInstance; it returns the
// GUID and the host's resource id.
func (st *stack) host(t *testing.T, tn tenant, withInstance bool) (guid, id string) {
	t.Helper()
	ctx := context.Background()
	guid = uuid.NewString()
	got, err := st.inv.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: tn.id, Resource: &inventoryv1.Resource{
		Resource: &inventoryv1.Resource_Host{Host: &computev1.HostResource{Name: "edge-host", Uuid: guid}}}})
	require.NoError(t, err)
	id = got.GetStored().GetResource().GetHost().GetResourceId()
	if withInstance {
		os, err := st.inv.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: tn.id, Resource: &inventoryv1.Resource{
			Resource: &inventoryv1.Resource_Os{Os: &osv1.OperatingSystemResource{Name: "ubuntu", ImageUrl: "https://example.com/u.img",
				Sha256: "0000000000000000000000000000000000000000000000000000000000000000", ProfileName: "ubuntu"}}}})
		require.NoError(t, err)
		_, err = st.inv.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: tn.id, Resource: &inventoryv1.Resource{
			Resource: &inventoryv1.Resource_Instance{Instance: &computev1.InstanceResource{Name: "inst-" + guid[:8],
				Kind: computev1.InstanceKind_INSTANCE_KIND_METAL, HostID: id, OsID: os.GetStored().GetResource().GetOs().GetResourceId()}}}})
		require.NoError(t, err)
	}
	return guid, id
}

// revision is the tenant's inventory revision: it moves with every write.
func (st *stack) revision(t *testing.T, tenantID string) int64 {
	t.Helper()
	resp, err := st.inv.ListChanges(context.Background(), &inventoryv1.ListChangesRequest{TenantId: tenantID, PageSize: 1})
	require.NoError(t, err)
	return resp.GetCurrentRevision()
}

// getHost reads the host through the northbound REST API, as an operator sees it.
func (st *stack) getHost(t *testing.T, tn tenant, id string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, st.api+"/v1/projects/"+tn.name+"/compute/hosts/"+id, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tn.reader)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	var out map[string]any
	require.NoError(t, json.Unmarshal(body, &out))
	return out
}

// hostmgr is the agents' client; token is sent as the agents send it ("" sends none).
func (st *stack) call(token string) (pb.HostmgrClient, context.Context) {
	ctx := context.Background()
	switch token {
	case "":
	case emptyToken:
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer ")
	default:
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
	}
	return pb.NewHostmgrClient(st.agents), ctx
}

// emptyToken stands for an agent's empty token file: "Bearer " with nothing after it.
const emptyToken = "\x00empty"

// bearer adds a bearer token to every call (plaintext loopback).
type bearer string

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(b)}, nil
}

func (bearer) RequireTransportSecurity() bool { return false }

var _ credentials.PerRPCCredentials = bearer("")

func fieldMask(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

// metrics returns the process's Prometheus exposition.
func (st *stack) metrics(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(st.api + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return string(body)
}

// retryUnavailable retries a call answered Unavailable, as the agents do (a few times here):
// on SQLite a write can meet another writer's lock (the outbox relay's) and be rolled back.
func retryUnavailable(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	var err error
	for range 20 {
		if err = invoker(ctx, method, req, reply, cc, opts...); status.Code(err) != codes.Unavailable {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

// retrying is the inventory client of the tests' setup, retrying writes the database aborted
// (SQLite's SQLITE_BUSY against a concurrent writer), as the inventory's Aborted asks.
type retrying struct {
	inventoryv1.InventoryServiceClient
}

func retryAborted[T any](call func() (T, error)) (T, error) {
	var out T
	var err error
	for range 20 {
		if out, err = call(); status.Code(err) != codes.Aborted {
			return out, err
		}
		time.Sleep(20 * time.Millisecond)
	}
	return out, err
}

func (r retrying) CreateProject(ctx context.Context, in *inventoryv1.CreateProjectRequest, opts ...grpc.CallOption) (*inventoryv1.CreateProjectResponse, error) {
	return retryAborted(func() (*inventoryv1.CreateProjectResponse, error) {
		return r.InventoryServiceClient.CreateProject(ctx, in, opts...)
	})
}

func (r retrying) CreateResource(ctx context.Context, in *inventoryv1.CreateResourceRequest, opts ...grpc.CallOption) (*inventoryv1.CreateResourceResponse, error) {
	return retryAborted(func() (*inventoryv1.CreateResourceResponse, error) {
		return r.InventoryServiceClient.CreateResource(ctx, in, opts...)
	})
}

func (r retrying) UpdateResource(ctx context.Context, in *inventoryv1.UpdateResourceRequest, opts ...grpc.CallOption) (*inventoryv1.UpdateResourceResponse, error) {
	return retryAborted(func() (*inventoryv1.UpdateResourceResponse, error) {
		return r.InventoryServiceClient.UpdateResource(ctx, in, opts...)
	})
}

func (r retrying) DeleteResource(ctx context.Context, in *inventoryv1.DeleteResourceRequest, opts ...grpc.CallOption) (*inventoryv1.DeleteResourceResponse, error) {
	return retryAborted(func() (*inventoryv1.DeleteResourceResponse, error) {
		return r.InventoryServiceClient.DeleteResource(ctx, in, opts...)
	})
}
