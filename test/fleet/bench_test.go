//go:build fleetbench

package fleet_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/services/edgesim"
	"github.com/eim-byoi/eim/test/proc"
)

// The legacy EMF sizing (enable-edgeinfra-10k): 15 CPUs for the host manager at 1,000
// heartbeats/s, i.e. 15 CPU-seconds per 1,000 heartbeats.
const legacyCPUSecondsPer1000 = 15.0

// benchConfig is the run's configuration, from the environment (make bench-fleet passes it).
type benchConfig struct {
	postgres, sqlite            []int
	duration, rampUp, heartbeat time.Duration
	poll                        time.Duration
	steady                      time.Duration // the start run's steady window (FLEET_STEADY=0: none)
	nodesPerTenant              int
	profile                     time.Duration
	warm                        time.Duration // the length of each fleet's second run (FLEET_WARM=0: none)
	doc, img, raw               string
}

func loadBenchConfig(t *testing.T) benchConfig {
	t.Helper()
	sizes := func(env, def string) []int { // unset: def; set but empty: none
		v, set := os.LookupEnv(env)
		if !set {
			v = def
		}
		var out []int
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f == "" {
				continue
			}
			n, err := strconv.Atoi(f)
			require.NoError(t, err, "%s: a comma-separated list of node counts, e.g. 1000,10000", env)
			out = append(out, n)
		}
		return out
	}
	dur := func(env string, def time.Duration) time.Duration {
		v := os.Getenv(env)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		require.NoError(t, err, "%s: a duration such as 60s", env)
		return d
	}
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	return benchConfig{
		postgres: sizes("FLEET_SIZES_POSTGRES", "1000,10000,30000,100000"), sqlite: sizes("FLEET_SIZES_SQLITE", "1000,10000"),
		duration: dur("FLEET_DURATION", 120*time.Second), rampUp: dur("FLEET_RAMP_UP", 20*time.Second),
		heartbeat: dur("FLEET_HEARTBEAT", edgesim.DefaultHeartbeat), poll: dur("FLEET_POLL", edgesim.DefaultPoll),
		steady: dur("FLEET_STEADY", 30*time.Second), warm: dur("FLEET_WARM", 60*time.Second),
		nodesPerTenant: 1000, profile: dur("FLEET_PROFILE", 20*time.Second),
		doc: filepath.Join(root, "docs", "benchmarks.md"), img: filepath.Join(root, "docs", "img"),
		raw: filepath.Join(root, ".tools", "bench", "fleet.json"),
	}
}

// point is one measured run.
type point struct {
	Backend           string                         `json:"backend"`
	Nodes             int                            `json:"nodes"`
	Phase             string                         `json:"phase,omitempty"` // "" or phaseStart, phaseSteady, phaseWarm
	Tenants           int                            `json:"tenants"`
	RegisterSeconds   float64                        `json:"registerSeconds"`
	ElapsedSeconds    float64                        `json:"elapsedSeconds"`
	RPCsPerSecond     float64                        `json:"rpcsPerSecond"`
	AckedPerSecond    float64                        `json:"ackedPerSecond"`
	RPCs              map[string]*edgesim.RPCSummary `json:"rpcs"`
	Errors            map[string]int64               `json:"errors"`
	ServerCPUSeconds  float64                        `json:"serverCpuSeconds"`
	ServerCPUPer1000  float64                        `json:"serverCpuSecondsPer1000Rpcs"`
	ServerCores       float64                        `json:"serverCores"`
	RSSMiB            float64                        `json:"rssMiB"`
	XactPerSecond     float64                        `json:"xactPerSecond"`
	TransitionsAcked  int64                          `json:"transitionsAcked"`
	TransitionsStored int64                          `json:"transitionsRecorded"`
	TransitionsLost   int64                          `json:"transitionsLost"`
	GeneratorCPU      float64                        `json:"generatorCpuSeconds"`
	GeneratorPer1000  float64                        `json:"generatorCpuSecondsPer1000Rpcs"`
	LegacyRatio       float64                        `json:"legacyRatioPerSent"`
	Profile           []string                       `json:"profile,omitempty"`
	// The steady window of a phaseSteady point (edge-sim's, Unix milliseconds), the seconds from
	// the run's start to it, the nodes through their start sequence when it opened, and the
	// server samples within it.
	WindowStartUnixMs  int64   `json:"windowStartUnixMs,omitempty"`
	WindowEndUnixMs    int64   `json:"windowEndUnixMs,omitempty"`
	WindowAfterSeconds float64 `json:"windowAfterSeconds,omitempty"`
	NodesThrough       int64   `json:"nodesThrough,omitempty"`
	ServerSamples      int     `json:"serverSamples,omitempty"`
}

// TestBenchFleet is make bench-fleet: eim serve --target day2 (the real binary) on PostgreSQL
// of the test bed, then on the embedded SQLite defaults, under eim edge-sim fleets of each size
// (fresh projects and hosts per size, registered before the measured run), and writes the
// results into docs/benchmarks.md (section fleet), docs/img/fleet-*.svg and .tools/bench/fleet.json.
func TestBenchFleet(t *testing.T) {
	cfg := loadBenchConfig(t)
	if os.Getenv("FLEET_REPORT_ONLY") != "" {
		rewriteReport(t, cfg)
		return
	}
	require.Positive(t, len(cfg.postgres)+len(cfg.sqlite), "FLEET_SIZES_POSTGRES and FLEET_SIZES_SQLITE are both empty: give at least one size")
	bin := proc.Build(t)
	env := environment()
	var points []point
	for _, run := range []struct {
		backend string
		sizes   []int
	}{{"postgres", cfg.postgres}, {"sqlite", cfg.sqlite}} {
		if len(run.sizes) == 0 {
			continue
		}
		s := startServer(t, bin, run.backend)
		for i, n := range run.sizes {
			profile := run.backend == "postgres" && i == len(run.sizes)-1 && cfg.profile > 0
			tenants := max(1, n/cfg.nodesPerTenant)
			start := time.Now()
			f := s.newFleet(t, n, tenants, fmt.Sprintf("fleet-%s-%d", s.backend, n))
			register := time.Since(start).Seconds()
			phases := []string{phaseStart}
			if cfg.warm > 0 {
				phases = append(phases, phaseWarm)
			}
			for _, phase := range phases {
				for _, p := range measure(t, s, cfg, f, phase, profile && phase == phaseStart) {
					p.RegisterSeconds = register
					t.Logf("%s %d nodes (%s): %.0f RPC/s, server %.3f CPU-s/1000 RPCs, %d transitions lost", p.Backend, p.Nodes, p.Phase, p.RPCsPerSecond, p.ServerCPUPer1000, p.TransitionsLost)
					points = append(points, p)
				}
				writeResults(t, cfg, env, points) // after every run: an interrupted run keeps what it measured
			}
		}
		s.stop()
	}
}

// The phases of a fleet's runs: its first run (every node's first calls write its system
// information and statuses: the start storm), measured as a whole (phaseStart) and over its
// steady window (phaseSteady, FLEET_STEADY: once every node is through its start sequence, or
// FLEET_DURATION has passed), then the same fleet again (FLEET_WARM, on by default), as after a
// restart of every agent: the hosts are in the managers' memory, system information and update
// status unchanged, each node's status goes initializing → running again.
const (
	phaseStart  = "start"
	phaseSteady = "steady"
	phaseWarm   = "warm"
)

// measure measures one simulation run over the fleet f (registered before): its point, and
// the point of its steady window when it has one (the start run with FLEET_STEADY).
func measure(t *testing.T, s *server, cfg benchConfig, f *fleet, phase string, profile bool) []point {
	t.Helper()
	n := f.nodes
	p := point{Backend: s.backend, Nodes: n, Tenants: f.tenants, Phase: phase}
	o := simOptions{duration: cfg.duration, rampUp: cfg.rampUp, heartbeat: cfg.heartbeat, poll: cfg.poll, connections: 4}
	if phase == phaseWarm {
		o.duration = cfg.warm
	} else {
		o.steady = cfg.steady
	}
	samples := startSampler(s)
	cpu0, x0, t0 := s.cpuSeconds(t), s.xactCommit(t), time.Now()
	var prof chan []string
	if profile {
		prof = make(chan []string, 1)
		go func() { prof <- perfProfile(s, min(cfg.profile, o.duration), cfg.rampUp) }()
	}
	if dir := os.Getenv("FLEET_PPROF"); dir != "" {
		go s.pprofProfiles(t, filepath.Join(dir, fmt.Sprintf("%s-%d-%s", s.backend, n, phase)), min(cfg.profile, o.duration), cfg.rampUp)
	}
	sum := s.simulate(t, f, o)
	wall := time.Since(t0).Seconds()
	p.ServerCPUSeconds, p.RSSMiB = s.cpuSeconds(t)-cpu0, float64(s.rssBytes(t))/(1<<20)
	p.XactPerSecond = float64(s.xactCommit(t)-x0) / wall
	p.ElapsedSeconds, p.RPCs, p.Errors = sum.ElapsedSeconds, sum.RPCs, sum.Errors
	p.RPCsPerSecond = float64(sum.Sent) / sum.ElapsedSeconds
	p.AckedPerSecond = float64(sum.Acknowledged) / sum.ElapsedSeconds
	p.ServerCores = p.ServerCPUSeconds / wall
	if sum.Sent > 0 {
		p.ServerCPUPer1000 = p.ServerCPUSeconds * 1000 / float64(sum.Sent)
		p.GeneratorPer1000 = sum.CPUSeconds * 1000 / float64(sum.Sent)
	}
	if p.ServerCPUPer1000 > 0 {
		p.LegacyRatio = legacyCPUSecondsPer1000 / p.ServerCPUPer1000
	}
	p.GeneratorCPU = sum.CPUSeconds
	tr := compare(sum, s.recorded(t, f))
	p.TransitionsAcked, p.TransitionsStored, p.TransitionsLost = tr.acked, tr.recorded, tr.lost
	if prof != nil {
		p.Profile = <-prof
	}
	all, errs := samples.finish()
	if o.steady <= 0 {
		return []point{p}
	}
	require.NotNil(t, sum.Steady, "edge-sim --steady %s reported no steady window: see %s", o.steady, s.dir)
	require.Empty(t, errs, "sampling the server (CPU, RSS, pg_stat_database) failed")
	return []point{p, steadyPoint(t, p, sum.Steady, all)}
}

// steadyPoint is the point of the steady window st of the run measured as start, the server's
// use computed from the samples over exactly the window.
func steadyPoint(t *testing.T, start point, st *edgesim.Steady, samples []sample) point {
	t.Helper()
	from, to := time.UnixMilli(st.StartUnixMs), time.UnixMilli(st.EndUnixMs)
	u, ok := usage(samples, from, to)
	require.True(t, ok, "the steady window %s–%s lies outside the server's samples (%d)", from, to, len(samples))
	p := point{Backend: start.Backend, Nodes: start.Nodes, Tenants: start.Tenants, Phase: phaseSteady,
		ElapsedSeconds: st.Seconds, RPCs: st.RPCs, Errors: st.Errors, ServerCPUSeconds: u.cpuSeconds,
		RSSMiB: float64(u.maxRSS) / (1 << 20), GeneratorCPU: st.CPUSeconds, WindowStartUnixMs: st.StartUnixMs,
		WindowEndUnixMs: st.EndUnixMs, WindowAfterSeconds: st.AfterSeconds, NodesThrough: st.NodesThrough, ServerSamples: u.samples}
	window := to.Sub(from).Seconds()
	if window > 0 {
		p.RPCsPerSecond, p.AckedPerSecond = float64(st.Sent)/window, float64(st.Acknowledged)/window
		p.ServerCores, p.XactPerSecond = u.cpuSeconds/window, u.xact/window
	}
	if st.Sent > 0 {
		p.ServerCPUPer1000 = u.cpuSeconds * 1000 / float64(st.Sent)
		p.GeneratorPer1000 = st.CPUSeconds * 1000 / float64(st.Sent)
	}
	if p.ServerCPUPer1000 > 0 {
		p.LegacyRatio = legacyCPUSecondsPer1000 / p.ServerCPUPer1000
	}
	return p
}

// perfProfile samples the server's CPU with perf (the binary carries its symbols) for d, after
// waiting for the ramp-up, and returns the top functions by self time; nil when perf is not
// there or not allowed.
func perfProfile(s *server, d, after time.Duration) []string {
	time.Sleep(after)
	data := filepath.Join(s.dir, "perf.data")
	rec := exec.Command("perf", "record", "-F", "199", "--all-user", "-o", data, "-p", strconv.Itoa(s.cmd.Process.Pid), "--", "sleep", strconv.Itoa(int(d.Seconds())))
	if err := rec.Run(); err != nil {
		return []string{"perf record failed: " + err.Error()}
	}
	out, err := exec.Command("perf", "report", "-i", data, "--stdio", "--no-children", "--sort", "symbol", "--percent-limit", "1").Output()
	if err != nil {
		return []string{"perf report failed: " + err.Error()}
	}
	var top []string
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		top = append(top, strings.Join(strings.Fields(l), " "))
		if len(top) == 20 {
			break
		}
	}
	return top
}

// pprofProfiles saves the server's goroutine dump, heap, mutex, block and CPU profiles (listen.debug)
// into dir, the CPU profile over d after waiting for the ramp-up (FLEET_PPROF=dir): `go tool pprof`
// reads them with the binary.
func (s *server) pprofProfiles(t *testing.T, dir string, d, after time.Duration) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("pprof: %v", err)
		return
	}
	time.Sleep(after)
	get := func(name, query string) {
		resp, err := http.Get("http://" + s.debug + "/debug/pprof/" + query)
		if err != nil {
			t.Logf("pprof %s: %v", name, err)
			return
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, name), raw, 0o644)
		}
		if err != nil {
			t.Logf("pprof %s: %v", name, err)
		}
	}
	get("goroutine.txt", "goroutine?debug=2")
	get("cpu.pprof", fmt.Sprintf("profile?seconds=%d", int(d.Seconds())))
	get("mutex.pprof", "mutex")
	get("block.pprof", "block")
	get("heap.pprof", "heap")
	get("goroutine-end.txt", "goroutine?debug=1")
}

// environment describes the machine and the moment of the run.
type machine struct {
	Date, CPU, Kernel string
	Cores             int
	LoadAtStart       string
}

func environment() machine {
	m := machine{Date: time.Now().UTC().Format("2006-01-02 15:04 UTC")}
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(raw), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok && m.CPU == "" {
				m.CPU = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
			}
			if strings.HasPrefix(l, "processor") {
				m.Cores++
			}
		}
	}
	if raw, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(raw))
	}
	if raw, err := os.ReadFile("/proc/loadavg"); err == nil {
		m.LoadAtStart = strings.Join(strings.Fields(string(raw))[:3], " ")
	}
	return m
}

// writeResults writes the raw results, the section of docs/benchmarks.md and the plots.
func writeResults(t *testing.T, cfg benchConfig, m machine, points []point) {
	t.Helper()
	raw, err := json.MarshalIndent(map[string]any{"machine": m, "points": points}, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(cfg.raw), 0o755))
	require.NoError(t, os.WriteFile(cfg.raw, raw, 0o644))
	require.NoError(t, os.MkdirAll(cfg.img, 0o755))
	require.NoError(t, plots(cfg.img, points))
	doc, err := os.ReadFile(cfg.doc)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(cfg.doc, []byte(replaceSection(string(doc), "fleet", section(cfg, m, points))), 0o644))
}

// rewriteReport writes docs/benchmarks.md and the plots again from .tools/bench/fleet.json, without
// measuring (FLEET_REPORT_ONLY=1): after a change to the report's layout.
func rewriteReport(t *testing.T, cfg benchConfig) {
	t.Helper()
	raw, err := os.ReadFile(cfg.raw)
	require.NoError(t, err, "FLEET_REPORT_ONLY needs the results of a run in %s", cfg.raw)
	var saved struct {
		Machine machine `json:"machine"`
		Points  []point `json:"points"`
	}
	require.NoError(t, json.Unmarshal(raw, &saved))
	writeResults(t, cfg, saved.Machine, saved.Points)
}
