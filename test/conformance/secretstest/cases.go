package secretstest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
)

// secretsCases lists every secrets case with what it needs, in running order; the check for
// planted values in errors and logs comes last.
func secretsCases() []secretsCase {
	c := func(name string, run func(T, SecretsHarness), needs ...string) secretsCase {
		return secretsCase{Case: Case[SecretsHarness]{Name: name, Run: run}, needs: needs}
	}
	long := func(sc secretsCase) secretsCase { sc.long = true; return sc }
	return []secretsCase{
		c("put get overwrite version", casePutGet, needWriter),
		c("get missing is NotFound", caseGetMissing),
		c("delete then get is NotFound", caseDelete, needWriter, needDeleter),
		c("list by prefix", caseList, needWriter),
		c("binary values", caseBinary, needWriter),
		c("large values", caseLarge, needWriter),
		c("references resolve path#key", caseReference, needWriter),
		c("invalid names are InvalidArgument", caseInvalidName),
		c("permission denied", casePermissionDenied, HookRestricted),
		c("capabilities both ways", caseCapabilities),
		c("encrypt decrypt round trip", caseRoundTrip, needKeeper),
		c("two encryptions differ", caseEncryptionsDiffer, needKeeper),
		c("tampered ciphertext fails cleanly", caseTampered, needKeeper),
		c("foreign ciphertext fails cleanly", caseForeign, needKeeper, HookForeign),
		c("rotated value reaches a watcher", caseWatch, needWriter),
		long(c("token with 10s TTL keeps working for 60s", caseRenewal, HookShortLived)),
		c("revoked token is replaced by re-login", caseRelogin, HookRelogin),
		long(c("dynamic credentials are renewed and rotated", caseDynamic, HookDynamic)),
		c("backend restarted mid-run", caseRestart, needWriter, HookRestart),
		c("network partition longer than timeouts", casePartition, needWriter, HookPartition),
		c("backend down at startup", caseDownAtStartup, HookOpenDown),
		c("no secret value in errors or logs", caseNoLeak, needWriter, HookLogs),
	}
}

// uniqueName returns a fresh name under the harness prefix.
func uniqueName(h SecretsHarness, what string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return h.Prefix + what + "-" + hex.EncodeToString(b)
}

// plant returns a fresh value that the leak check looks for.
func plant(h SecretsHarness, what string) []byte {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return []byte(h.planted.value("planted-" + what + "-" + hex.EncodeToString(b)))
}

// write stores data under name through the provider when it is writable, else through the
// Seed hook, and removes it when the case ends. It returns the version Get reports.
func write(t T, h SecretsHarness, name string, data map[string][]byte) string {
	t.Helper()
	ctx := t.Context()
	t.Cleanup(func() { remove(t, h, name) })
	if h.Provider.Capabilities().Has(secrets.CapWrite) {
		v, err := h.Provider.Store().Put(ctx, name, data)
		require.NoError(t, h.planted.err(err))
		require.NotEmpty(t, v, "Put returns the new version")
		return v
	}
	require.NoError(t, h.Hooks.Seed(ctx, name, data))
	sec, err := h.Provider.Store().Get(ctx, name)
	require.NoError(t, h.planted.err(err))
	return sec.Version
}

// remove deletes name through the provider or the Unseed hook, ignoring a missing secret.
func remove(t T, h SecretsHarness, name string) {
	// Cleanups run after the case's context is canceled: use a fresh, bounded one.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var err error
	switch {
	case h.Provider.Capabilities().Has(secrets.CapWrite):
		err = h.Provider.Store().Delete(ctx, name)
	case h.Hooks.Unseed != nil:
		err = h.Hooks.Unseed(ctx, name)
	}
	if err != nil && provider.CodeOf(err) != provider.NotFound {
		t.Errorf("cleanup: delete %q: %v", name, err)
	}
}

func assertCode(t T, want provider.Code, err error, msgAndArgs ...any) {
	t.Helper()
	if assert.Error(t, err, msgAndArgs...) {
		assert.Equal(t, want, provider.CodeOf(err), "error: %v", err)
	}
}

func casePutGet(t T, h SecretsHarness) {
	ctx := t.Context()
	name := uniqueName(h, "putget")
	v1 := write(t, h, name, map[string][]byte{"username": []byte("eim"), "password": plant(h, "pw1")})
	sec, err := h.Provider.Store().Get(ctx, name)
	require.NoError(t, h.planted.err(err))
	assert.Equal(t, "eim", string(sec.Data["username"]))
	assert.Len(t, sec.Data, 2)
	assert.Equal(t, v1, sec.Version)

	pw2 := plant(h, "pw2")
	v2 := write(t, h, name, map[string][]byte{"username": []byte("eim"), "password": pw2})
	assert.NotEqual(t, v1, v2, "an overwrite makes a new version")
	sec, err = h.Provider.Store().Get(ctx, name)
	require.NoError(t, h.planted.err(err))
	assert.Equal(t, pw2, sec.Data["password"], "Get returns the latest revision")
	assert.Equal(t, v2, sec.Version)
}

func caseGetMissing(t T, h SecretsHarness) {
	name := uniqueName(h, "missing")
	sec, err := h.Provider.Store().Get(t.Context(), name)
	assertCode(t, provider.NotFound, h.planted.err(err))
	assert.Nil(t, sec, "a missing secret is an error, never an empty value")
	assert.Contains(t, err.Error(), fmt.Sprintf("%q", name), "the error names the secret")
	_, err = h.Provider.ReadSecret(t.Context(), name, "password")
	assertCode(t, provider.NotFound, h.planted.err(err))
}

func caseDelete(t T, h SecretsHarness) {
	ctx := t.Context()
	name := uniqueName(h, "delete")
	write(t, h, name, map[string][]byte{"k": plant(h, "del")})
	write(t, h, name, map[string][]byte{"k": plant(h, "del2")})
	remove(t, h, name)
	_, err := h.Provider.Store().Get(ctx, name)
	assertCode(t, provider.NotFound, h.planted.err(err), "every revision is gone")
	if h.Provider.Capabilities().Has(secrets.CapWrite) {
		assert.NoError(t, h.Provider.Store().Delete(ctx, name), "deleting a missing secret is not an error")
	}
}

func caseList(t T, h SecretsHarness) {
	ctx := t.Context()
	base := uniqueName(h, "list") + "/"
	if !h.Provider.Capabilities().Has(secrets.CapList) {
		_, err := h.Provider.Store().List(ctx, base)
		assertCode(t, provider.Unimplemented, err, "List is undeclared")
		return
	}
	want := []string{base + "a/one", base + "a/two", base + "ab"}
	for _, n := range append([]string{base + "b/other"}, want...) {
		write(t, h, n, map[string][]byte{"k": []byte("v")})
	}
	got, err := h.Provider.Store().List(ctx, base+"a")
	require.NoError(t, err)
	assert.Equal(t, want, got, "names with the prefix, sorted, across levels")
	got, err = h.Provider.Store().List(ctx, base+"zz")
	require.NoError(t, err)
	assert.Empty(t, got)
	assert.True(t, sort.StringsAreSorted(got))
}

func caseBinary(t T, h SecretsHarness) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	vals := map[string][]byte{"all-bytes": all, "invalid-utf8": {0xff, 0xfe, 0x00, 0xc3}, "nul": {0}, "text": []byte("plain text")}
	name := uniqueName(h, "binary")
	write(t, h, name, vals)
	sec, err := h.Provider.Store().Get(t.Context(), name)
	require.NoError(t, err)
	for k, v := range vals {
		assert.Equal(t, v, sec.Data[k], "key %s round-trips byte for byte", k)
	}
}

func caseLarge(t T, h SecretsHarness) {
	big := make([]byte, 96*1024)
	_, _ = rand.Read(big)
	name := uniqueName(h, "large")
	write(t, h, name, map[string][]byte{"blob": big})
	sec, err := h.Provider.Store().Get(t.Context(), name)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(big, sec.Data["blob"]), "a 96 KiB value round-trips")
}

func caseReference(t T, h SecretsHarness) {
	ctx := t.Context()
	name := uniqueName(h, "ref")
	pw := plant(h, "refpw")
	write(t, h, name, map[string][]byte{"password": pw, "username": []byte("app")})
	ref := provider.SecretRef{Secret: name + "#password"}
	require.NoError(t, h.planted.err(ref.Resolve(ctx, provider.SecretSources{Store: h.Provider})))
	assert.Equal(t, string(pw), ref.Value().Reveal())
	missingKey := provider.SecretRef{Secret: name + "#nokey"}
	err := h.planted.err(missingKey.Resolve(ctx, provider.SecretSources{Store: h.Provider}))
	assertCode(t, provider.NotFound, err)
	assert.Contains(t, err.Error(), name+"#nokey", "the error names the reference")
	missing := provider.SecretRef{Secret: name + "-none#password"}
	err = h.planted.err(missing.Resolve(ctx, provider.SecretSources{Store: h.Provider}))
	assertCode(t, provider.NotFound, err)
}

func caseInvalidName(t T, h SecretsHarness) {
	for _, n := range []string{"", "a//b", "../etc/passwd", "a/./b", "x#y", "/abs"} {
		_, err := h.Provider.Store().Get(t.Context(), n)
		assertCode(t, provider.InvalidArgument, err, "name %q", n)
	}
}

func casePermissionDenied(t T, h SecretsHarness) {
	ctx := t.Context()
	name := uniqueName(h, "denied")
	write(t, h, name, map[string][]byte{"k": plant(h, "denied")})
	p, err := h.Hooks.Restricted(ctx, name)
	require.NoError(t, err)
	defer p.Close()
	_, err = p.Store().Get(ctx, name)
	assertCode(t, provider.PermissionDenied, h.planted.err(err), "credentials lacking the path")
	assert.Contains(t, err.Error(), fmt.Sprintf("get %q: permission denied", name))
	_, err = p.ReadSecret(ctx, name, "k")
	assertCode(t, provider.PermissionDenied, h.planted.err(err))
}

func caseCapabilities(t T, h SecretsHarness) {
	ctx := t.Context()
	caps := h.Provider.Capabilities()
	t.Logf("declared capabilities: %s", caps)
	st := h.Provider.Store()
	name := uniqueName(h, "caps")
	if caps.Has(secrets.CapWrite) {
		_, err := st.Put(ctx, name, map[string][]byte{"k": []byte("v")})
		require.NoError(t, err, "secrets.Write is declared")
		require.NoError(t, st.Delete(ctx, name))
	} else {
		_, err := st.Put(ctx, name, map[string][]byte{"k": []byte("v")})
		assertCode(t, provider.Unimplemented, err, "Put without secrets.Write")
		assertCode(t, provider.Unimplemented, st.Delete(ctx, name), "Delete without secrets.Write")
	}
	_, err := st.List(ctx, h.Prefix)
	if caps.Has(secrets.CapList) {
		assert.NoError(t, err, "secrets.List is declared")
	} else {
		assertCode(t, provider.Unimplemented, err, "List without secrets.List")
	}
	ct, err := h.Provider.Keeper().Encrypt(ctx, []byte("x"))
	if caps.Has(secrets.CapKeeper) {
		require.NoError(t, err, "secrets.Keeper is declared")
		_, err = h.Provider.Keeper().Decrypt(ctx, ct)
		assert.NoError(t, err)
	} else {
		assertCode(t, provider.Unimplemented, err, "Encrypt without secrets.Keeper")
		_, err = h.Provider.Keeper().Decrypt(ctx, []byte("x"))
		assertCode(t, provider.Unimplemented, err, "Decrypt without secrets.Keeper")
	}
}

// eventually polls cond every 100ms until it holds or within passes; it reports whether it held.
func eventually(t T, within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-t.Context().Done():
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
}
