package vault_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/test/testenv"
)

// freePortPair returns a loopback port p such that p and p+1 (the dev cluster listener) are free.
func freePortPair(t *testing.T) int {
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		p := l.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+1))
		_ = l.Close()
		if err == nil {
			_ = l2.Close()
			return p
		}
	}
	t.Fatal("no free pair of loopback ports")
	return 0
}

// startTLSServer runs the test bed's bao binary as a second dev server with TLS on loopback
// (its dev mode makes a CA and a certificate for 127.0.0.1 and localhost) and returns its
// address and CA file.
func startTLSServer(t *testing.T) (addr, caFile string) {
	bin := testenv.OpenBao(t).Bin
	dir := t.TempDir()
	port := freePortPair(t)
	cmd := exec.Command(bin, "server", "-dev", "-dev-tls", "-dev-tls-cert-dir="+dir, "-dev-root-token-id=root",
		"-dev-listen-address=127.0.0.1:"+strconv.Itoa(port), "-dev-no-store-token")
	cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	logf, err := os.Create(filepath.Join(dir, "bao.log"))
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = logf, logf
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); _ = logf.Close() })
	addr = fmt.Sprintf("https://127.0.0.1:%d", port)
	caFile = filepath.Join(dir, "vault-ca.pem")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(caFile); err == nil && healthy(addr, caFile) {
			return addr, caFile
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "bao.log"))
			t.Fatalf("the TLS dev server did not start: %s", log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// healthy reports whether the server at addr answers /v1/sys/health as initialized and
// unsealed, verified with caFile.
func healthy(addr, caFile string) bool {
	conf := &api.Config{Address: addr}
	if err := conf.ConfigureTLS(&api.TLSConfig{CACert: caFile}); err != nil {
		return false
	}
	c, err := api.NewClient(conf)
	if err != nil {
		return false
	}
	h, err := c.Sys().Health()
	return err == nil && h.Initialized && !h.Sealed
}

// TestTLS verifies the server against a CA bundle and a server name.
func TestTLS(t *testing.T) {
	b := newBed(t)
	addr, ca := startTLSServer(t)
	cfg := b.withToken(b.config(addr), "root")
	cfg.Transit = nil
	cfg.TLS.CA = testenv.FileRef(t, ca)
	p := b.open(cfg)
	require.NoError(t, p.CheckHealth(context.Background()), "the dev CA verifies the server")
	_, err := p.Store().Put(context.Background(), "tls/check", map[string][]byte{"k": []byte("v")})
	require.NoError(t, err)

	wrongName := b.withToken(b.config(addr), "root")
	wrongName.Transit = nil
	wrongName.TLS.CA, wrongName.TLS.ServerName = testenv.FileRef(t, ca), testenv.WrongServerName
	err = b.open(wrongName).CheckHealth(context.Background())
	require.Error(t, err, "a certificate not valid for the server name is refused")
	assert.Contains(t, err.Error(), "certificate")

	noCA := b.withToken(b.config(addr), "root")
	noCA.Transit = nil
	err = b.open(noCA).CheckHealth(context.Background())
	require.Error(t, err, "without the CA the dev certificate is not trusted")
	assert.Equal(t, provider.FailedPrecondition, provider.CodeOf(err), "retrying does not help: %v", err)
	assert.Contains(t, err.Error(), "check tls.ca and tls.serverName")
}

// TestNamespace reads through an OpenBao namespace.
func TestNamespace(t *testing.T) {
	b := newBed(t)
	ns := testenv.Unique(t, "ns")
	_, err := b.root.Logical().Write("sys/namespaces/"+ns, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = b.root.Logical().Delete("sys/namespaces/" + ns) })
	inNS := b.root.WithNamespace(ns)
	require.NoError(t, inNS.Sys().Mount("secret", &api.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}))
	_, err = inNS.KVv2("secret").Put(context.Background(), "app", map[string]any{"k": "in-namespace"})
	require.NoError(t, err)

	cfg := b.withToken(b.config(b.bao.Addr), b.bao.RootToken)
	cfg.Namespace = ns
	v, err := b.open(cfg).ReadSecret(context.Background(), "app", "k")
	require.NoError(t, err)
	assert.Equal(t, "in-namespace", string(v))
	_, err = b.open(b.withToken(b.config(b.bao.Addr), b.bao.RootToken)).ReadSecret(context.Background(), "app", "k")
	assert.Equal(t, provider.NotFound, provider.CodeOf(err), "outside the namespace the secret does not exist")
}
