package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/hashicorp/vault/api"
)

// PrivateBao is an OpenBao server of the test's own (PrivateOpenBao): integrated (raft)
// storage in its directory, so that a restart keeps every secret, mount and role, and unlike the dev server of
// `make deps` it starts sealed: Start unseals it with the key its initialization gave.
type PrivateBao struct {
	*Private
	// RootToken is the root token of its initialization.
	RootToken string
	// Bin is the bao binary (.tools/bin/bao).
	Bin string
	// AuditLog is the server's file audit device (declared in its configuration, raw: every
	// request and response in clear, one JSON object a line), for tests that must know the
	// secrets it issued (dynamic database passwords, tokens). It is not the server's log.
	AuditLog string

	unsealKey string
}

// URL returns http://127.0.0.1:Port, the API address.
func (s *PrivateBao) URL() string { return "http://" + s.Addr() }

// Root returns an API client of the server with the root token.
func (s *PrivateBao) Root(t TB) *api.Client {
	t.Helper()
	c, err := api.NewClient(&api.Config{Address: s.URL(), Timeout: 30 * time.Second})
	if err != nil {
		t.Fatalf("testenv: openbao client: %v", err)
	}
	c.SetToken(s.RootToken)
	return c
}

// Start starts the server and unseals it (a no-op when it runs).
func (s *PrivateBao) Start(t TB) {
	t.Helper()
	if s.Running() {
		return
	}
	s.Private.Start(t)
	if s.unsealKey != "" {
		s.unseal(t)
	}
}

// unseal unseals the server and waits until it is active (it answers /v1/sys/health 200).
func (s *PrivateBao) unseal(t TB) {
	t.Helper()
	c := s.Root(t)
	if _, err := c.Sys().Unseal(s.unsealKey); err != nil {
		t.Fatalf("testenv: unseal private openbao: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for check := httpCheck(s.URL() + "/v1/sys/health"); check(ctx) != nil; time.Sleep(50 * time.Millisecond) {
		if ctx.Err() != nil {
			t.Fatalf("testenv: private openbao not active within 60s after unseal")
		}
	}
}

// PrivateOpenBao starts an OpenBao server (the bao binary of make deps) of the test's own with
// one-node integrated storage in Dir, initializes it with one unseal key, unseals it and mounts a KV version 2
// engine at secret/ (as the shared dev server has). Stop is SIGTERM (a clean shutdown: the
// server is sealed again, and Start unseals it). Every request and response is written to
// AuditLog.
func PrivateOpenBao(t TB) *PrivateBao {
	t.Helper()
	dir := privateDir(t, "")
	s := &PrivateBao{Private: &Private{Name: "openbao", Port: FreePort(t), Dir: dir}, Bin: filepath.Join(toolsDir(t), "bin", "bao"),
		AuditLog: filepath.Join(dir, "audit.log")}
	// OpenBao 2 has no file storage: a one-node integrated storage (raft) keeps the state.
	cluster := FreePort(t)
	hcl := fmt.Sprintf(`storage "raft" {
  path = %q
  node_id = "private"
}
listener "tcp" {
  address = "%s:%d"
  cluster_address = "%s:%d"
  tls_disable = true
}
api_addr = "http://%s:%d"
cluster_addr = "http://%s:%d"
ui = false
audit "file" "raw" {
  options {
    file_path = %q
    log_raw = "true"
  }
}
`, filepath.Join(dir, "data"), Host, s.Port, Host, cluster, Host, s.Port, Host, cluster, s.AuditLog)
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	cfg := filepath.Join(dir, "server.hcl")
	if err := os.WriteFile(cfg, []byte(hcl), 0o600); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	s.start = func() *exec.Cmd { return exec.Command(s.Bin, "server", "-config", cfg) }
	s.stop = func(cmd *exec.Cmd) error {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			return err
		}
		_ = cmd.Wait()
		return nil
	}
	s.Private.Start(t)
	t.Cleanup(func() { s.Stop(t) })
	s.initialize(t)
	s.unseal(t)
	root := s.Root(t)
	if err := root.Sys().Mount("secret", &api.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}); err != nil {
		t.Fatalf("testenv: mount kv-v2 on private openbao: %v", err)
	}
	// A new KV version 2 mount upgrades itself for a moment first (writes answer 400 meanwhile).
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		_, err := root.KVv2("secret").Put(ctx, "testenv-probe", map[string]any{"ready": "yes"})
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("testenv: the KV mount of the private openbao takes no write within 60s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := root.KVv2("secret").DeleteMetadata(ctx, "testenv-probe"); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return s
}

// initialize initializes the new server with one unseal key.
func (s *PrivateBao) initialize(t TB) {
	t.Helper()
	c, err := api.NewClient(&api.Config{Address: s.URL(), Timeout: 60 * time.Second})
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	resp, err := c.Sys().Init(&api.InitRequest{SecretShares: 1, SecretThreshold: 1})
	if err != nil {
		t.Fatalf("testenv: init private openbao: %v", err)
	}
	if len(resp.Keys) != 1 || resp.RootToken == "" {
		t.Fatalf("testenv: init private openbao: %d keys", len(resp.Keys))
	}
	s.unsealKey, s.RootToken = resp.Keys[0], resp.RootToken
}
