package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Private is a backend server owned by one test: started on a free loopback port with its data
// in a directory of the test's own, so that the test may stop and start it (a backend restart)
// without disturbing the shared servers of `make deps` other tests use. It is stopped when the
// test ends.
type Private struct {
	// Name names the server in messages (postgres, nats).
	Name string
	// Port is its client port on 127.0.0.1, the same across restarts.
	Port int
	// User and Password are the credentials clients use (a superuser of PostgreSQL).
	User, Password string
	// Dir holds its data (and its log, Dir/server.log).
	Dir string
	// Wait bounds how long Start waits for the port to accept connections (60s when 0).
	Wait time.Duration

	start func() *exec.Cmd
	stop  func(cmd *exec.Cmd) error
	cmd   *exec.Cmd
}

// Addr returns 127.0.0.1:Port.
func (s *Private) Addr() string { return net.JoinHostPort(Host, strconv.Itoa(s.Port)) }

// Running reports whether the server was started and not stopped since.
func (s *Private) Running() bool { return s.cmd != nil }

// Start starts the server and waits until its port accepts connections.
func (s *Private) Start(t TB) {
	t.Helper()
	if s.cmd != nil {
		return
	}
	cmd := s.start()
	logf, err := os.OpenFile(filepath.Join(s.Dir, "server.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatalf("testenv: private %s: %v", s.Name, err)
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("testenv: start private %s: %v", s.Name, err)
	}
	s.cmd = cmd
	wait := s.Wait
	if wait <= 0 {
		wait = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	check := tcpCheck(s.Addr())
	for check(ctx) != nil {
		if ctx.Err() != nil {
			log, _ := os.ReadFile(filepath.Join(s.Dir, "server.log"))
			t.Fatalf("testenv: private %s not listening on %s within %s:\n%s", s.Name, s.Addr(), wait, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops the server (its clean shutdown) and waits until it exited.
func (s *Private) Stop(t TB) {
	t.Helper()
	if s.cmd == nil {
		return
	}
	if err := s.stop(s.cmd); err != nil {
		t.Fatalf("testenv: stop private %s: %v", s.Name, err)
	}
	s.cmd = nil
}

// Postgres describes a private PostgreSQL (PrivatePostgres) as a PostgresServer: its superuser
// and the postgres database, plain TCP.
func (s *Private) Postgres(t TB) *PostgresServer {
	t.Helper()
	return &PostgresServer{Host: Host, Port: s.Port, User: s.User, Password: s.Password, Database: "postgres",
		psql: filepath.Join(Var(t, "POSTGRES_BINDIR"), "psql")}
}

// FreePort returns a loopback TCP port free at the time of the call.
func FreePort(t TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(Host, "0"))
	if err != nil {
		t.Fatalf("testenv: free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// privateDir creates a directory owned by owner (a system user; "" keeps root's) that the test
// removes at its end.
func privateDir(t TB, owner string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "eim-private-*")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if owner != "" {
		if out, err := exec.Command("chown", owner+":", dir).CombinedOutput(); err != nil {
			t.Fatalf("testenv: chown %s %s: %v: %s", owner, dir, err, out)
		}
	}
	return dir
}

// PrivatePostgres initdb's a PostgreSQL cluster of the test's own (as the postgres system user,
// with the binaries of make deps: POSTGRES_BINDIR), whose superuser is User with a scram
// password, listening on 127.0.0.1 only, and starts it. Stop is a fast shutdown (pg_ctl -m
// fast: sessions are terminated, as in a restart).
func PrivatePostgres(t TB) *Private {
	t.Helper()
	bin := Var(t, "POSTGRES_BINDIR")
	dir := privateDir(t, "postgres")
	s := &Private{Name: "postgres", Port: FreePort(t), User: "eim", Password: "pw-" + Unique(t, "pg"), Dir: dir}
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte(s.Password+"\n"), 0o644); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	initdb := exec.Command("runuser", "-u", "postgres", "--", filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"),
		"-U", s.User, "--pwfile", pw, "--auth", "scram-sha-256", "-E", "UTF8", "--no-sync")
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("testenv: initdb: %v: %s", err, out)
	}
	_ = os.Remove(pw)
	s.start = func() *exec.Cmd {
		return exec.Command("runuser", "-u", "postgres", "--", filepath.Join(bin, "postgres"), "-D", filepath.Join(dir, "data"),
			"-p", strconv.Itoa(s.Port), "-c", "listen_addresses="+Host, "-c", "unix_socket_directories="+dir,
			"-c", "fsync=off", "-c", "max_connections=200")
	}
	s.stop = func(cmd *exec.Cmd) error {
		out, err := exec.Command("runuser", "-u", "postgres", "--", filepath.Join(bin, "pg_ctl"), "stop", "-m", "fast", "-w",
			"-D", filepath.Join(dir, "data")).CombinedOutput()
		_ = cmd.Wait()
		if err != nil {
			return fmt.Errorf("pg_ctl stop: %w: %s", err, out)
		}
		return nil
	}
	s.Start(t)
	t.Cleanup(func() { s.Stop(t) })
	return s
}

// PrivateNATS starts a NATS server with JetStream (its store in Dir, kept across restarts) of
// the test's own, with one user (User, Password) allowed everything. Stop is SIGTERM (the
// server's clean shutdown).
func PrivateNATS(t TB) *Private {
	t.Helper()
	dir := privateDir(t, "")
	s := &Private{Name: "nats", Port: FreePort(t), User: "eim", Password: "pw-" + Unique(t, "nats"), Dir: dir}
	s.start = func() *exec.Cmd {
		return exec.Command("nats-server", "-a", Host, "-p", strconv.Itoa(s.Port), "-js", "-sd", filepath.Join(dir, "js"),
			"--user", s.User, "--pass", s.Password)
	}
	s.stop = func(cmd *exec.Cmd) error {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			return err
		}
		_ = cmd.Wait()
		return nil
	}
	s.Start(t)
	t.Cleanup(func() { s.Stop(t) })
	return s
}

// PrivateNATSWithAuth starts a NATS server with JetStream of the test's own whose configuration
// file holds authorization (the text of an authorization { ... } block: users and their
// permissions), to test what a user with given permissions may do. User and Password are empty:
// the users are the block's. Stop is SIGTERM.
func PrivateNATSWithAuth(t TB, authorization string) *Private {
	t.Helper()
	dir := privateDir(t, "")
	s := &Private{Name: "nats", Port: FreePort(t), Dir: dir}
	conf := filepath.Join(dir, "nats.conf")
	text := fmt.Sprintf("listen: %q\njetstream { store_dir: %q }\nauthorization {\n%s\n}\n",
		net.JoinHostPort(Host, strconv.Itoa(s.Port)), filepath.Join(dir, "js"), authorization)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	s.start = func() *exec.Cmd { return exec.Command("nats-server", "-c", conf) }
	s.stop = func(cmd *exec.Cmd) error {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			return err
		}
		_ = cmd.Wait()
		return nil
	}
	s.Start(t)
	t.Cleanup(func() { s.Stop(t) })
	return s
}
