// Package proc runs the real eim binary for end-to-end tests: it builds it, starts
// `eim serve` (or any subcommand) with loopback listeners on port 0 and a data directory of the
// test's own, learns the listeners' addresses from the log, waits until /readyz answers 200, and
// stops (or kills) the process when asked or when the test ends.
package proc

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// ReadyWithin bounds how long a started process may take to answer /readyz 200.
const ReadyWithin = 60 * time.Second

// Build builds ./cmd/eim of the module containing the working directory, with the build tags
// given (eimfaults for the fault points of crash tests), into a temporary directory of the test
// and returns the binary's path.
func Build(t testing.TB, tags ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "eim")
	build := exec.Command("go", "build", "-tags", strings.Join(tags, ","), "-o", bin, "./cmd/eim")
	build.Dir = Root(t)
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	return bin
}

// Env is the environment of an eim process under test: every listener on 127.0.0.1 port 0 and
// dataDir, then extra (KEY=VALUE, later ones win).
func Env(dataDir string, extra ...string) []string {
	env := append(os.Environ(), "EIM_LISTEN_HTTP=127.0.0.1:0", "EIM_LISTEN_GRPC=127.0.0.1:0",
		"EIM_SOUTHBOUND_ADDRESS=127.0.0.1:0", "EIM_DATADIR="+dataDir)
	return append(env, extra...)
}

// Process is a running eim process.
type Process struct {
	// HTTP, GRPC and Southbound are the addresses the process logged it listens on (Southbound
	// and Plaintext are empty when it serves no southbound module or no plaintext listener).
	HTTP, GRPC, Southbound, Plaintext string
	// DataDir is the process's data directory.
	DataDir string

	cmd   *exec.Cmd
	args  []string
	lines chan string
	logs  []string
	done  chan struct{}
}

// Start runs bin with args and env (see Env) until /readyz answers 200, failing the test with
// the log if the process exits first or is not ready within ReadyWithin. The process is killed
// when the test ends.
func Start(t testing.TB, bin, dataDir string, env []string, args ...string) *Process {
	t.Helper()
	p := Launch(t, bin, dataDir, env, args...)
	p.awaitReady(t, args)
	return p
}

// Launch runs bin with args and env (see Env) and returns at once, before the process listens:
// for tests of the process's answers while it starts. AwaitReady waits for /readyz 200 (as
// Start does). The process is killed when the test ends.
func Launch(t testing.TB, bin, dataDir string, env []string, args ...string) *Process {
	t.Helper()
	p := &Process{DataDir: dataDir, lines: make(chan string, 1<<16), done: make(chan struct{}), args: args}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = env
	stderr, err := p.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	t.Cleanup(func() { p.Kill() })
	go p.read(stderr)
	return p
}

// AwaitReady reads the log (learning the listeners' addresses) until /readyz answers 200,
// failing the test with the log if the process exits first or is not ready within ReadyWithin.
func (p *Process) AwaitReady(t testing.TB) {
	t.Helper()
	p.awaitReady(t, p.args)
}

func (p *Process) read(r io.Reader) {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64<<10), 1<<20)
	for s.Scan() {
		p.lines <- s.Text()
	}
	close(p.lines)
}

// listening is the log record of a listener.
type listening struct {
	Msg, HTTP, GRPC, Southbound, Plaintext string
}

func (p *Process) note(l string) {
	p.logs = append(p.logs, l)
	var rec listening
	if json.Unmarshal([]byte(l), &rec) != nil || rec.Msg != "listening" {
		return
	}
	for dst, v := range map[*string]string{&p.HTTP: rec.HTTP, &p.GRPC: rec.GRPC, &p.Southbound: rec.Southbound, &p.Plaintext: rec.Plaintext} {
		if v != "" {
			*dst = v
		}
	}
}

func (p *Process) awaitReady(t testing.TB, args []string) {
	t.Helper()
	deadline := time.After(ReadyWithin)
	poll := time.NewTicker(50 * time.Millisecond)
	defer poll.Stop()
	last := "no answer yet"
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				t.Fatalf("eim %s exited before it was ready:\n%s", strings.Join(args, " "), p.Logs())
			}
			p.note(l)
		case <-poll.C:
			if p.HTTP == "" {
				continue
			}
			code, body := p.Get("/readyz", "")
			if code == http.StatusOK {
				p.drain()
				return
			}
			last = fmt.Sprintf("%d %s", code, body)
		case <-deadline:
			t.Fatalf("eim %s: /readyz not 200 within %s (last: %s):\n%s", strings.Join(args, " "), ReadyWithin, last, p.Logs())
		}
	}
}

// drain takes the lines logged so far (the southbound listener logs after readiness starts).
func (p *Process) drain() {
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				return
			}
			p.note(l)
		default:
			return
		}
	}
}

// Get returns the status and body of GET path on the HTTP listener, with a bearer token when
// token is not empty (0 and the error when the request fails).
func (p *Process) Get(path, token string) (int, string) {
	req, err := http.NewRequest(http.MethodGet, "http://"+p.HTTP+path, nil)
	if err != nil {
		return 0, err.Error()
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err.Error()
	}
	return resp.StatusCode, string(b)
}

// WaitFor reads the log until a line containing s, within timeout.
func (p *Process) WaitFor(t testing.TB, s string, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				t.Fatalf("process exited before logging %q:\n%s", s, p.Logs())
			}
			p.note(l)
			if strings.Contains(l, s) {
				return
			}
		case <-deadline:
			t.Fatalf("no log line with %q within %s:\n%s", s, timeout, p.Logs())
		}
	}
}

// Signal sends sig to the process (e.g. SIGHUP: eim serve applies its log levels again).
func (p *Process) Signal(t testing.TB, sig os.Signal) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(sig))
}

// Terminate sends SIGTERM and returns at once: the process drains and exits (see Wait).
func (p *Process) Terminate(t testing.TB) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
}

// Wait waits for the process to exit; it returns the whole log and the exit error (nil for
// status 0).
func (p *Process) Wait(t testing.TB) (log string, err error) {
	t.Helper()
	if !p.end() {
		return p.Logs(), nil
	}
	for l := range p.lines {
		p.note(l)
	}
	err = p.cmd.Wait()
	return p.Logs(), err
}

// Stop sends SIGTERM and waits for the process to exit (Terminate, then Wait).
func (p *Process) Stop(t testing.TB) (log string, err error) {
	t.Helper()
	p.Terminate(t)
	return p.Wait(t)
}

// Kill kills the process at once (as a crash does) and waits for it; it is idempotent.
func (p *Process) Kill() {
	if !p.end() {
		return
	}
	_ = p.cmd.Process.Kill()
	for l := range p.lines {
		p.note(l)
	}
	_ = p.cmd.Wait()
}

// end marks the process as ending and reports whether it was running.
func (p *Process) end() bool {
	select {
	case <-p.done:
		return false
	default:
		close(p.done)
		return true
	}
}

// AwaitSouthbound reads the log until the southbound listener's address is known and returns it.
func (p *Process) AwaitSouthbound(t testing.TB) string {
	t.Helper()
	deadline := time.After(ReadyWithin)
	for p.Southbound == "" {
		select {
		case l, ok := <-p.lines:
			if !ok {
				t.Fatalf("process exited before its southbound listener was logged:\n%s", p.Logs())
			}
			p.note(l)
		case <-deadline:
			t.Fatalf("no southbound listener logged within %s:\n%s", ReadyWithin, p.Logs())
		}
	}
	return p.Southbound
}

// Logs returns the lines logged so far, joined.
func (p *Process) Logs() string {
	p.drain()
	return strings.Join(p.logs, "\n")
}
