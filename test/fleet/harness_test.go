package fleet_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/services/edgesim"
	"github.com/eim-byoi/eim/test/dbtest"
)

// osProfile is the profile of the OS resource every fleet project gets, which the instances use.
const osProfile = "ubuntu-22.04-lts-generic"

// readyWithin bounds how long eim serve may take to answer /readyz.
const readyWithin = 2 * time.Minute

// server is a running `eim serve --target day2` (the real binary) on fixed loopback ports, with
// the configuration every eim command of the run shares (EIM_CONFIG and the environment).
type server struct {
	bin, dir, backend string
	env               []string
	http, grpc, sb    string
	debug             string // listen.debug (FLEET_PPROF), "" when off
	cmd               *exec.Cmd
	logFile           string
	exited            chan struct{}
	pg                *dbtest.Postgres // PostgreSQL only
	db                string           // its database
}

// startLocked starts cmd so that it receives sig if this test process dies (a go test timeout
// included): nothing is left running after an interrupted make bench-fleet. The parent-death
// signal follows the OS thread that started the child, so the calling goroutine keeps its thread
// (it must then wait for the child).
func startLocked(cmd *exec.Cmd, sig syscall.Signal, started chan<- error) error {
	runtime.LockOSThread()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: sig}
	err := cmd.Start()
	started <- err
	return err
}

// freePort returns a loopback address nobody listens on now.
func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// startServer starts eim serve --target day2 on backend (sqlite: the embedded defaults;
// postgres: a fresh database of the test bed) and waits for /readyz. The process is stopped
// (SIGTERM, then SIGKILL) when the test ends.
func startServer(t testing.TB, bin, backend string) *server {
	t.Helper()
	s := &server{bin: bin, dir: t.TempDir(), backend: backend, http: freePort(t), grpc: freePort(t), sb: freePort(t), exited: make(chan struct{})}
	s.env = append(os.Environ(), "EIM_DATADIR="+s.dir, "EIM_LISTEN_HTTP="+s.http, "EIM_LISTEN_GRPC="+s.grpc,
		"EIM_SOUTHBOUND_ADDRESS="+s.sb, "EIM_LOG_LEVEL=warn")
	if os.Getenv("FLEET_PPROF") != "" {
		s.debug = freePort(t)
		s.env = append(s.env, "EIM_LISTEN_DEBUG="+s.debug)
	}
	if backend == "postgres" {
		s.env = append(s.env, "EIM_CONFIG="+s.postgresConfig(t))
	}
	s.logFile = filepath.Join(s.dir, "serve.log")
	logf, err := os.Create(s.logFile)
	require.NoError(t, err)
	s.cmd = exec.Command(bin, "serve", "--target", "day2")
	s.cmd.Env, s.cmd.Stdout, s.cmd.Stderr = s.env, logf, logf
	started := make(chan error, 1)
	go func() {
		err := startLocked(s.cmd, syscall.SIGTERM, started)
		if err == nil {
			_ = s.cmd.Wait()
		}
		logf.Close()
		close(s.exited)
	}()
	require.NoError(t, <-started)
	t.Cleanup(s.stop)
	deadline := time.Now().Add(readyWithin)
	for {
		select {
		case <-s.exited:
			t.Fatalf("eim serve (%s) exited before it was ready: see %s", backend, s.logFile)
		default:
		}
		if resp, err := http.Get("http://" + s.http + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("eim serve (%s) did not answer /readyz 200 within %s: see %s", backend, readyWithin, s.logFile)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// postgresConfig writes an eim.yaml using a fresh database of the test bed's PostgreSQL.
func (s *server) postgresConfig(t testing.TB) string {
	s.pg = dbtest.NewPostgres(t, false)
	d := s.pg.Fresh(t)
	s.db = d.Name
	write := func(name, v string) string {
		p := filepath.Join(s.dir, name)
		require.NoError(t, os.WriteFile(p, []byte(v), 0o600))
		return p
	}
	return write("eim.yaml", fmt.Sprintf(`providers:
  database:
    type: postgres
    config:
      host: %s
      port: %d
      database: %s
      user: %s
      password: {file: %s}
      tls: {mode: disable}
      migration: {user: %s, password: {file: %s}}
`, s.pg.Server.Host, s.pg.Server.Port, d.Name, d.Runtime.User, write("db-runtime", d.Runtime.Password),
		d.Migration.User, write("db-migration", d.Migration.Password)))
}

// stop ends the server: SIGTERM, and SIGKILL after 30 s.
func (s *server) stop() {
	if s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// eim runs an eim subcommand with the server's configuration and returns its standard output;
// its standard error goes to a file named after it in the data directory.
func (s *server) eim(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	errFile := filepath.Join(s.dir, name+".log")
	f, err := os.Create(errFile)
	require.NoError(t, err)
	defer f.Close()
	var out bytes.Buffer
	cmd := exec.Command(s.bin, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = s.env, &out, f
	done := make(chan error, 1)
	go func() {
		started := make(chan error, 1)
		if err := startLocked(cmd, syscall.SIGKILL, started); err != nil {
			done <- err
			return
		}
		done <- cmd.Wait()
	}()
	if err := <-done; err != nil {
		t.Fatalf("eim %s: %v: see %s", strings.Join(args, " "), err, errFile)
	}
	return out.Bytes()
}

// project creates project name (eim token --create) with an OS resource, and returns its id
// and an im-rw token.
func (s *server) project(t testing.TB, name string) (id, token string) {
	t.Helper()
	token = strings.TrimSpace(string(s.eim(t, "token-"+name, "token", "--project", name, "--create", "--role", "im-rw", "--ttl", "12h")))
	id = projectOf(t, token)
	body := `{"name":"ubuntu","architecture":"x86_64","imageUrl":"https://files.example.com/ubuntu.img",` +
		`"sha256":"b5f3d6b9c1f1e2a7c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a","profileName":"` + osProfile + `",` +
		`"securityFeature":"SECURITY_FEATURE_NONE","osType":"OS_TYPE_MUTABLE","osProvider":"OS_PROVIDER_KIND_INFRA"}`
	code, out := s.api(t, http.MethodPost, "/v1/projects/"+name+"/compute/os", token, body)
	require.Equal(t, http.StatusOK, code, "creating the OS resource of %s: %s", name, out)
	return id, token
}

// projectOf reads the project id from the roles ("<id>_im-rw") of a token of the embedded issuer.
func projectOf(t testing.TB, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3, "eim token did not print a JWT")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims struct {
		Roles []string `json:"roles"`
	}
	require.NoError(t, json.Unmarshal(raw, &claims))
	for _, r := range claims.Roles {
		if id, ok := strings.CutSuffix(r, "_im-rw"); ok {
			return id
		}
	}
	t.Fatalf("the token carries no <project>_im-rw role: %v", claims.Roles)
	return ""
}

// api calls the northbound API.
func (s *server) api(t testing.TB, method, path, token, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://"+s.http+path, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, out
}

// count returns how many instances of project match filter (AIP-160).
func (s *server) count(t testing.TB, project, token, filter string) int {
	t.Helper()
	code, out := s.api(t, http.MethodGet, "/v1/projects/"+project+"/compute/instances?pageSize=1&filter="+url.QueryEscape(filter), token, "")
	require.Equal(t, http.StatusOK, code, "counting instances (%s): %s", filter, out)
	var page struct {
		TotalElements int `json:"totalElements"`
	}
	require.NoError(t, json.Unmarshal(out, &page))
	return page.TotalElements
}

// fleet is one simulated fleet: its projects (fresh, so every transition it sends is a change
// the managers must write) and their tokens.
type fleet struct {
	nodes, tenants int
	prefix         string
	projects       []string
	tokens         []string
}

// newFleet creates the fleet's projects and registers its hosts with an instance each
// (eim edge-sim --register --register-only), before anything is measured.
func (s *server) newFleet(t testing.TB, nodes, tenants int, prefix string) *fleet {
	t.Helper()
	f := &fleet{nodes: nodes, tenants: tenants, prefix: prefix}
	for i := 1; i <= tenants; i++ {
		name := fmt.Sprintf("%s-%d", prefix, i)
		_, tok := s.project(t, name)
		f.projects, f.tokens = append(f.projects, name), append(f.tokens, tok)
	}
	concurrency := "32"
	if s.backend == "sqlite" {
		concurrency = "4"
	}
	out := s.eim(t, "register-"+prefix, "edge-sim", "-n", strconv.Itoa(nodes), "--tenants", strconv.Itoa(tenants), "--project-prefix", prefix,
		"--seed", prefix, "--register", "--register-only", "--instances", "--os", osProfile, "--register-concurrency", concurrency,
		"--api", "http://"+s.http)
	var reg edgesim.Registered
	require.NoError(t, json.Unmarshal(out, &reg), "eim edge-sim --register-only printed %s", out)
	require.Equal(t, nodes, reg.HostsCreated, "every host registered: %+v", reg)
	require.Equal(t, nodes, reg.InstancesCreated, "every host has its instance: %+v", reg)
	return f
}

// simOptions are the timing of a simulation run.
type simOptions struct {
	duration, rampUp, heartbeat, poll time.Duration
	steady                            time.Duration // edge-sim --steady (0: none)
	connections                       int
}

// simulate runs eim edge-sim over the fleet and returns its summary.
func (s *server) simulate(t testing.TB, f *fleet, o simOptions) *edgesim.Summary {
	t.Helper()
	out := filepath.Join(s.dir, "summary-"+f.prefix+".json")
	args := []string{"edge-sim", "-n", strconv.Itoa(f.nodes), "--tenants", strconv.Itoa(f.tenants), "--project-prefix", f.prefix,
		"--seed", f.prefix, "--address", s.sb, "--ca", filepath.Join(s.dir, "southbound", "ca.pem"),
		"--duration", o.duration.String(), "--ramp-up", o.rampUp.String(), "--heartbeat", o.heartbeat.String(), "--poll", o.poll.String(),
		"--connections", strconv.Itoa(max(o.connections, 1)), "--workers", "4096", "-o", out}
	if o.steady > 0 {
		args = append(args, "--steady", o.steady.String())
	}
	s.eim(t, "edge-sim-"+f.prefix, args...)
	raw, err := os.ReadFile(out)
	require.NoError(t, err)
	var sum edgesim.Summary
	require.NoError(t, json.Unmarshal(raw, &sum))
	return &sum
}

// recorded are the transitions of a fleet the database holds, read through the API: nodes
// whose instance has a status (their first status, or a later one, was written), nodes whose
// instance is running with every component, nodes whose instance has an update status.
type recorded struct {
	withStatus, running, updateStatus int
}

func (s *server) recorded(t testing.TB, f *fleet) recorded {
	t.Helper()
	var r recorded
	for i, p := range f.projects {
		// A node's instance status is Unknown (initializing) or Running; its update status is the
		// one a node without a schedule reports.
		r.withStatus += s.count(t, p, f.tokens[i], `instanceStatus="Unknown" OR instanceStatus="Running"`)
		r.running += s.count(t, p, f.tokens[i], `instanceStatus="Running" AND instanceStatusDetail="5 of 5 components running"`)
		r.updateStatus += s.count(t, p, f.tokens[i], `updateStatus="No new updates available"`)
	}
	return r
}

// transitions compares what edge-sim had acknowledged with what the database holds: lost are
// acknowledged transitions the database does not show (each count is a lower bound of what was
// written: a write whose answer did not reach the node shows up as recorded, not acknowledged).
type transitions struct {
	acked, recorded, lost int64
}

func compare(sum *edgesim.Summary, r recorded) transitions {
	first := sum.InstanceChanges.Acknowledged - sum.InstanceRunning
	lost := func(acked, rec int64) int64 { return max(acked-rec, 0) }
	return transitions{
		acked:    sum.InstanceChanges.Acknowledged + sum.Transitions.Acknowledged,
		recorded: int64(r.withStatus) + int64(r.running) + int64(r.updateStatus),
		lost: lost(first, int64(r.withStatus)) + lost(sum.InstanceRunning, int64(r.running)) +
			lost(sum.Transitions.Acknowledged, int64(r.updateStatus)),
	}
}

// cpuSeconds is the server's CPU time so far (user and system, /proc/<pid>/stat).
func (s *server) cpuSeconds(t testing.TB) float64 {
	t.Helper()
	v, err := s.readCPUSeconds()
	require.NoError(t, err)
	return v
}

// readCPUSeconds is cpuSeconds, for callers that cannot fail the test (a sampler).
func (s *server) readCPUSeconds() (float64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command name (which may hold spaces) start after the last ')'.
	fields := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields after the command, want at least 13", s.cmd.Process.Pid, len(fields))
	}
	utime, err := strconv.ParseFloat(fields[11], 64)
	if err != nil {
		return 0, fmt.Errorf("/proc/%d/stat utime: %w", s.cmd.Process.Pid, err)
	}
	stime, err := strconv.ParseFloat(fields[12], 64)
	if err != nil {
		return 0, fmt.Errorf("/proc/%d/stat stime: %w", s.cmd.Process.Pid, err)
	}
	return (utime + stime) / clockTicks, nil
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times (100 on Linux).
const clockTicks = 100

// rssBytes is the server's resident set size now.
func (s *server) rssBytes(t testing.TB) int64 {
	t.Helper()
	v, err := s.readRSSBytes()
	require.NoError(t, err)
	return v
}

// readRSSBytes is rssBytes, for callers that cannot fail the test (a sampler).
func (s *server) readRSSBytes() (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/%d/status VmRSS: %w", s.cmd.Process.Pid, err)
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmRSS line", s.cmd.Process.Pid)
}

// xactCommit is the database's committed transactions so far (PostgreSQL; 0 on SQLite).
func (s *server) xactCommit(t testing.TB) int64 {
	t.Helper()
	v, err := s.readXactCommit()
	require.NoError(t, err)
	return v
}

// readXactCommit is xactCommit, for callers that cannot fail the test (a sampler).
func (s *server) readXactCommit() (int64, error) {
	if s.pg == nil {
		return 0, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var n int64
	err := s.pg.Admin().QueryRowContext(ctx, `SELECT xact_commit FROM pg_stat_database WHERE datname = $1`, s.db).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("pg_stat_database.xact_commit of %s: %w", s.db, err)
	}
	return n, nil
}
