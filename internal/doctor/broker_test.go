package doctor_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/doctor"
	"github.com/eim-byoi/eim/internal/prereq"
	"github.com/eim-byoi/eim/providers/messaging"
	natsbroker "github.com/eim-byoi/eim/providers/messaging/nats"
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
