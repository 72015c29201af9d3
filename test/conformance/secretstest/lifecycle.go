package secretstest

import (
	"strings"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
)

// watchWait bounds how long a rotation may take to reach a watcher: the adapter's refresh
// interval in the test configuration plus slack.
const watchWait = 20 * time.Second

func caseWatch(t T, h SecretsHarness) {
	ctx := t.Context()
	name := uniqueName(h, "watch")
	write(t, h, name, map[string][]byte{"password": plant(h, "w1"), "other": []byte("x")})
	w, err := h.Provider.Watch(ctx, name, "password")
	require.NoError(t, h.planted.err(err))
	defer w.Stop()
	ref := provider.SecretRef{Secret: name + "#password"}
	require.NoError(t, ref.Resolve(ctx, provider.SecretSources{Store: h.Provider}))
	refWatch, err := h.Provider.WatchRef(ctx, &ref)
	require.NoError(t, err)
	defer refWatch.Stop()

	rotate := func(v []byte) {
		data := map[string][]byte{"password": v, "other": []byte("x")}
		if h.Hooks.Seed != nil { // a rotation made outside this provider
			require.NoError(t, h.Hooks.Seed(ctx, name, data))
			return
		}
		_, err := h.Provider.Store().Put(ctx, name, data)
		require.NoError(t, err)
	}
	for i, v := range [][]byte{plant(h, "w2"), plant(h, "w3")} {
		rotate(v)
		select {
		case got := <-w.Changes():
			assert.Equal(t, string(v), got.Reveal(), "rotation %d reaches the watcher", i+1)
		case <-time.After(watchWait):
			require.Failf(t, "rotation did not reach the watcher", "rotation %d, within %s", i+1, watchWait)
		}
		assert.Equal(t, string(v), w.Value().Reveal())
		assert.True(t, eventually(t, watchWait, func() bool { return refWatch.Value().Reveal() == string(v) }),
			"a watched {secret} reference follows too")
		read, err := h.Provider.ReadSecret(ctx, name, "password")
		require.NoError(t, err)
		assert.Equal(t, v, read, "a reference read while the secret is watched is served the new value")
	}
	w.Stop()
	_, open := <-w.Changes()
	assert.False(t, open, "Stop closes Changes")
}

func caseRenewal(t T, h SecretsHarness) {
	ctx := t.Context()
	name := uniqueName(h, "renew")
	write(t, h, name, map[string][]byte{"k": []byte("v")})
	p, err := h.Hooks.ShortLived(ctx, 10*time.Second)
	require.NoError(t, err)
	defer p.Close()
	start := time.Now()
	for time.Since(start) < 60*time.Second {
		_, err := p.Store().Get(ctx, name)
		require.NoError(t, err, "after %s the 10s token still works", time.Since(start).Round(time.Second))
		select {
		case <-ctx.Done():
			t.Fatalf("case ended early: %v", ctx.Err())
		case <-time.After(3 * time.Second):
		}
	}
	require.NoError(t, p.CheckHealth(ctx))
}

func caseRelogin(t T, h SecretsHarness) {
	ctx := t.Context()
	name := uniqueName(h, "relogin")
	write(t, h, name, map[string][]byte{"k": []byte("v")})
	p, revoke, err := h.Hooks.Relogin(ctx)
	require.NoError(t, err)
	defer p.Close()
	_, err = p.Store().Get(ctx, name)
	require.NoError(t, err)
	require.NoError(t, revoke(ctx), "revoke the provider's token")
	_, err = p.Store().Get(ctx, name)
	require.NoError(t, err, "the next call logs in again and succeeds")
	require.NoError(t, p.CheckHealth(ctx))
}

func caseDynamic(t T, h SecretsHarness) {
	ctx := t.Context()
	name, check, err := h.Hooks.Dynamic(ctx)
	require.NoError(t, err)
	first, err := h.Provider.Store().Get(ctx, name)
	require.NoError(t, h.planted.err(err))
	assert.NotEmpty(t, first.Lease.ID, "a dynamic secret has a lease")
	assert.Positive(t, first.Lease.Duration)
	require.NoError(t, check(ctx, first.Data), "issued credentials work")

	user, err := h.Provider.ReadSecret(ctx, name, "username")
	require.NoError(t, err)
	pass, err := h.Provider.ReadSecret(ctx, name, "password")
	require.NoError(t, err)
	h.planted.value(string(pass))
	w, err := h.Provider.Watch(ctx, name, "password")
	require.NoError(t, err)
	defer w.Stop()
	assert.Equal(t, string(pass), w.Value().Reveal(), "username and password come from one lease")
	again, err := h.Provider.ReadSecret(ctx, name, "username")
	require.NoError(t, err)
	assert.Equal(t, user, again, "a leased secret is read once and served from its lease")

	select {
	case got := <-w.Changes():
		assert.NotEqual(t, string(pass), got.Reveal(), "new credentials after the lease reached its maximum")
		h.planted.value(got.Reveal())
	case <-time.After(45 * time.Second):
		require.Fail(t, "the leased secret was not read anew before its lease ended")
	}
	newUser, err := h.Provider.ReadSecret(ctx, name, "username")
	require.NoError(t, err)
	assert.NotEqual(t, string(user), string(newUser))
	require.NoError(t, check(ctx, map[string][]byte{"username": newUser, "password": w.Value().Bytes()}), "rotated credentials work")
}

func caseRestart(t T, h SecretsHarness) {
	ctx := t.Context()
	name := uniqueName(h, "restart")
	write(t, h, name, map[string][]byte{"k": []byte("before")})
	restore, err := h.Hooks.Restart(ctx)
	require.NoError(t, err)
	_, err = h.Provider.Store().Get(ctx, name)
	if !assert.Error(t, err, "the backend is down") || !assert.True(t, provider.IsRetryable(err), "a down backend is retryable: %v", err) {
		_ = restore()
		return
	}
	require.NoError(t, restore())
	require.True(t, eventually(t, 15*time.Second, func() bool {
		_, err = h.Provider.Store().Get(ctx, name)
		return err == nil
	}), "the same provider works again once the backend is back: %v", err)
	assert.NoError(t, h.Provider.CheckHealth(ctx))
}

func casePartition(t T, h SecretsHarness) {
	ctx := t.Context()
	name := uniqueName(h, "partition")
	write(t, h, name, map[string][]byte{"k": []byte("v")})
	restore, err := h.Hooks.Partition(ctx)
	require.NoError(t, err)
	_, err = h.Provider.Store().Get(ctx, name)
	if !assert.Error(t, err) || !assert.True(t, provider.IsRetryable(err), "a partition ends in a retryable error within the adapter's timeout: %v", err) {
		_ = restore()
		return
	}
	require.NoError(t, restore())
	require.True(t, eventually(t, 15*time.Second, func() bool {
		_, err = h.Provider.Store().Get(ctx, name)
		return err == nil
	}), "the same provider works again after the partition: %v", err)
}

func caseDownAtStartup(t T, h SecretsHarness) {
	ctx := t.Context()
	p, up, err := h.Hooks.OpenDown(ctx)
	require.NoError(t, err, "opening does not need the backend: startup waits for health instead")
	defer p.Close()
	err = p.CheckHealth(ctx)
	assertCode(t, provider.Unavailable, err, "health while the backend is down")
	if err != nil {
		assert.True(t, strings.HasPrefix(err.Error(), secrets.Kind+"/"), "the message says which provider: %v", err)
		t.Logf("health while down: %v", err)
	}
	require.NoError(t, up())
	require.True(t, eventually(t, 15*time.Second, func() bool { err = p.CheckHealth(ctx); return err == nil }),
		"healthy once the backend is up: %v", err)
}

func caseNoLeak(t T, h SecretsHarness) {
	values, errs := h.planted.snapshot()
	require.NotEmpty(t, values, "the cases planted values")
	logs := h.Hooks.Logs()
	for _, v := range values {
		assert.NotContains(t, logs, v, "a planted value is in the logs")
		for _, e := range errs {
			assert.NotContains(t, e, v, "a planted value is in an error")
		}
	}
	t.Logf("checked %d planted values against %d errors and %d bytes of logs", len(values), len(errs), len(logs))
}
