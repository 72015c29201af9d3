package doctor_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/prereq"
	"github.com/eim-byoi/eim/test/testenv"
)

// redisBed is an ACL user and key prefix of the test's own on the Redis of make deps; the user
// does not exist before bootstrap creates it. The administrator is the server's default user.
type redisBed struct {
	srv           *testenv.RedisServer
	admin         *goredis.Client
	user, prefix  string
	dir, password string
}

func newRedisBed(t *testing.T) *redisBed {
	t.Helper()
	srv := testenv.Redis(t)
	b := &redisBed{srv: srv, admin: goredis.NewClient(&goredis.Options{Addr: srv.Addr(), DisableIdentity: true}),
		user: testenv.Unique(t, "eim"), prefix: testenv.Unique(t, "p") + ":", dir: t.TempDir()}
	b.password = filepath.Join(b.dir, "redis-password")
	t.Cleanup(func() {
		ctx := context.Background()
		b.admin.Do(ctx, "acl", "deluser", b.user)
		keys, _ := b.admin.Keys(ctx, b.prefix+"*").Result()
		if len(keys) > 0 {
			b.admin.Del(ctx, keys...)
		}
		_ = b.admin.Close()
	})
	return b
}

func (b *redisBed) providers() string {
	return fmt.Sprintf("  messaging:\n    type: redis\n    config: {address: %q, username: %s, password: {file: %s}, keyPrefix: %q}\n",
		b.srv.Addr(), b.user, b.password, b.prefix)
}

func (b *redisBed) bootstrap(t *testing.T, spec *prereq.Spec, dryRun bool) *prereq.Plan {
	t.Helper()
	adminFile := filepath.Join(b.dir, "admin.yaml")
	require.NoError(t, os.WriteFile(adminFile, []byte(fmt.Sprintf("redis: {address: %q}\nsecretsDir: %s\n", b.srv.Addr(), b.dir)), 0o600))
	admin, err := prereq.LoadAdmin(context.Background(), adminFile)
	require.NoError(t, err)
	plan, err := prereq.Bootstrap(context.Background(), spec, prereq.Options{Target: prereq.KindMessaging, DryRun: dryRun, Admin: admin})
	require.NoError(t, err)
	return plan
}

// acl returns the user's ACL as ACL GETUSER reports it (nil when there is no such user).
func (b *redisBed) acl(t *testing.T) any {
	t.Helper()
	v, err := b.admin.Do(context.Background(), "acl", "getuser", b.user).Result()
	if err == goredis.Nil {
		return nil
	}
	require.NoError(t, err)
	return v
}

func (b *redisBed) setUser(t *testing.T, rules ...string) {
	t.Helper()
	args := []any{"acl", "setuser", b.user}
	for _, r := range rules {
		args = append(args, r)
	}
	require.NoError(t, b.admin.Do(context.Background(), args...).Err())
}

// TestRedisBootstrapAndPermissions bootstraps an ACL user on the Redis of make deps (a dry run
// changes nothing, a second run plans nothing), runs the real redis adapter with it, then takes
// away one permission at a time — each command and the key pattern — and asserts that doctor
// names exactly that one with the ACL SETUSER that fixes it, and that bootstrap plans to add
// exactly that rule.
func TestRedisBootstrapAndPermissions(t *testing.T) {
	b := newRedisBed(t)
	spec := specOf(t, b.providers())
	plan := b.bootstrap(t, spec, true)
	require.Len(t, plan.Steps, 1)
	assert.Equal(t, "create", plan.Steps[0].Action)
	assert.Nil(t, b.acl(t), "a dry run changes nothing")
	assert.NoFileExists(t, b.password)

	plan = b.bootstrap(t, spec, false)
	require.Len(t, plan.Steps, 1)
	assert.Equal(t, b.password, plan.Steps[0].SecretTo)
	info, err := os.Stat(b.password)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	pw, err := os.ReadFile(b.password)
	require.NoError(t, err)
	var out strings.Builder
	require.NoError(t, plan.WriteJSON(&out))
	assert.NotContains(t, out.String(), string(pw))
	assert.Contains(t, plan.Steps[0].Detail, "in memory only", "the test bed's Redis has no aclfile")

	spec = specOf(t, b.providers()) // the password file exists now
	before := b.acl(t)
	assert.Empty(t, b.bootstrap(t, spec, false).Steps, "a second run is a no-op")
	assert.Equal(t, before, b.acl(t))
	rep := runBroker(t, spec)
	require.Empty(t, failedOf(rep), "%s", tableOf(rep))
	roundTrip(t, "redis", spec.Redis)

	for _, g := range prereq.RedisGrants(spec.Redis) {
		rule := prereq.RedisRule(g)
		take, give := "-"+g.Object, rule
		if g.Action == prereq.RedisKeys {
			take = "resetkeys"
		}
		t.Run(g.Action+" "+g.Object, func(t *testing.T) {
			b.setUser(t, take)
			defer b.setUser(t, give)
			rep := runBroker(t, spec)
			require.Equal(t, []string{"messaging/permissions/" + g.Action + " " + g.Object}, failedOf(rep), "%s", tableOf(rep))
			assert.Contains(t, rep.Failed()[0].Fix, "ACL SETUSER "+b.user+" '"+rule+"'")
			assert.Contains(t, rep.Failed()[0].Detail, "NOPERM")
			dry := b.bootstrap(t, spec, true)
			require.Len(t, dry.Steps, 1)
			assert.True(t, strings.HasPrefix(dry.Steps[0].Detail, "ACL SETUSER "+b.user+" "+rule+";"), dry.Steps[0].Detail)
		})
	}
	t.Run("bootstrap adds what was taken", func(t *testing.T) {
		b.setUser(t, "-xack", "resetkeys")
		plan := b.bootstrap(t, spec, false)
		require.Len(t, plan.Steps, 1)
		assert.True(t, strings.HasPrefix(plan.Steps[0].Detail, "ACL SETUSER "+b.user+" +xack "+prereq.RedisKeyPattern(spec.Redis)+";"), plan.Steps[0].Detail)
		assert.Empty(t, failedOf(runBroker(t, spec)))
		assert.Empty(t, b.bootstrap(t, spec, false).Steps)
	})
	t.Run("wrong password", func(t *testing.T) {
		require.NoError(t, os.WriteFile(b.password, []byte("not-the-password"), 0o600))
		defer func() { require.NoError(t, os.WriteFile(b.password, pw, 0o600)) }()
		rep := runBroker(t, specOf(t, b.providers()))
		require.Equal(t, []string{"messaging/auth/" + b.user}, failedOf(rep), "%s", tableOf(rep))
		assert.NotContains(t, tableOf(rep), "not-the-password")
	})
}
