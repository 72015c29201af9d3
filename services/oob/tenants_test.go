package oob_test

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/services/internal/servetest"
	"github.com/eim-byoi/eim/services/oob"
	"github.com/eim-byoi/eim/services/oob/dmttest"
)

// posts counts the RPS creations made for tenant.
func posts(s *dmttest.Stand, tenant string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Server == "rps" && r.Method == http.MethodPost && r.Tenant == tenant {
			n++
		}
	}
	return n
}

// configured reports whether tenant has its CIRA configuration and both profiles in RPS.
func configured(s *dmttest.Stand, tenant string) bool {
	c, p := s.Objects(tenant)
	return c == 1 && p == 2
}

// TestTenantInRPS: a created project gets, in RPS and under its tenant header, a CIRA
// configuration (MPS's root certificate from /ciracert, the CIRA address) and two activation
// profiles (client control mode with user consent, admin control mode without) carrying the
// project's generated passwords, kept in the secrets provider; the periodic passes create
// nothing twice; deleting the project removes them and the passwords.
func TestTenantInRPS(t *testing.T) {
	b := newBed(t, bedOptions{})
	tenant := b.project(t, "acme")
	other := b.project(t, "other")
	require.Eventually(t, func() bool { return configured(b.dmt, tenant) && configured(b.dmt, other) }, wait, 20*time.Millisecond,
		"the projects are configured in RPS")

	cira, ok := b.dmt.CIRAConfig(tenant, oob.CIRAConfigName(tenant))
	require.True(t, ok)
	block, _ := pem.Decode([]byte(b.dmt.CIRACert()))
	assert.Equal(t, base64.StdEncoding.EncodeToString(block.Bytes), cira["mpsRootCertificate"], "MPS's CIRA root certificate")
	assert.Equal(t, "127.0.0.1", cira["mpsServerAddress"])
	assert.EqualValues(t, 4433, cira["mpsPort"])
	assert.EqualValues(t, 3, cira["serverAddressFormat"], "an IPv4 address")
	assert.Equal(t, tenant, cira["tenantId"])

	store := b.secrets(t)
	sec, err := store.Get(context.Background(), "eim/oob/"+tenant)
	require.NoError(t, err, "the generated passwords are kept in the secrets provider")
	ccm, ok := b.dmt.Profile(tenant, oob.ProfileName(tenant, false))
	require.True(t, ok)
	acm, ok := b.dmt.Profile(tenant, oob.ProfileName(tenant, true))
	require.True(t, ok)
	assert.Equal(t, "ccmactivate", ccm["activation"])
	assert.Equal(t, "All", ccm["userConsent"], "client control mode asks the user's consent")
	assert.Equal(t, "acmactivate", acm["activation"])
	assert.Equal(t, "None", acm["userConsent"], "admin control mode does not")
	for _, p := range []map[string]any{ccm, acm} {
		assert.Equal(t, oob.CIRAConfigName(tenant), p["ciraConfigName"])
		assert.Equal(t, string(sec.Data["amt"]), p["amtPassword"])
	}
	assert.Equal(t, string(sec.Data["mebx"]), acm["mebxPassword"])
	_, found := b.dmt.Profile(other, oob.ProfileName(tenant, false))
	assert.False(t, found, "a project's profiles are its own")

	logins, _ := b.dmt.Logins()
	require.Eventually(t, func() bool { return passes(b.dmt) >= 3*2 }, wait, 20*time.Millisecond,
		"several periodic passes ran")
	assert.Equal(t, 3, posts(b.dmt, tenant), "creating is idempotent: three objects, each created once")
	assert.GreaterOrEqual(t, logins, 1)

	admin := b.p.Token(t, "project-delete-role", "project-read-role")
	code, body := b.p.Do(t, http.MethodDelete, "/v1/projects/acme", admin, nil)
	require.Equal(t, http.StatusOK, code, string(body))
	require.Eventually(t, func() bool { c, p := b.dmt.Objects(tenant); return c == 0 && p == 0 }, wait, 20*time.Millisecond,
		"the deleted project's objects are removed from RPS")
	require.Eventually(t, func() bool {
		_, err := store.Get(context.Background(), "eim/oob/"+tenant)
		return provider.CodeOf(err) == provider.NotFound
	}, wait, 20*time.Millisecond, "and its passwords")
	assert.True(t, configured(b.dmt, other), "the other project keeps its objects")
	assertTenantHeaders(t, b.dmt, nil)
	assert.Empty(t, b.dmt.Violations())
}

// passes counts the module's ciracert reads (one per project per pass).
func passes(s *dmttest.Stand) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Path == "/api/v1/ciracert" {
			n++
		}
	}
	return n
}

// TestSweepRemovesDeletedTenants: a project deleted while the oob module was not running is
// removed from RPS by the sweep when it runs again (the project is recorded in the secrets
// provider).
func TestSweepRemovesDeletedTenants(t *testing.T) {
	s := dmttest.Start(t, dmttest.Options{})
	cfg := servetest.Config(t, "sqlite", "oob", oobConfig(t, s, ""))
	p := servetest.Start(t, cfg, nil)
	b := &bed{p: p, dmt: s}
	gone, kept := b.project(t, "gone"), b.project(t, "kept")
	require.Eventually(t, func() bool { return configured(s, gone) && configured(s, kept) }, wait, 20*time.Millisecond,
		"the projects are configured in RPS")
	p.Stop(t)

	cfg.Target = "inventory,api" // the oob module is down
	p = servetest.Start(t, cfg, nil)
	admin := p.Token(t, "project-delete-role", "project-read-role")
	code, body := p.Do(t, http.MethodDelete, "/v1/projects/gone", admin, nil)
	require.Equal(t, http.StatusOK, code, string(body))
	p.Stop(t)
	assert.True(t, configured(s, gone), "nothing removed it meanwhile")

	cfg.Target = "oob"
	servetest.Start(t, cfg, nil)
	require.Eventually(t, func() bool { c, p := s.Objects(gone); return c == 0 && p == 0 }, wait, 20*time.Millisecond,
		"the sweep removes the deleted project's objects")
	assert.True(t, configured(s, kept), "the live project keeps its objects")
	assert.Equal(t, 3, posts(s, kept), "the live project's objects were not created again")
	assert.Empty(t, s.Violations())
}

// secrets is the process's secrets store.
func (b *bed) secrets(t *testing.T) *secrets.Store {
	t.Helper()
	require.NotNil(t, b.p.Secrets)
	return b.p.Secrets.Store()
}
