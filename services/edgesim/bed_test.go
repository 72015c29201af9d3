package edgesim_test

import (
	"context"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	hostmgr "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
	"github.com/eim-byoi/eim/internal/testlog"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/identity/local"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	_ "github.com/eim-byoi/eim/providers/secrets/local" // the embedded issuer's key store
	"github.com/eim-byoi/eim/services/edgesim"
	"github.com/eim-byoi/eim/services/internal/southbound"
)

// agentRole is the role the recorder requires, as the managers do.
const agentRole = "en-agent-rw"

// nodeRecord is what the server saw of one node.
type nodeRecord struct {
	projects   map[string]bool
	subjects   map[string]bool
	systemInfo int
	heartbeats int
	polls      int
	statuses   []maintmgrv1.UpdateStatus_StatusType // each change of the reported update status
	instance   []hostmgr.InstanceStatus             // each change of the reported instance status
	lastInfo   *hostmgr.SystemInfo
	changedAt  time.Time // when the server last recorded a change (system information, a status)
}

// recorder implements the legacy Hostmgr and MaintmgrService servers and records every call
// that reaches them (that is, every call whose token the southbound listener verified).
type recorder struct {
	hostmgr.UnimplementedHostmgrServer
	maintmgrv1.UnimplementedMaintmgrServiceServer

	mu    sync.Mutex
	nodes map[string]*nodeRecord
	calls map[string]int
	// answer returns the poll's answer for a project.
	answer func(project string) *maintmgrv1.PlatformUpdateStatusResponse
}

func newRecorder() *recorder {
	return &recorder{nodes: map[string]*nodeRecord{}, calls: map[string]int{},
		answer: func(string) *maintmgrv1.PlatformUpdateStatusResponse {
			return &maintmgrv1.PlatformUpdateStatusResponse{}
		}}
}

// record validates req as the managers do, resolves the caller's project and returns the
// node's record, locked.
func (r *recorder) record(ctx context.Context, rpc, guid string, req interface{ ValidateAll() error }) (*nodeRecord, string, error) {
	if err := req.ValidateAll(); err != nil {
		return nil, "", provider.GRPCError(provider.Errorf(provider.InvalidArgument, "%v", err))
	}
	project, err := southbound.Project(ctx, agentRole)
	if err != nil {
		return nil, "", err
	}
	p, _ := identity.FromContext(ctx)
	r.mu.Lock()
	n := r.nodes[guid]
	if n == nil {
		n = &nodeRecord{projects: map[string]bool{}, subjects: map[string]bool{}}
		r.nodes[guid] = n
	}
	n.projects[project], n.subjects[p.Subject] = true, true
	r.calls[rpc]++
	return n, project, nil
}

func (r *recorder) UpdateHostSystemInfoByGUID(ctx context.Context, req *hostmgr.UpdateHostSystemInfoByGUIDRequest) (*hostmgr.UpdateHostSystemInfoByGUIDResponse, error) {
	n, _, err := r.record(ctx, edgesim.RPCSystemInfo, req.GetHostGuid(), req)
	if err != nil {
		return nil, err
	}
	defer r.mu.Unlock()
	n.systemInfo++
	n.lastInfo = req.GetSystemInfo()
	n.changedAt = time.Now()
	return &hostmgr.UpdateHostSystemInfoByGUIDResponse{}, nil
}

func (r *recorder) UpdateInstanceStateStatusByHostGUID(ctx context.Context, req *hostmgr.UpdateInstanceStateStatusByHostGUIDRequest) (*hostmgr.UpdateInstanceStateStatusByHostGUIDResponse, error) {
	n, _, err := r.record(ctx, edgesim.RPCInstance, req.GetHostGuid(), req)
	if err != nil {
		return nil, err
	}
	defer r.mu.Unlock()
	n.heartbeats++
	if len(n.instance) == 0 || n.instance[len(n.instance)-1] != req.GetInstanceStatus() {
		n.instance = append(n.instance, req.GetInstanceStatus())
		n.changedAt = time.Now()
	}
	return &hostmgr.UpdateInstanceStateStatusByHostGUIDResponse{}, nil
}

func (r *recorder) PlatformUpdateStatus(ctx context.Context, req *maintmgrv1.PlatformUpdateStatusRequest) (*maintmgrv1.PlatformUpdateStatusResponse, error) {
	n, project, err := r.record(ctx, edgesim.RPCUpdateStatus, req.GetHostGuid(), req)
	if err != nil {
		return nil, err
	}
	defer r.mu.Unlock()
	n.polls++
	st := req.GetUpdateStatus().GetStatusType()
	if len(n.statuses) == 0 || n.statuses[len(n.statuses)-1] != st {
		n.statuses = append(n.statuses, st)
		n.changedAt = time.Now()
	}
	return r.answer(project), nil
}

// snapshot returns a copy of the records.
func (r *recorder) snapshot() (map[string]nodeRecord, map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	nodes := make(map[string]nodeRecord, len(r.nodes))
	for g, n := range r.nodes {
		c := *n
		c.statuses, c.instance = slices.Clone(n.statuses), slices.Clone(n.instance)
		nodes[g] = c
	}
	calls := make(map[string]int, len(r.calls))
	for k, v := range r.calls {
		calls[k] = v
	}
	return nodes, calls
}

// until returns a channel closed once cond holds for the records (checked every 20ms), to
// stop a run by what the server saw rather than by time. After five minutes (a guard for a
// machine slowed down, e.g. by the race detector) it stops the run, and the test's assertions
// then fail.
func (r *recorder) until(t *testing.T, cond func(map[string]nodeRecord) bool) <-chan struct{} {
	t.Helper()
	ch := make(chan struct{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	go func() {
		defer close(ch)
		for ctx.Err() == nil {
			if nodes, _ := r.snapshot(); cond(nodes) {
				return
			}
			_ = provider.Sleep(ctx, 20*time.Millisecond)
		}
	}()
	return ch
}

// bed is the southbound listener on loopback, with the embedded issuer (token endpoint
// served) verifying the tokens.
type bed struct {
	tlsAddr, plainAddr, ca string
	rec                    *recorder
	idp                    *identity.Provider
	iss                    *local.Issuer
	server                 *southbound.Server
	// serve starts the listeners, once every service is registered.
	serve func()
}

// newBed serves the listener trusting the embedded issuer.
func newBed(t testing.TB) *bed {
	t.Helper()
	idp, iss := openIssuer(t)
	b := newBedWith(t, idp)
	b.iss = iss
	return b
}

// newBedWith serves the listener trusting idp.
func newBedWith(t testing.TB, idp *identity.Provider) *bed {
	t.Helper()
	b := &bed{rec: newRecorder(), idp: idp}
	dir := t.TempDir()
	l, err := southbound.EnsureLocal(dir, []string{"localhost", "127.0.0.1"})
	require.NoError(t, err)
	b.ca = l.CA
	cert, err := southbound.NewCertificate(context.Background(), southbound.LocalLoader(dir, []string{"localhost", "127.0.0.1"}))
	require.NoError(t, err)
	b.server = southbound.New(cert, "activeprojectid", true)
	b.server.RegisterService(&hostmgr.Hostmgr_ServiceDesc, b.rec)
	b.server.RegisterService(&maintmgrv1.MaintmgrService_ServiceDesc, b.rec)
	b.server.Bind(b.idp)
	tlsLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	plainLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		b.server.Stop(ctx)
	})
	b.tlsAddr, b.plainAddr = tlsLn.Addr().String(), plainLn.Addr().String()
	b.serve = func() { b.server.Serve(tlsLn, plainLn, new(testlog.Buffer).Logger()) }
	return b
}

// openIssuer opens the embedded issuer on a store of the test's own and serves its token
// endpoint on loopback.
func openIssuer(t testing.TB) (*identity.Provider, *local.Issuer) {
	t.Helper()
	ctx := context.Background()
	store, err := secrets.Open(ctx, secrets.Selection{}, secrets.Env{DataDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cfg := local.NewConfig()
	cfg.Issuer = "http://" + ln.Addr().String() + "/oidc"
	p, err := identity.Open(ctx, local.Name, cfg, identity.Env{Secrets: store.Store()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	var iss *local.Issuer
	require.True(t, p.As(&iss))
	mux := http.NewServeMux()
	pattern, h := p.HTTPHandler()
	mux.Handle(pattern, h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return p, iss
}

// minted returns credentials of fleet minted by the embedded issuer, as eim edge-sim mints them
// on the embedded defaults.
func (b *bed) minted(fleet []edgesim.Node) *edgesim.Minted {
	return edgesim.NewMinted(fleet, time.Hour, func(ctx context.Context, subject, project string) (string, error) {
		return b.iss.Mint(ctx, identity.Grant{Subject: subject, Roles: []string{project + "_" + agentRole}, TTL: time.Hour})
	})
}
