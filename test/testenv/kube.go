package testenv

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
)

// KubeServer is the test bed's Kubernetes API server (scripts/deps/kube.sh): etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok faking node kwok-node-0, so that pods reach
// Running (and Job and `helm test` pods Succeeded) without containers.
type KubeServer struct {
	// URL is https://127.0.0.1:<KUBE_APISERVER_PORT>.
	URL string
	// Token is the admin bearer token (group system:masters).
	Token string
	// CAFile is the PEM CA of the API server's certificate.
	CAFile string
	// Kubeconfig is the path of a kubeconfig for helm and other clients (admin).
	Kubeconfig string
	// Client is an HTTP client trusting CAFile.
	Client *http.Client
}

// Kube returns the API server, failing the test unless it answers /readyz.
func Kube(t TB) *KubeServer {
	t.Helper()
	dir := filepath.Join(toolsDir(t), "run", "kube")
	s := &KubeServer{URL: "https://" + net.JoinHostPort(Host, strconv.Itoa(portVar(t, "KUBE_APISERVER_PORT"))),
		Token: Var(t, "KUBE_ADMIN_TOKEN"), CAFile: filepath.Join(dir, "pki", "ca.crt"), Kubeconfig: filepath.Join(dir, "kubeconfig")}
	pool := x509.NewCertPool()
	if pem, err := os.ReadFile(s.CAFile); err == nil {
		pool.AppendCertsFromPEM(pem)
	}
	s.Client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	require(t, "kube-apiserver", s.URL+"/readyz", func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/readyz", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+s.Token)
		resp, err := s.Client.Do(req)
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("readyz: %s", resp.Status)
		}
		return nil
	})
	return s
}

// KubernetesValidate returns the path of kubernetes-validate (PyPI, in .tools/venv), which checks
// manifests against the Kubernetes OpenAPI schemas offline.
func KubernetesValidate(t TB) string {
	t.Helper()
	p := filepath.Join(toolsDir(t), "venv", "bin", "kubernetes-validate")
	if fi, err := os.Stat(p); err != nil || fi.Mode()&0o111 == 0 {
		t.Fatalf("testenv: kubernetes-validate is not installed at %s (%v). Fix: run `%s` in %s", p, err, FixCommand, RepoRoot(t))
	}
	return p
}
