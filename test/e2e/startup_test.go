package e2e_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	hostmgr "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	"github.com/eim-byoi/eim/test/conformance/faultproxy"
	"github.com/eim-byoi/eim/test/dbtest"
	"github.com/eim-byoi/eim/test/proc"
	"github.com/eim-byoi/eim/test/testenv"
)

// startupRoutes are module routes probed while the process starts: the API's (projects,
// apiv2 collections, the legacy v2 prefix, the features and the spec) and a path nothing serves.
var startupRoutes = []struct{ method, path string }{
	{http.MethodGet, "/v1/projects"},
	{http.MethodGet, "/v1/projects/p1/regions"},
	{http.MethodPost, "/v1/projects/p1/compute/hosts"},
	{http.MethodGet, "/edge-infra.orchestrator.apis/v2/hosts"},
	{http.MethodGet, "/v1/orchestrator"},
	{http.MethodGet, "/openapi.yaml"},
	{http.MethodGet, "/no/such/route"},
}

// startupProbe is every answer seen while probing, by what was probed.
type startupProbe struct {
	mu      sync.Mutex
	answers map[string]map[string]int // probe → answer → count
	bad     []string                  // 503s without Retry-After or the JSON naming the modules
}

func (s *startupProbe) record(probe, answer string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.answers[probe] == nil {
		s.answers[probe] = map[string]int{}
	}
	s.answers[probe][answer]++
}

func (s *startupProbe) seen(probe, answer string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.answers[probe][answer] > 0
}

// TestStartupAnswersUnavailable starts `eim serve --target all` with its database unreachable
// (a fault proxy refusing connections), so that it stays starting, and probes its HTTP routes,
// its northbound gRPC API and the southbound listener from the first moment: while the modules
// start every route answers 503 with Retry-After and a JSON error naming the modules not started
// yet (never 404), and gRPC answers Unavailable (never Unimplemented). Once the database is
// reachable, the process becomes ready and the same routes and the gRPC connection opened while
// it started reach the modules. The gRPC API is probed in plaintext and with listen.grpcTLS
// (whose listener serves TLS from the first moment: its calls do not wait for the providers).
func TestStartupAnswersUnavailable(t *testing.T) {
	bin := proc.Build(t)
	for _, grpcTLS := range []bool{false, true} {
		t.Run(map[bool]string{false: "plaintext", true: "grpcTLS"}[grpcTLS], func(t *testing.T) {
			startupAnswersUnavailable(t, bin, grpcTLS)
		})
	}
}

func startupAnswersUnavailable(t *testing.T, bin string, grpcTLS bool) {
	dir := t.TempDir()
	pg := dbtest.NewPostgres(t, false)
	proxy, err := faultproxy.NewDown(pg.Server.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { _ = proxy.Close() })
	host, portText, err := net.SplitHostPort(proxy.Addr())
	require.NoError(t, err)
	port, err := strconv.Atoi(portText)
	require.NoError(t, err)
	f := files{t: t, dir: dir}
	httpAddr := "127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))
	grpcAddr := "127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))
	southAddr := "127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))
	// The agents' listener serves TLS with a CA generated as it starts: the probes call its
	// plaintext loopback twin, which serves the same services.
	yaml := "target: all\nproviders:\n" + f.database("postgres", host, port, pg.Fresh(t)) +
		fmt.Sprintf("startup: {timeout: 5m}\nsouthbound: {plaintext: %q}\n", southAddr)
	grpcCreds := insecure.NewCredentials()
	if grpcTLS {
		ca := testenv.TLS(t)
		yaml += fmt.Sprintf("listen: {grpcTLS: {cert: {file: %s}, key: {file: %s}}}\n", ca.ServerCertFile, ca.ServerKeyFile)
		pool, err := ca.CertPool()
		require.NoError(t, err)
		grpcCreds = credentials.NewTLS(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS13})
	}
	cfg := f.write("eim.yaml", yaml)
	env := proc.Env(dir, "EIM_LISTEN_HTTP="+httpAddr, "EIM_LISTEN_GRPC="+grpcAddr, "EIM_CONFIG="+cfg)

	p := proc.Launch(t, bin, dir, env, "serve")
	probe := &startupProbe{answers: map[string]map[string]int{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { probeStartup(t, probe, httpAddr, grpcAddr, southAddr, grpcCreds, stop) })

	// Held starting (the database refuses): the module routes answer 503, gRPC Unavailable.
	awaitSeen(t, probe, "GET /v1/projects", "503", p)
	awaitSeen(t, probe, "GET /no/such/route", "503", p)
	awaitSeen(t, probe, "grpc inventory", codes.Unavailable.String()+"+starting", p)
	awaitSeen(t, probe, "grpc southbound", codes.Unavailable.String(), p)

	require.NoError(t, proxy.Set(faultproxy.Forward))
	p.AwaitReady(t)
	// The routes now reach the modules: no token is 401 / Unauthenticated, the connection
	// opened while the process started included.
	awaitSeen(t, probe, "GET /v1/projects", "401", p)
	awaitSeen(t, probe, "grpc inventory", codes.Unauthenticated.String(), p)
	awaitSeen(t, probe, "grpc southbound", codes.Unauthenticated.String(), p)
	close(stop)
	wg.Wait()

	probe.mu.Lock()
	defer probe.mu.Unlock()
	t.Logf("answers while starting and after: %v", probe.answers)
	assert.Empty(t, probe.bad, "every 503 carries Retry-After and the JSON error naming the modules starting")
	for name, answers := range probe.answers {
		if name != "GET /no/such/route" { // 404 once the modules are started: nothing serves it
			assert.NotContains(t, answers, "404", "%s: never 404 while the modules start (%v)", name, answers)
		}
		assert.NotContains(t, answers, codes.Unimplemented.String(), "%s: never Unimplemented while the modules start", name)
		assert.NotContains(t, answers, codes.Unimplemented.String()+"+starting", name)
	}
}

// awaitSeen waits (up to two minutes) until the probes saw answer for probe.
func awaitSeen(t *testing.T, probe *startupProbe, name, answer string, p *proc.Process) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); !probe.seen(name, answer); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			probe.mu.Lock()
			seen := fmt.Sprint(probe.answers[name])
			probe.mu.Unlock()
			t.Fatalf("%s never answered %s (answers: %s); log:\n%s", name, answer, seen, tail(p.Logs(), 40))
		}
	}
}

// probeStartup probes every route, the inventory's gRPC API and the southbound listener in
// turn until stop (the inventory's with grpcCreds), from the first moment (connections refused before the process listens are
// not answers and are not recorded).
func probeStartup(t *testing.T, probe *startupProbe, httpAddr, grpcAddr, southAddr string, grpcCreds credentials.TransportCredentials,
	stop <-chan struct{}) {
	client := &http.Client{Timeout: 5 * time.Second}
	inv, err := grpc.NewClient("passthrough:///"+grpcAddr, grpc.WithTransportCredentials(grpcCreds))
	require.NoError(t, err)
	defer inv.Close()
	south, err := grpc.NewClient("passthrough:///"+southAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer south.Close()
	invc, sbc := inventoryv1.NewInventoryServiceClient(inv), hostmgr.NewHostmgrClient(south)
	for {
		select {
		case <-stop:
			return
		default:
		}
		for _, r := range startupRoutes {
			probeHTTP(probe, client, httpAddr, r.method, r.path)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := invc.ListChanges(ctx, &inventoryv1.ListChangesRequest{TenantId: "t1", PageSize: 1})
		probe.record("grpc inventory", grpcAnswer(err))
		_, err = sbc.UpdateInstanceStateStatusByHostGUID(ctx, &hostmgr.UpdateInstanceStateStatusByHostGUIDRequest{})
		probe.record("grpc southbound", grpcAnswer(err))
		cancel()
		time.Sleep(50 * time.Millisecond)
	}
}

// grpcAnswer is the call's code, marked "+starting" when the process answered that modules
// are starting, naming them.
func grpcAnswer(err error) string {
	msg := status.Convert(err).Message()
	if strings.Contains(msg, "eim is starting") && strings.Contains(msg, "not started yet") && strings.Contains(msg, "inventory") {
		return status.Code(err).String() + "+starting"
	}
	return status.Code(err).String()
}

// probeHTTP sends one request and records its status ("refused" before the port accepts).
func probeHTTP(probe *startupProbe, client *http.Client, addr, method, path string) {
	name := method + " " + path
	req, err := http.NewRequest(method, "http://"+addr+path, strings.NewReader("{}"))
	if err != nil {
		probe.record(name, err.Error())
		return
	}
	resp, err := client.Do(req)
	if err != nil {
		probe.record(name, "refused")
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	probe.record(name, strconv.Itoa(resp.StatusCode))
	if resp.StatusCode != http.StatusServiceUnavailable {
		return
	}
	var doc struct {
		Code    string   `json:"code"`
		Message string   `json:"message"`
		Modules []string `json:"modules"`
	}
	if resp.Header.Get("Retry-After") == "" || json.Unmarshal(body, &doc) != nil || doc.Code != "Unavailable" ||
		!strings.Contains(doc.Message, "starting") || len(doc.Modules) == 0 && !strings.Contains(doc.Message, "module") {
		probe.mu.Lock()
		probe.bad = append(probe.bad, fmt.Sprintf("%s: %s %q", name, resp.Header.Get("Retry-After"), body))
		probe.mu.Unlock()
	}
}
