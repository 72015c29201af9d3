package doctor_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/doctor"
	"github.com/eim-byoi/eim/internal/prereq"
	"github.com/eim-byoi/eim/providers/messaging"
	natsbroker "github.com/eim-byoi/eim/providers/messaging/nats"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/process"
	"github.com/eim-byoi/eim/test/testenv"
)

// specOf loads an eim.yaml whose providers block is providers and derives its spec.
func specOf(t *testing.T, providers string) *prereq.Spec {
	t.Helper()
	file := filepath.Join(t.TempDir(), "eim.yaml")
	require.NoError(t, os.WriteFile(file, []byte("providers:\n"+providers), 0o600))
	cfg, err := process.LoadConfig(file)
	require.NoError(t, err)
	spec, err := prereq.Derive(cfg, process.Built)
	require.NoError(t, err)
	return spec
}

// runBroker runs doctor's messaging checks.
func runBroker(t *testing.T, spec *prereq.Spec) *doctor.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return doctor.Run(ctx, spec, doctor.Options{Targets: []string{prereq.KindMessaging}})
}

func failedOf(r *doctor.Report) []string {
	var out []string
	for _, f := range r.Failed() {
		out = append(out, f.Target+"/"+f.Check+"/"+f.Subject)
	}
	return out
}

// natsPermissions is a user's permissions block holding grants only.
func natsPermissions(grants []prereq.Grant) string {
	var pub, sub []string
	for _, g := range grants {
		if g.Action == prereq.NATSPublish {
			pub = append(pub, `"`+g.Object+`"`)
		} else {
			sub = append(sub, `"`+g.Object+`"`)
		}
	}
	subs := `subscribe: { deny: [">"] }`
	if len(sub) > 0 {
		subs = "subscribe: { allow: [" + strings.Join(sub, ", ") + "] }"
	}
	return "permissions: { publish: { allow: [" + strings.Join(pub, ", ") + "] }, " + subs + " }"
}

// TestDoctorNATSPermissions starts a NATS server whose user "full" holds exactly the
// permissions prereq.NATSPermissions prints and, per grant, a user lacking only that one; doctor
// passes the first (and the real nats adapter works with it: stream, consumer, publish, pull,
// ack) and names exactly the missing grant, with its fix, for each of the others.
func TestDoctorNATSPermissions(t *testing.T) {
	cfg := natsbroker.NewConfig()
	cfg.Stream, cfg.SubjectPrefix = "DOCTOR", "doctor."
	grants := prereq.NATSGrants(cfg)
	users := []string{`{user: "full", password: "pw-full", ` + prereq.NATSPermissions(cfg) + `}`}
	for i := range grants {
		rest := append(append([]prereq.Grant{}, grants[:i]...), grants[i+1:]...)
		users = append(users, fmt.Sprintf(`{user: "no%d", password: "pw-no%d", %s}`, i, i, natsPermissions(rest)))
	}
	srv := testenv.PrivateNATSWithAuth(t, "users: [\n"+strings.Join(users, "\n")+"\n]")
	block := func(user, pw string) string {
		return fmt.Sprintf("  messaging:\n    type: nats\n    config: {url: \"nats://%s\", username: %s, password: {env: EIM_TEST_NATS_PW}, stream: %s, subjectPrefix: %s}\n",
			srv.Addr(), user, cfg.Stream, cfg.SubjectPrefix)
	}

	t.Run("full", func(t *testing.T) {
		t.Setenv("EIM_TEST_NATS_PW", "pw-full")
		spec := specOf(t, block("full", "pw-full"))
		rep := runBroker(t, spec)
		require.Empty(t, failedOf(rep), "%s", tableOf(rep))
		assert.Len(t, rep.Findings, 2+len(grants)+1, "reach, auth, the grants, jetstream")
		natsRoundTrip(t, spec.NATS)
		rep = runBroker(t, spec)
		require.Empty(t, failedOf(rep), "with the stream created: %s", tableOf(rep))
	})
	for i, g := range grants {
		t.Run(g.Action+" "+g.Object, func(t *testing.T) {
			user := fmt.Sprintf("no%d", i)
			t.Setenv("EIM_TEST_NATS_PW", "pw-"+user)
			rep := runBroker(t, specOf(t, block(user, "pw-"+user)))
			require.Equal(t, []string{"messaging/permissions/" + g.Action + " " + g.Object}, failedOf(rep), "%s", tableOf(rep))
			f := rep.Failed()[0]
			assert.Contains(t, f.Fix, "nsc edit user --name "+user+" --allow-"+g.Action[:3]+" '"+g.Object+"'")
			assert.Contains(t, f.Fix, prereq.NATSPermissions(cfg))
			assert.Contains(t, f.Detail, "Permissions Violation")
		})
	}
	t.Run("wrong password", func(t *testing.T) {
		t.Setenv("EIM_TEST_NATS_PW", "not-the-password")
		rep := runBroker(t, specOf(t, block("full", "")))
		require.Equal(t, []string{"messaging/auth/full"}, failedOf(rep), "%s", tableOf(rep))
		assert.NotContains(t, tableOf(rep), "not-the-password")
	})
}

// natsRoundTrip runs the real adapter with c's user: a group receives a published event.
func natsRoundTrip(t *testing.T, c *natsbroker.Config) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bus, err := messaging.Open(ctx, "nats", c, messaging.Env{})
	require.NoError(t, err)
	defer bus.Close()
	got := make(chan string, 1)
	sub, err := bus.Subscribe(ctx, "hosts.changed", "doctor", func(_ context.Context, m messaging.Message) error {
		select {
		case got <- string(m.Payload):
		default:
		}
		return nil
	})
	require.NoError(t, err)
	defer func() { _ = sub.Close(context.Background()) }()
	require.NoError(t, bus.Publish(ctx, "hosts.changed", messaging.Message{Key: "h", Payload: []byte("online")}))
	select {
	case p := <-got:
		assert.Equal(t, "online", p)
	case <-ctx.Done():
		t.Fatal("the least-privileged user received nothing")
	}
}

func tableOf(r *doctor.Report) string {
	var b strings.Builder
	r.WriteTable(&b)
	return b.String()
}

// rabbitBed is a vhost, user and exchange of the test's own on the RabbitMQ of make deps,
// none of which exists before bootstrap creates them; they are removed when the test ends.
type rabbitBed struct {
	srv                   *testenv.RabbitMQServer
	vhost, user, exchange string
	dir, config, password string
}

func newRabbitBed(t *testing.T) *rabbitBed {
	t.Helper()
	b := &rabbitBed{srv: testenv.RabbitMQ(t), vhost: testenv.Unique(t, "vh"), user: testenv.Unique(t, "eim"),
		exchange: testenv.Unique(t, "ex"), dir: t.TempDir()}
	b.password = filepath.Join(b.dir, "rabbitmq-password")
	t.Cleanup(func() {
		b.mgmt(t, http.MethodDelete, "/api/vhosts/"+url.PathEscape(b.vhost), nil, nil)
		b.mgmt(t, http.MethodDelete, "/api/users/"+url.PathEscape(b.user), nil, nil)
	})
	return b
}

func (b *rabbitBed) providers() string {
	return fmt.Sprintf("  messaging:\n    type: rabbitmq\n    config: {url: \"amqp://%s/%s\", username: %s, password: {file: %s}, exchange: %s}\n",
		b.srv.Addr(), url.PathEscape(b.vhost), b.user, b.password, b.exchange)
}

// bootstrap runs `eim bootstrap messaging` with the management API's administrator.
func (b *rabbitBed) bootstrap(t *testing.T, spec *prereq.Spec, dryRun bool) *prereq.Plan {
	t.Helper()
	t.Setenv("EIM_TEST_RMQ_ADMIN_PW", b.srv.Password)
	adminFile := filepath.Join(b.dir, "admin.yaml")
	require.NoError(t, os.WriteFile(adminFile, []byte(fmt.Sprintf("rabbitmq: {url: %s, user: %s, password: {env: EIM_TEST_RMQ_ADMIN_PW}}\nsecretsDir: %s\n",
		b.srv.ManagementURL(), b.srv.User, b.dir)), 0o600))
	admin, err := prereq.LoadAdmin(context.Background(), adminFile)
	require.NoError(t, err)
	plan, err := prereq.Bootstrap(context.Background(), spec, prereq.Options{Target: prereq.KindMessaging, DryRun: dryRun, Admin: admin})
	require.NoError(t, err)
	return plan
}

// mgmt calls the management API as the administrator; a 404 is not an error.
func (b *rabbitBed) mgmt(t *testing.T, method, path string, body, out any) int {
	t.Helper()
	var rd *strings.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(t, err)
		rd = strings.NewReader(string(raw))
	} else {
		rd = strings.NewReader("")
	}
	req, err := http.NewRequest(method, b.srv.ManagementURL()+path, rd)
	require.NoError(t, err)
	req.SetBasicAuth(b.srv.User, b.srv.Password)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	if out != nil && resp.StatusCode == http.StatusOK {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
	}
	return resp.StatusCode
}

func (b *rabbitBed) setPermissions(t *testing.T, configure, write, read string) {
	t.Helper()
	code := b.mgmt(t, http.MethodPut, "/api/permissions/"+url.PathEscape(b.vhost)+"/"+url.PathEscape(b.user),
		map[string]string{"configure": configure, "write": write, "read": read}, nil)
	require.Less(t, code, 300)
}

// TestRabbitMQBootstrapAndPermissions bootstraps a vhost, a user and its permissions on the
// RabbitMQ of make deps through the management API (a dry run changes nothing, a second run
// plans nothing), runs the real rabbitmq adapter with that user, then takes away one
// permission at a time — configure, write or read, on the exchange or on the queues — and
// asserts that doctor names exactly that one, with the rabbitmqctl command that fixes it.
func TestRabbitMQBootstrapAndPermissions(t *testing.T) {
	b := newRabbitBed(t)
	spec := specOf(t, b.providers())
	plan := b.bootstrap(t, spec, true)
	require.Len(t, plan.Steps, 3, "vhost, user, permissions")
	assert.Equal(t, http.StatusNotFound, b.mgmt(t, http.MethodGet, "/api/users/"+url.PathEscape(b.user), nil, nil), "a dry run changes nothing")
	assert.NoFileExists(t, b.password)

	plan = b.bootstrap(t, spec, false)
	require.Len(t, plan.Steps, 3)
	assert.Equal(t, b.password, plan.Steps[1].SecretTo)
	info, err := os.Stat(b.password)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	pw, err := os.ReadFile(b.password)
	require.NoError(t, err)
	var out strings.Builder
	require.NoError(t, plan.WriteJSON(&out))
	assert.NotContains(t, out.String(), string(pw))

	spec = specOf(t, b.providers()) // the password file exists now
	assert.Empty(t, b.bootstrap(t, spec, false).Steps, "a second run is a no-op")
	rep := runBroker(t, spec)
	require.Empty(t, failedOf(rep), "%s", tableOf(rep))
	roundTrip(t, "rabbitmq", spec.RabbitMQ)

	ex, qs := regexp.QuoteMeta(b.exchange), regexp.QuoteMeta(b.exchange)+`\..*`
	all := prereq.RabbitMQPattern(spec.RabbitMQ)
	for _, tc := range []struct {
		grant                  string
		configure, write, read string
	}{
		{"configure exchange " + b.exchange, "^" + qs + "$", all, all},
		{"configure queues " + b.exchange + ".*", "^" + ex + "$", all, all},
		{"write queues " + b.exchange + ".*", all, "^" + ex + "$", all},
		{"read exchange " + b.exchange, all, all, "^" + qs + "$"},
		{"write exchange " + b.exchange, all, "^" + qs + "$", all},
		{"read queues " + b.exchange + ".*", all, all, "^" + ex + "$"},
	} {
		t.Run(tc.grant, func(t *testing.T) {
			b.setPermissions(t, tc.configure, tc.write, tc.read)
			defer b.setPermissions(t, all, all, all)
			rep := runBroker(t, spec)
			require.Equal(t, []string{"messaging/permissions/" + tc.grant}, failedOf(rep), "%s", tableOf(rep))
			assert.Equal(t, "rabbitmqctl set_permissions -p '"+b.vhost+"' '"+b.user+"' '"+all+"' '"+all+"' '"+all+"'", rep.Failed()[0].Fix)
			assert.Contains(t, rep.Failed()[0].Detail, "ACCESS_REFUSED")
		})
	}
	t.Run("no access to the vhost", func(t *testing.T) {
		b.mgmt(t, http.MethodDelete, "/api/permissions/"+url.PathEscape(b.vhost)+"/"+url.PathEscape(b.user), nil, nil)
		defer b.setPermissions(t, all, all, all)
		rep := runBroker(t, spec)
		require.Equal(t, []string{"messaging/permissions/vhost " + b.vhost}, failedOf(rep), "%s", tableOf(rep))
		plan := b.bootstrap(t, spec, false)
		require.Len(t, plan.Steps, 1, "bootstrap grants them again")
		assert.Empty(t, failedOf(runBroker(t, spec)))
	})
	t.Run("wrong password", func(t *testing.T) {
		require.NoError(t, os.WriteFile(b.password, []byte("not-the-password"), 0o600))
		defer func() { require.NoError(t, os.WriteFile(b.password, pw, 0o600)) }()
		rep := runBroker(t, specOf(t, b.providers()))
		require.Equal(t, []string{"messaging/auth/" + b.user}, failedOf(rep), "%s", tableOf(rep))
		assert.NotContains(t, tableOf(rep), "not-the-password")
	})
}

// roundTrip runs the real messaging adapter typ with cfg (the bootstrapped user): a group
// receives a published event and acknowledges it.
func roundTrip(t *testing.T, typ string, cfg provider.AdapterConfig) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bus, err := messaging.Open(ctx, typ, cfg, messaging.Env{})
	require.NoError(t, err)
	defer bus.Close()
	got := make(chan string, 1)
	sub, err := bus.Subscribe(ctx, "hosts.changed", "doctor", func(_ context.Context, m messaging.Message) error {
		select {
		case got <- string(m.Payload):
		default:
		}
		return nil
	})
	require.NoError(t, err)
	defer func() { _ = sub.Close(context.Background()) }()
	require.NoError(t, bus.Publish(ctx, "hosts.changed", messaging.Message{Key: "h", Payload: []byte("online")}))
	select {
	case p := <-got:
		assert.Equal(t, "online", p)
	case <-ctx.Done():
		t.Fatal("the bootstrapped user received nothing")
	}
}
