package oob_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/servetest"
	"github.com/eim-byoi/eim/services/oob/dmttest"
)

// TestTokenAuthFromIdentityProvider: with auth clientID/clientSecret (an MPS/RPS behind a
// gateway that checks the customer's identity provider's tokens), the module calls MPS and RPS
// with client-credentials tokens of the configured identity provider (here the embedded
// issuer, its token endpoint found by discovery), which the stand-in verifies with that
// provider; MPS's own login is never used.
func TestTokenAuthFromIdentityProvider(t *testing.T) {
	var verifier atomic.Pointer[identity.Provider]
	s := dmttest.Start(t, dmttest.Options{Verify: func(ctx context.Context, tok string) error {
		v := verifier.Load()
		if v == nil {
			return errors.New("not ready")
		}
		_, err := v.Verify(ctx, tok)
		return err
	}})
	cfg := servetest.Config(t, "sqlite", "inventory,api", oobConfig(t, s, ""))
	p := servetest.Start(t, cfg, nil)
	b := &bed{p: p, dmt: s}
	owner := b.project(t, "gateway")
	client, err := p.Identity.CreateClient(context.Background(), owner, uuid.NewString()) // the customer's client for EIM
	require.NoError(t, err)
	p.Stop(t)

	secret := filepath.Join(t.TempDir(), "client-secret")
	require.NoError(t, os.WriteFile(secret, client.Secret.Bytes(), 0o600))
	cfg.Target = "oob"
	cfg.OOB.MPS.Auth = configAuth(client.ID, secret)
	p = servetest.Start(t, cfg, nil)
	verifier.Store(p.Identity)
	b = &bed{p: p, dmt: s}
	tenant := b.project(t, "vpro")
	guid := uuid.NewString()
	s.AddDevice(guid, tenant, 8)
	h := b.host(t, tenant, activated(guid))
	code, body := b.power(t, b.userToken(t, tenant), "vpro", h.GetResourceId(), on)
	require.Equal(t, http.StatusOK, code, body)
	b.eventually(t, tenant, h.GetResourceId(), func(h *computev1.HostResource) bool { return h.GetCurrentPowerState() == on },
		"the host is powered on with the identity provider's token")
	require.Eventually(t, func() bool { return configured(s, tenant) }, wait, 20*time.Millisecond, "RPS is reached with it too")
	logins, _ := s.Logins()
	assert.Zero(t, logins, "MPS's own login is not used")
	assert.Equal(t, []int{2}, actionsOn(s, guid))
	assert.Empty(t, s.Violations())
}

func configAuth(id, secretFile string) (a config.DMTAuth) {
	a.ClientID, a.ClientSecret = id, provider.SecretRef{File: secretFile}
	return a
}
