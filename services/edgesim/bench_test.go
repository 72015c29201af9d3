package edgesim_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	hostmgr "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
	"github.com/eim-byoi/eim/internal/testlog"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/identity/local"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/services/edgesim"
	"github.com/eim-byoi/eim/services/internal/southbound"
)

// benchServerEnv makes the test binary serve the southbound listener for the benchmark in a
// process of its own, so that the benchmark's CPU time is the simulator's alone.
const benchServerEnv = "EDGESIM_BENCH_SERVER_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(benchServerEnv); dir != "" {
		if err := serveForBenchmark(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	os.Exit(m.Run())
}

// acker acknowledges every call whose token the listener verified.
type acker struct {
	hostmgr.UnimplementedHostmgrServer
	maintmgrv1.UnimplementedMaintmgrServiceServer
}

func (acker) UpdateHostSystemInfoByGUID(context.Context, *hostmgr.UpdateHostSystemInfoByGUIDRequest) (*hostmgr.UpdateHostSystemInfoByGUIDResponse, error) {
	return &hostmgr.UpdateHostSystemInfoByGUIDResponse{}, nil
}

func (acker) UpdateInstanceStateStatusByHostGUID(context.Context, *hostmgr.UpdateInstanceStateStatusByHostGUIDRequest) (*hostmgr.UpdateInstanceStateStatusByHostGUIDResponse, error) {
	return &hostmgr.UpdateInstanceStateStatusByHostGUIDResponse{}, nil
}

func (acker) PlatformUpdateStatus(ctx context.Context, _ *maintmgrv1.PlatformUpdateStatusRequest) (*maintmgrv1.PlatformUpdateStatusResponse, error) {
	if _, err := southbound.Project(ctx, agentRole); err != nil {
		return nil, err
	}
	return &maintmgrv1.PlatformUpdateStatusResponse{}, nil
}

// serveForBenchmark serves the listener (TLS, CA and issuer keys under dir), prints its
// address and serves until its standard input closes.
func serveForBenchmark(dir string) error {
	ctx := context.Background()
	p, err := openBenchIssuer(ctx, dir)
	if err != nil {
		return err
	}
	hosts := []string{"127.0.0.1"}
	cert, err := southbound.NewCertificate(ctx, southbound.LocalLoader(dir, hosts))
	if err != nil {
		return err
	}
	s := southbound.New(cert, "", false)
	s.RegisterService(&hostmgr.Hostmgr_ServiceDesc, acker{})
	s.RegisterService(&maintmgrv1.MaintmgrService_ServiceDesc, acker{})
	s.Bind(p)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s.Serve(ln, nil, new(testlog.Buffer).Logger())
	fmt.Println(ln.Addr().String())
	_, _ = io.Copy(io.Discard, os.Stdin)
	s.Stop(ctx)
	return nil
}

// openBenchIssuer opens the embedded issuer on the secrets store in dir: both processes open
// it, so they share its signing keys.
func openBenchIssuer(ctx context.Context, dir string) (*identity.Provider, error) {
	store, err := secrets.Open(ctx, secrets.Selection{}, secrets.Env{DataDir: dir})
	if err != nil {
		return nil, err
	}
	cfg := local.NewConfig()
	cfg.Issuer = "http://127.0.0.1:1/oidc"
	return identity.Open(ctx, local.Name, cfg, identity.Env{Secrets: store.Store()})
}

// startBenchServer runs the server process and returns its address, the directory of its CA
// and keys, and a function reading the process's CPU time so far.
func startBenchServer(b *testing.B) (addr, dir string, serverCPU func() time.Duration) {
	b.Helper()
	dir = b.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), benchServerEnv+"="+dir)
	stdin, err := cmd.StdinPipe()
	require.NoError(b, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(b, err)
	cmd.Stderr = os.Stderr
	require.NoError(b, cmd.Start())
	b.Cleanup(func() { _ = stdin.Close(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(b, err)
	return strings.TrimSpace(line), dir, func() time.Duration { return processCPU(b, cmd.Process.Pid) }
}

// processCPU is the CPU time (user and system) of process pid so far, from /proc/<pid>/stat.
func processCPU(b *testing.B, pid int) time.Duration {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	require.NoError(b, err)
	// The fields after the command name (which may hold spaces) start after the last ')'.
	fields := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
	var ticks int64
	for _, f := range fields[11:13] { // utime, stime in USER_HZ (100 on Linux)
		n, err := strconv.ParseInt(f, 10, 64)
		require.NoError(b, err)
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// BenchmarkSimulatorCPU measures the simulator's own CPU time per 1,000 calls, and the server's
// (another process: the southbound listener alone, TLS, token verification and admission, with
// handlers that only acknowledge: the transport's share of a real server's cost) at two fleet sizes with the same call rate, 15,000 calls/s: 1,000 nodes
// calling every 100/200 ms, and 100,000 nodes at the agents' 10/20 s. Each iteration is 1,000
// calls' worth of run time (at least two heartbeat intervals, so that the schedule is in its
// steady state); the metrics are from the run's Summary.
func BenchmarkSimulatorCPU(b *testing.B) {
	for _, bc := range []struct {
		nodes           int
		heartbeat, poll time.Duration
	}{
		{1000, 100 * time.Millisecond, 200 * time.Millisecond},
		{100_000, 10 * time.Second, 20 * time.Second},
	} {
		b.Run(fmt.Sprintf("nodes=%d", bc.nodes), func(b *testing.B) {
			addr, dir, serverCPU := startBenchServer(b)
			p, err := openBenchIssuer(context.Background(), dir)
			require.NoError(b, err)
			var iss *local.Issuer
			require.True(b, p.As(&iss))
			fleet := edgesim.NewFleet(bc.nodes, tenants("alpha", "beta"), "bench")
			creds := edgesim.NewMinted(fleet, time.Hour, func(ctx context.Context, subject, project string) (string, error) {
				return iss.Mint(ctx, identity.Grant{Subject: subject, Roles: []string{project + "_" + agentRole}, TTL: time.Hour})
			})
			for i := range fleet { // tokens are signed before the measurement
				_, err := creds.Token(context.Background(), i)
				require.NoError(b, err)
			}
			rate := float64(bc.nodes)/bc.heartbeat.Seconds() + float64(bc.nodes)/bc.poll.Seconds()
			d := max(time.Duration(float64(b.N)*1000/rate*float64(time.Second)), 2*bc.heartbeat)
			b.ResetTimer()
			cpu0 := serverCPU()
			sum, err := edgesim.Run(context.Background(), edgesim.Config{Address: addr, CAFile: dir + "/" + southbound.CAFile,
				Fleet: fleet, Credentials: creds, Heartbeat: bc.heartbeat, Poll: bc.poll, RampUp: bc.heartbeat, Duration: d})
			b.StopTimer()
			server := serverCPU() - cpu0
			require.NoError(b, err)
			b.ReportMetric(sum.CPUMsPer1000Calls, "cpu-ms/1k-calls")
			b.ReportMetric(float64(server.Milliseconds())*1000/float64(max(sum.Sent, 1)), "server-cpu-ms/1k-calls")
			b.ReportMetric(float64(sum.Sent)/sum.ElapsedSeconds, "calls/s")
			b.ReportMetric(sum.RPCs[edgesim.RPCInstance].LatencyMs.P99, "p99-ms")
			b.ReportMetric(float64(sum.Sent-sum.Acknowledged), "errors")
			b.ReportMetric(sum.DispatchLagMs.P99, "lag-p99-ms")
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
			runtime.KeepAlive(creds)
		})
	}
}
