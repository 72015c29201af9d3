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
func startBenchServer(b *testing.B) (addr, dir string, serverCPU func() (time.Duration, error)) {
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
	return strings.TrimSpace(line), dir, func() (time.Duration, error) { return processCPU(cmd.Process.Pid) }
}

// processCPU is the CPU time (user and system) of process pid so far, from /proc/<pid>/stat.
func processCPU(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command name (which may hold spaces) start after the last ')'.
	fields := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
	var ticks int64
	for _, f := range fields[11:13] { // utime, stime in USER_HZ (100 on Linux)
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

// BenchmarkSimulatorCPU measures, over the steady window of a run (Config.Steady: once every
// node is through its start sequence, so that first token verifications are not in it), the
// simulator's own CPU time per 1,000 calls and the server's: another process serving the
// southbound listener alone (TLS, HTTP/2, the verified-token cache, admission) with handlers
// that only acknowledge, i.e. the transport's share of a real server's cost. Two fleet sizes
// with the same call rate, 15,000 calls/s (the 100,000-node goal): 1,000 nodes calling
// every 100/200 ms, and 100,000 nodes at the agents' 10/20 s. Each iteration is 1,000 calls'
// worth of window (at least two heartbeat intervals); the start is allowed two minutes, and
// through-% says how many nodes were through it when the window opened (below 100, the window
// still holds first calls: the machine could not keep up with the fleet's start).
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
			window := max(time.Duration(float64(b.N)*1000/rate*float64(time.Second)), 2*bc.heartbeat)
			b.ResetTimer()
			cpu := sampleCPU(serverCPU)
			sum, err := edgesim.Run(context.Background(), edgesim.Config{Address: addr, CAFile: dir + "/" + southbound.CAFile,
				Fleet: fleet, Credentials: creds, Heartbeat: bc.heartbeat, Poll: bc.poll, RampUp: bc.heartbeat,
				Duration: max(6*bc.heartbeat, 2*time.Minute), Steady: window, Workers: 4096})
			b.StopTimer()
			require.NoError(b, err)
			st := sum.Steady
			require.NotNil(b, st, "the run reported no steady window")
			b.ReportMetric(float64(st.NodesThrough)*100/float64(bc.nodes), "through-%") // below 100: the start was not over
			server, err := cpu.between(time.UnixMilli(st.StartUnixMs), time.UnixMilli(st.EndUnixMs))
			require.NoError(b, err)
			b.ReportMetric(st.CPUMsPer1000Calls, "cpu-ms/1k-calls")
			b.ReportMetric(server.Seconds()*1e6/float64(max(st.Sent, 1)), "server-cpu-ms/1k-calls")
			b.ReportMetric(float64(st.Sent)/st.Seconds, "calls/s")
			b.ReportMetric(st.RPCs[edgesim.RPCInstance].LatencyMs.P99, "p99-ms")
			b.ReportMetric(float64(st.Sent-st.Acknowledged), "errors")
			b.ReportMetric(sum.DispatchLagMs.P99, "lag-p99-ms")
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
			runtime.KeepAlive(creds)
		})
	}
}

// cpuSamples are a process's CPU times, read every cpuSampleEvery from the start of a run until
// the window is asked for.
type cpuSamples struct {
	stop chan struct{}
	done chan []cpuSample
	err  error // the first failed read, set before done is sent on
}

type cpuSample struct {
	at  time.Time
	cpu time.Duration
}

const cpuSampleEvery = 200 * time.Millisecond

// sampleCPU samples read in the background until between is called.
func sampleCPU(read func() (time.Duration, error)) *cpuSamples {
	c := &cpuSamples{stop: make(chan struct{}), done: make(chan []cpuSample, 1)}
	go func() {
		var samples []cpuSample
		take := func() {
			cpu, err := read()
			if err != nil && c.err == nil {
				c.err = err
			}
			samples = append(samples, cpuSample{time.Now(), cpu})
		}
		take()
		t := time.NewTicker(cpuSampleEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				take()
			case <-c.stop:
				take()
				c.done <- samples
				return
			}
		}
	}()
	return c
}

// between stops the sampling and returns the CPU time spent from from to to, interpolated
// between the samples around each.
func (c *cpuSamples) between(from, to time.Time) (time.Duration, error) {
	close(c.stop)
	samples := <-c.done
	if c.err != nil {
		return 0, c.err
	}
	at := func(t time.Time) time.Duration {
		for i := 1; i < len(samples); i++ {
			a, z := samples[i-1], samples[i]
			if t.After(z.at) && i < len(samples)-1 {
				continue
			}
			span := z.at.Sub(a.at)
			if span <= 0 {
				return z.cpu
			}
			f := min(max(float64(t.Sub(a.at))/float64(span), 0), 1)
			return a.cpu + time.Duration(f*float64(z.cpu-a.cpu))
		}
		return samples[len(samples)-1].cpu
	}
	return at(to) - at(from), nil
}
