package e2e_test

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/conformance/faultproxy"
	"github.com/eim-byoi/eim/test/dbtest"
	"github.com/eim-byoi/eim/test/proc"
	"github.com/eim-byoi/eim/test/testenv"
)

// faultBed is `eim serve --target all` on a PostgreSQL and a NATS server of the test's own
// (testenv.PrivatePostgres, PrivateNATS: stopping them disturbs no other test), PostgreSQL
// reached through the conformance suite's fault proxy (network cuts), with fixed HTTP and
// southbound ports so that clients reach the process again after it is restarted.
type faultBed struct {
	// t is the top-level test: processes started in a scenario's subtest outlive it.
	t                *testing.T
	bin, dir, config string
	env              []string
	stack            faultStack
	pg, nats         *testenv.Private
	pgAdmin          *dbtest.Postgres
	db               dbtest.Database
	// bao is the OpenBao of the stack (nil without a secrets backend).
	bao     *faultBao
	pgProxy *faultproxy.Proxy
	p       *proc.Process
	id      issuer
	// kc is the stack's Keycloak (nil with the embedded issuer).
	kc *faultKeycloak
	// restartTook is how long the last restart of the process took to /readyz 200 (kill scenario).
	restartTook time.Duration
	// secrets are every secret value the run uses (scanned for in the logs).
	secrets []string
	// maria and rabbit are the MariaDB and RabbitMQ servers of the MariaDB + RabbitMQ stack
	// (the database reached through pgProxy there), rabbitSeen its created events.
	maria, rabbit *testenv.Private
	rabbitSeen    map[string]bool
	// logs are the logs of the processes that ended (restarts), the running one's added at the end.
	logs []string
}

// faultStream and faultPrefix are the NATS stream and subject prefix of the deployment.
const (
	faultStream = "FAULTS"
	faultPrefix = "faults."
)

func newFaultBed(t *testing.T, bin string, stack faultStack) *faultBed {
	b := &faultBed{t: t, stack: stack, bin: bin, dir: t.TempDir()}
	if stack.embedded {
		return newEmbeddedBed(t, b)
	}
	if stack.mariaRabbit {
		return newMariaRabbitBed(t, b)
	}
	b.pg, b.nats = testenv.PrivatePostgres(t), testenv.PrivateNATS(t)
	var err error
	b.pgProxy, err = faultproxy.New(b.pg.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.pgProxy.Close() })
	f := files{t: t, dir: b.dir}
	b.pgAdmin = dbtest.OnServer(t, b.pg.Postgres(t))
	b.db = b.pgAdmin.Fresh(t)
	_, portText, err := net.SplitHostPort(b.pgProxy.Addr())
	require.NoError(t, err)
	port, err := strconv.Atoi(portText)
	require.NoError(t, err)
	var providers string
	switch stack.secrets {
	case secretsNone:
		providers = f.database("postgres", "127.0.0.1", port, b.db)
	default:
		b.bao = newFaultBao(t, b, port)
		providers = b.bao.providers(t, b, port)
	}
	if stack.identity == identityKeycloak {
		b.kc = newFaultKeycloak(t, b)
		providers += b.kc.provider(f)
	}
	b.config = f.write("eim.yaml", fmt.Sprintf(`target: all
providers:
%s  messaging:
    type: nats
    config: {url: %q, username: %s, password: {file: %s}, stream: %s, subjectPrefix: %s}
`, providers, "nats://"+b.nats.Addr(), b.nats.User,
		f.write("nats-password", b.nats.Password), faultStream, faultPrefix))
	b.secrets = append(b.secrets, b.pg.Password, b.nats.Password, b.db.Runtime.Password, b.db.Migration.Password)
	b.env = proc.Env(b.dir, "EIM_LISTEN_HTTP=127.0.0.1:"+strconv.Itoa(testenv.FreePort(t)),
		"EIM_SOUTHBOUND_ADDRESS=127.0.0.1:"+strconv.Itoa(testenv.FreePort(t)), "EIM_CONFIG="+b.config)
	if b.kc == nil {
		b.id = &embedded{bin: b.bin, env: b.env}
	}
	b.start(t)
	return b
}

// start starts the eim process (until /readyz answers 200) and returns how long it took. The
// process belongs to the top-level test (it is killed when that test ends, not the scenario).
func (b *faultBed) start(_ *testing.T) time.Duration {
	begin := time.Now()
	b.p = proc.Start(b.t, b.bin, b.dir, b.env, "serve")
	b.p.AwaitSouthbound(b.t)
	return time.Since(begin)
}

// kill kills the process at once (SIGKILL) and keeps its log.
func (b *faultBed) kill() {
	b.p.Kill()
	b.logs = append(b.logs, b.p.Logs())
}

// api is the northbound REST API of the running process.
func (b *faultBed) api() rest { return rest{base: "http://" + b.p.HTTP} }

// awaitReady polls /readyz until it answers 200 and returns how long that took (the test fails
// after two minutes).
func (b *faultBed) awaitReady(t *testing.T) time.Duration {
	begin := time.Now()
	last := ""
	for deadline := begin.Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		code, body := b.p.Get("/readyz", "")
		b.p.Logs() // keeps the log pipe drained
		if code == http.StatusOK {
			return time.Since(begin)
		}
		last = fmt.Sprintf("%d %s", code, body)
	}
	t.Fatalf("/readyz not 200 within 2m after the fault (last: %s); log tail:\n%s", last, tail(b.p.Logs(), 30))
	return 0
}

// allLogs returns the logs of every process of the run.
func (b *faultBed) allLogs() []string { return append(append([]string(nil), b.logs...), b.p.Logs()) }

// tail returns the last n lines of log.
func tail(log string, n int) string {
	lines := strings.Split(log, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
