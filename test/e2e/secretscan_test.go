package e2e_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/testenv"
)

// secretForms returns what of each secret must never appear in a log: the value itself and,
// for a JWT, its signature (enough to replay it with a forged header and claims is not, but a
// signature in a log is a token in a log).
func secretForms(secrets []string) []string {
	var out []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		out = append(out, s)
		if parts := strings.Split(s, "."); len(parts) == 3 && len(parts[2]) >= 16 {
			out = append(out, parts[2])
		}
	}
	return out
}

// scanTokens fails the test for each line of log holding a secret of secrets (or a JWT's
// signature), without printing the line.
func scanTokens(t *testing.T, log string, secrets []string) {
	t.Helper()
	forms := secretForms(secrets)
	lines := strings.Split(log, "\n")
	for n, line := range lines {
		for i, s := range forms {
			if strings.Contains(line, s) {
				t.Errorf("log line %d holds secret form #%d", n+1, i+1)
			}
		}
	}
	require.NotEmpty(t, forms)
	t.Logf("scanned %d log lines for %d secret forms", len(lines), len(forms))
}

// scanBackendLogs scans the fault run's backend servers' logs (every server of the stack's own)
// and every process log of the run again, this time for the signatures of the tokens too: a
// secret the deployment passed to a backend must not be logged there either.
func scanBackendLogs(t *testing.T, b *faultBed) {
	t.Helper()
	logs := b.allLogs()
	for _, srv := range b.servers() {
		raw, err := os.ReadFile(filepath.Join(srv.Dir, "server.log"))
		require.NoError(t, err)
		logs = append(logs, string(raw))
	}
	scanTokens(t, strings.Join(logs, "\n"), b.runSecrets(t))
}

// runSecrets are every secret value the run used: those the test gave or made, and those the
// stack's OpenBao issued (dynamic database passwords, eim's tokens).
func (b *faultBed) runSecrets(t *testing.T) []string {
	out := append([]string(nil), b.secrets...)
	if b.bao == nil {
		return out
	}
	issued := b.bao.issuedSecrets(t)
	if b.stack.secrets == secretsDynamic {
		require.NotEmpty(t, issued, "the audit log shows the database passwords OpenBao issued")
	}
	t.Logf("%d secrets OpenBao issued during the run (database passwords, tokens) scanned for too", len(issued))
	return append(out, issued...)
}

// servers are the backend servers of b's own (its stack's).
func (b *faultBed) servers() []*testenv.Private {
	var out []*testenv.Private
	for _, s := range []*testenv.Private{b.pg, b.nats, b.maria, b.rabbit} {
		if s != nil {
			out = append(out, s)
		}
	}
	if b.bao != nil {
		out = append(out, b.bao.srv.Private)
	}
	if b.kc != nil {
		out = append(out, b.kc.srv.Private)
	}
	return out
}
