// Package testenv gives tests the addresses and credentials of the real-backend test bed that
// `make deps` (scripts/deps/up.sh) installs and starts on 127.0.0.1: PostgreSQL (plain and TLS-only),
// MariaDB, Redis, NATS with JetStream, RabbitMQ, Keycloak, OpenBao, Ory Hydra, local-kms and helm.
//
// Every accessor (Postgres, Keycloak, ...) first checks that its server answers and, if it does not,
// fails the test with the command that fixes it — it never skips: a test that needs a real backend
// and cannot reach one has not passed.
//
// Ports and credentials are read at run time from scripts/deps/ports.env (and tool paths from
// scripts/deps/versions.env), the same files the scripts use, so there is one source of truth.
// Use Unique to give each test its own database, vhost, stream, key prefix or client id.
package testenv

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TB is the part of testing.TB that testenv uses. *testing.T, *testing.B and conformance.T
// satisfy it.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Cleanup(func())
	Name() string
}

// Host is the address every test-bed server listens on.
const Host = "127.0.0.1"

// FixCommand is what to run when a server of the test bed is not reachable.
const FixCommand = "make deps"

// checkTimeout bounds each reachability check.
const checkTimeout = 5 * time.Second

const modulePath = "github.com/eim-byoi/eim"

var (
	loadOnce sync.Once
	loaded   *env
	loadErr  error
)

// env is the parsed content of scripts/deps/ports.env and versions.env.
type env struct {
	root string
	vars map[string]string
}

// RepoRoot returns the root of the repository (the directory holding the go.mod of
// github.com/eim-byoi/eim), failing the test if it cannot be found.
func RepoRoot(t TB) string {
	t.Helper()
	return load(t).root
}

func load(t TB) *env {
	t.Helper()
	loadOnce.Do(func() { loaded, loadErr = loadEnv() })
	if loadErr != nil {
		t.Fatalf("testenv: %v", loadErr)
	}
	return loaded
}

func loadEnv() (*env, error) {
	root, err := findRoot()
	if err != nil {
		return nil, err
	}
	e := &env{root: root, vars: map[string]string{}}
	for _, name := range []string{"versions.env", "ports.env"} {
		if err := parseEnvFile(filepath.Join(root, "scripts", "deps", name), e.vars); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// findRoot looks for the module root upwards from this source file, then from the working directory.
func findRoot() (string, error) {
	var starts []string
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		starts = append(starts, filepath.Dir(file))
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	for _, dir := range starts {
		for {
			data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
			if err == nil && strings.HasPrefix(strings.TrimSpace(firstModuleLine(string(data))), "module "+modulePath) {
				return dir, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", fmt.Errorf("cannot find the repository root (the go.mod of %s) above %v", modulePath, starts)
}

func firstModuleLine(gomod string) string {
	for _, line := range strings.Split(gomod, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "module ") {
			return strings.TrimSpace(line)
		}
	}
	return ""
}

// parseEnvFile reads KEY=value lines (blank lines and # comments ignored, one level of double or
// single quotes stripped) into vars.
func parseEnvFile(path string, vars map[string]string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read the test-bed settings: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok || key == "" || strings.ContainsAny(key, " \t") {
			return fmt.Errorf("%s:%d: not a KEY=value line: %q", path, n, line)
		}
		if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
			value = value[1 : len(value)-1]
		}
		vars[key] = value
	}
	return sc.Err()
}

// Var returns the value of KEY in scripts/deps/ports.env or versions.env, failing the test if it
// is not set.
func Var(t TB, key string) string {
	t.Helper()
	v, ok := load(t).vars[key]
	if !ok {
		t.Fatalf("testenv: %s is not set in scripts/deps/ports.env or versions.env", key)
	}
	return v
}

func portVar(t TB, key string) int {
	t.Helper()
	p, err := strconv.Atoi(Var(t, key))
	if err != nil || p <= 0 || p > 65535 {
		t.Fatalf("testenv: %s in scripts/deps/ports.env is not a port: %q", key, Var(t, key))
	}
	return p
}

// toolsDir is .tools in the repository root.
func toolsDir(t TB) string {
	t.Helper()
	return filepath.Join(RepoRoot(t), ".tools")
}

// LogFile returns the path of a test-bed server's log, e.g. LogFile(t, "keycloak").
func LogFile(t TB, server string) string {
	t.Helper()
	return filepath.Join(toolsDir(t), "log", server+".log")
}

// require runs check and fails the test, naming the fix, if the server does not answer.
func require(t TB, server, where string, check func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
	defer cancel()
	if err := check(ctx); err != nil {
		t.Fatalf("testenv: %s is not reachable at %s: %v\n"+
			"The real-backend test bed is not running (or %s is down). Fix: run `%s` in %s "+
			"(scripts/deps/up.sh; it is idempotent), then see %s if it still fails.",
			server, where, err, server, FixCommand, RepoRoot(t), LogFile(t, server))
	}
}

// TLSFiles are the test CA and the server certificate (SAN localhost and 127.0.0.1) that the
// TLS-enabled servers (PostgresTLS, MariaDB, and the TLS ports of Redis, NATS and RabbitMQ)
// present, a client certificate signed by the test CA, and a client certificate signed by an
// unrelated CA that no server trusts. They are created by `make deps` in .tools/run/tls; the keys
// are readable by root only.
type TLSFiles struct {
	// CAFile is the PEM CA certificate that signed ServerCertFile and ClientCertFile.
	CAFile string
	// ServerCertFile is the PEM server certificate (DNS:localhost, IP:127.0.0.1).
	ServerCertFile string
	// ServerKeyFile is ServerCertFile's PEM private key.
	ServerKeyFile string
	// ClientCertFile is a PEM client certificate (CN ClientCN, extended key usage clientAuth)
	// signed by CAFile; ClientKeyFile is its PEM private key.
	ClientCertFile, ClientKeyFile string
	// ForeignCAFile is a second PEM CA that no test-bed server trusts; ForeignClientCertFile is
	// a client certificate it signed, with the same subject CN as ClientCertFile, and
	// ForeignClientKeyFile its PEM private key. Servers that verify client certificates reject it.
	ForeignCAFile, ForeignClientCertFile, ForeignClientKeyFile string
}

// ClientCN is the subject common name of both client certificates in TLSFiles.
const ClientCN = "eim-test-client"

// WrongServerName is a host name the test certificate is not valid for, for "wrong host" tests:
// dial 127.0.0.1 but verify the certificate against this name, and verification must fail.
const WrongServerName = "wrong.example.invalid"

// TLS returns the test CA, server and client certificate files, failing the test if one does
// not exist.
func TLS(t TB) TLSFiles {
	t.Helper()
	dir := filepath.Join(toolsDir(t), "run", "tls")
	f := TLSFiles{
		CAFile:                filepath.Join(dir, "ca.crt"),
		ServerCertFile:        filepath.Join(dir, "server.crt"),
		ServerKeyFile:         filepath.Join(dir, "server.key"),
		ClientCertFile:        filepath.Join(dir, "client.crt"),
		ClientKeyFile:         filepath.Join(dir, "client.key"),
		ForeignCAFile:         filepath.Join(dir, "foreign-ca.crt"),
		ForeignClientCertFile: filepath.Join(dir, "foreign-client.crt"),
		ForeignClientKeyFile:  filepath.Join(dir, "foreign-client.key"),
	}
	for _, p := range []string{f.CAFile, f.ServerCertFile, f.ServerKeyFile, f.ClientCertFile, f.ClientKeyFile,
		f.ForeignCAFile, f.ForeignClientCertFile, f.ForeignClientKeyFile} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("testenv: test TLS file missing: %v. Fix: run `%s` in %s", err, FixCommand, RepoRoot(t))
		}
	}
	return f
}

// CertPool returns a pool holding only the test CA.
func (f TLSFiles) CertPool() (*x509.CertPool, error) {
	pem, err := os.ReadFile(f.CAFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("testenv: no certificate in " + f.CAFile)
	}
	return pool, nil
}

// maxUniqueLen keeps names valid as PostgreSQL (63) and MySQL (64) identifiers.
const maxUniqueLen = 63

// Unique returns a name for a resource that only this test uses — a database, vhost, stream, key
// prefix, Keycloak client id — made of prefix, the test's name and 8 random hex digits, e.g.
// Unique(t, "kv") = "kv-testputget-3f9a0c1d". It holds only [a-z0-9-], starts with prefix and is
// at most 63 characters long. Use UniqueIdent where '-' is not allowed.
func Unique(t TB, prefix string) string {
	t.Helper()
	return uniqueName(t, prefix, '-')
}

// UniqueIdent is Unique with '_' in place of '-': a valid unquoted SQL identifier when prefix
// starts with a letter, e.g. UniqueIdent(t, "db") = "db_testputget_3f9a0c1d".
func UniqueIdent(t TB, prefix string) string {
	t.Helper()
	return uniqueName(t, prefix, '_')
}

func uniqueName(t TB, prefix string, sep byte) string {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("testenv: random name: %v", err)
	}
	suffix := hex.EncodeToString(b[:])
	p := sanitize(prefix, sep)
	name := sanitize(t.Name(), sep)
	room := maxUniqueLen - len(p) - len(suffix) - 2
	if room < 0 {
		t.Fatalf("testenv: Unique prefix %q is too long", prefix)
	}
	if len(name) > room {
		name = strings.TrimRight(name[:room], string(sep))
	}
	parts := make([]string, 0, 3)
	for _, s := range []string{p, name, suffix} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, string(sep))
}

// sanitize lowercases s and turns every run of characters outside [a-z0-9] into one sep.
func sanitize(s string, sep byte) string {
	var b strings.Builder
	pending := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if pending && b.Len() > 0 {
				b.WriteByte(sep)
			}
			pending = false
			b.WriteRune(r)
			continue
		}
		pending = true
	}
	return b.String()
}
