// Package servetest runs an EIM process in a test: bootstrap.Run (what `eim serve` runs) on
// loopback listeners over the real providers a configuration names (the embedded defaults,
// or PostgreSQL from make deps), with access to its embedded issuer, its database and its
// in-process inventory client for setting up and checking state.
package servetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/kinds"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/bootstrap"
	"github.com/eim-byoi/eim/services/module"
	"github.com/eim-byoi/eim/test/dbtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// Config returns the configuration of a process with target, a fresh data directory, and the
// database of dialect (sqlite in the data directory, or a fresh PostgreSQL database of the test
// bed), with extra YAML merged in (may be empty).
func Config(t testing.TB, dialect, target, extra string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	doc := "target: " + target + "\ndataDir: " + dir + "\nlog: {level: debug, format: text}\n" + extra
	if dialect == "postgres" {
		doc += postgres(t, dir)
	}
	cfg, err := config.Load([]byte(doc), config.Options{Sources: kinds.Sources()})
	require.NoError(t, err, doc)
	return cfg
}

// postgres creates a database of the test bed's PostgreSQL owned by a new role without
// superuser or BYPASSRLS (dropped at the test's end) and returns its providers block.
func postgres(t testing.TB, dir string) string {
	t.Helper()
	pg := dbtest.NewPostgres(t, false)
	user, db, pw := testenv.UniqueIdent(t, "svt"), testenv.UniqueIdent(t, "svt"), testenv.UniqueIdent(t, "pw")
	pg.Exec(t, fmt.Sprintf(`CREATE ROLE %q LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '%s'`, user, pw))
	t.Cleanup(func() { pg.DropRoles(t, user) })
	pg.Exec(t, fmt.Sprintf(`CREATE DATABASE %q OWNER %q`, db, user))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := pg.Admin().ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, db)); err != nil {
			t.Logf("drop database %s: %v", db, err)
		}
	})
	pwFile := filepath.Join(dir, "db-password")
	require.NoError(t, os.WriteFile(pwFile, []byte(pw), 0o600))
	u := url.URL{Scheme: "postgres", User: url.User(user), Host: pg.Server.Addr(), Path: "/" + db}
	return "\nproviders:\n  database:\n    type: postgres\n    config:\n      url: " + u.String() +
		"\n      password: {file: " + pwFile + "}\n      tls: {mode: disable}\n"
}

// Process is a running EIM process.
type Process struct {
	// URL is the HTTP listener's base URL, http://127.0.0.1:<port>.
	URL string
	// Southbound and Plaintext are the addresses of the southbound TLS listener and of its
	// plaintext twin (the same services without TLS), served when the target runs a module that
	// serves the agents.
	Southbound, Plaintext string
	// Config is the process's configuration.
	Config *config.Config
	// DB is the process's database.
	DB *storage.DB
	// Inventory is the in-process inventory client.
	Inventory inventoryv1.InventoryServiceClient
	// Identity is the opened identity provider.
	Identity *identity.Provider
	// Secrets is the opened secrets provider.
	Secrets *secrets.Provider
	// Modules are the process's modules, by name, as their factories built them.
	Modules map[string]module.Module

	mu     sync.Mutex // orders the captures (in Run's goroutine) before the test reads them
	cancel context.CancelFunc
	done   chan error
}

// Start runs a process with cfg and the built-in modules (factories overrides some), and waits
// until /readyz answers 200. The process stops at the test's end unless Stop stopped it.
func Start(t testing.TB, cfg *config.Config, factories map[string]module.Factory) *Process {
	t.Helper()
	httpLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	grpcLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	southLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	plainLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = southLn.Close(), plainLn.Close() }) // unused when no module serves the agents
	cfg.Listen.HTTP, cfg.Listen.GRPC = httpLn.Addr().String(), grpcLn.Addr().String()
	cfg.Southbound.Address, cfg.Southbound.Plaintext = southLn.Addr().String(), plainLn.Addr().String()
	p := &Process{URL: "http://" + httpLn.Addr().String(), Southbound: southLn.Addr().String(), Plaintext: plainLn.Addr().String(),
		Config: cfg, Modules: map[string]module.Module{}, done: make(chan error, 1)}
	mods := bootstrap.DefaultModules()
	for name, f := range factories {
		mods[name] = f
	}
	for name, f := range mods {
		mods[name] = p.capture(name, f)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	go func() {
		p.done <- bootstrap.Run(ctx, bootstrap.RunOptions{Config: cfg, Logger: log, HTTPListener: httpLn, GRPCListener: grpcLn,
			SouthboundListener: southLn, PlaintextListener: plainLn,
			Kinds: p.kinds(), Modules: mods, Version: "test"})
	}()
	t.Cleanup(func() { p.Stop(t) })
	p.waitReady(t)
	return p
}

// capture wraps a factory to keep the module it builds (and the inventory's client).
func (p *Process) capture(name string, f module.Factory) module.Factory {
	return func(d module.Deps) (module.Module, error) {
		m, err := f(d)
		p.mu.Lock()
		defer p.mu.Unlock()
		if err == nil {
			p.Modules[name] = m
			if ip, ok := m.(module.InventoryProvider); ok {
				p.Inventory = ip.InventoryClient()
			}
		}
		return m, err
	}
}

// kinds wraps the kinds to keep the storage, identity and secrets providers they open.
func (p *Process) kinds() []kinds.Kind {
	ks := kinds.All()
	for i := range ks {
		open := ks[i].Open
		ks[i].Open = func(ctx context.Context, env *kinds.Env) (kinds.Opened, error) {
			o, err := open(ctx, env)
			p.mu.Lock()
			defer p.mu.Unlock()
			if err == nil {
				p.DB, p.Identity, p.Secrets = env.Set.Storage, env.Set.Identity, env.Set.Secrets
			}
			return o, err
		}
	}
	return ks
}

func (p *Process) waitReady(t testing.TB) {
	t.Helper()
	for {
		select {
		case err := <-p.done:
			p.done <- err
			require.NoError(t, err, "the process ended before it was ready")
			t.Fatal("the process ended before it was ready")
		default:
		}
		resp, err := http.Get(p.URL + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				p.mu.Lock()
				defer p.mu.Unlock()
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop ends the process and waits for its shutdown; it is idempotent.
func (p *Process) Stop(t testing.TB) {
	t.Helper()
	if p.cancel == nil {
		return
	}
	p.cancel()
	p.cancel = nil
	require.NoError(t, <-p.done)
}

// Token mints a token of the process's embedded issuer carrying roles as they are.
func (p *Process) Token(t testing.TB, roles ...string) string {
	t.Helper()
	var m identity.Minter
	require.True(t, p.Identity.As(&m), "the process's identity provider is not the embedded issuer")
	tok, err := m.Mint(context.Background(), identity.Grant{Subject: "servetest", Roles: roles, TTL: time.Hour})
	require.NoError(t, err)
	return tok
}

// Do sends a request with a bearer token and a JSON body (nil for none), returning the status
// and the body.
func (p *Process) Do(t testing.TB, method, path, token string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, p.URL+path, r)
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
