package testenv

import (
	"net"
	"path/filepath"
	"strconv"
)

// OpenBaoServer is the test bed's OpenBao dev server (in memory: a restart loses everything).
// Mounted by `make deps`: kv-v2 at KVMount, transit at TransitMount, AppRole auth at AppRoleMount.
// The database secrets engine is left for tests to enable and configure.
type OpenBaoServer struct {
	// Addr is the API address, http://127.0.0.1:<OPENBAO_PORT> (BAO_ADDR / VAULT_ADDR).
	Addr string
	// RootToken is the dev root token (root).
	RootToken string
	// KVMount ("secret"), TransitMount ("transit") and AppRoleMount ("approle") are the mount paths.
	KVMount, TransitMount, AppRoleMount string
	// Bin is the bao CLI (.tools/bin/bao).
	Bin string
}

// OpenBao returns the OpenBao server, failing the test unless /v1/sys/health reports it
// initialized and unsealed.
func OpenBao(t TB) *OpenBaoServer {
	t.Helper()
	s := &OpenBaoServer{Addr: "http://" + net.JoinHostPort(Host, strconv.Itoa(portVar(t, "OPENBAO_PORT"))),
		RootToken: Var(t, "OPENBAO_ROOT_TOKEN"), KVMount: "secret", TransitMount: "transit", AppRoleMount: "approle",
		Bin: filepath.Join(toolsDir(t), "bin", "bao")}
	require(t, "openbao", s.Addr+"/v1/sys/health", httpCheck(s.Addr+"/v1/sys/health"))
	return s
}

// CLIEnv returns the environment entries that point the bao (and vault) CLI at this server with
// the root token, to append to an exec.Cmd's Env.
func (s *OpenBaoServer) CLIEnv() []string {
	return []string{"BAO_ADDR=" + s.Addr, "BAO_TOKEN=" + s.RootToken, "VAULT_ADDR=" + s.Addr, "VAULT_TOKEN=" + s.RootToken}
}
