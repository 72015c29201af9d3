package charts_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/testenv"
)

// kube is a small REST client of the test bed's API server (the project carries no Kubernetes
// client library).
type kube struct {
	*testenv.KubeServer
	t *testing.T
}

// do sends body (JSON) with method to path and returns the status and the response body.
func (k kube) do(method, path string, body any) (int, []byte) {
	k.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(k.t, err)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, k.URL+path, r)
	require.NoError(k.t, err)
	req.Header.Set("Authorization", "Bearer "+k.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := k.Client.Do(req)
	require.NoError(k.t, err)
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	require.NoError(k.t, err)
	return resp.StatusCode, b
}

// create POSTs an object, failing the test unless it is created.
func (k kube) create(path string, o map[string]any) {
	k.t.Helper()
	code, b := k.do(http.MethodPost, path, o)
	require.Equal(k.t, http.StatusCreated, code, "POST %s: %s", path, b)
}

// list returns the items at path (a collection).
func (k kube) list(path string) []map[string]any {
	k.t.Helper()
	code, b := k.do(http.MethodGet, path, nil)
	require.Equal(k.t, http.StatusOK, code, "GET %s: %s", path, b)
	var l struct {
		Items []map[string]any `json:"items"`
	}
	require.NoError(k.t, json.Unmarshal(b, &l))
	return l.Items
}

// namespace creates a namespace of the test's own, deleted when the test ends.
func (k kube) namespace() string {
	k.t.Helper()
	ns := testenv.Unique(k.t, "eim")
	k.create("/api/v1/namespaces", map[string]any{"metadata": map[string]any{"name": ns}})
	k.t.Cleanup(func() { k.do(http.MethodDelete, "/api/v1/namespaces/"+ns, nil) })
	return ns
}

// secret creates a Secret with string data.
func (k kube) secret(ns, name, typ string, data map[string]string) {
	k.t.Helper()
	k.create("/api/v1/namespaces/"+ns+"/secrets", map[string]any{
		"metadata": map[string]any{"name": name}, "type": typ, "stringData": data})
}

// helmEnv is the environment of a helm command against the test bed: its kubeconfig and
// helm's own directories in a temporary directory.
func helmEnv(t *testing.T, k *testenv.KubeServer) []string {
	t.Helper()
	home := t.TempDir()
	for _, d := range []string{"cache", "config", "data"} {
		require.NoError(t, os.MkdirAll(filepath.Join(home, d), 0o700))
	}
	return []string{"KUBECONFIG=" + k.Kubeconfig, "HELM_CACHE_HOME=" + filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME=" + filepath.Join(home, "config"), "HELM_DATA_HOME=" + filepath.Join(home, "data")}
}
