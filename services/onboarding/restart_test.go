package onboarding_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
)

// TestDeleteWhileOnboardingIsDownRevokesAtStart: a host deleted while no onboarding module runs
// (the process serves only inventory and api: its change event reaches no subscriber and is
// gone with the embedded memory broker) has its client revoked when the onboarding module
// starts again, before it is ready: no event is lost across a restart.
func TestDeleteWhileOnboardingIsDownRevokesAtStart(t *testing.T) {
	cfg := newConfig(t)
	first := *cfg
	s := startStack(t, &first)
	e := localEnv(t, s)
	id := uuid.NewString()
	host := s.register(t, e.projectName, e.operator, id, serial(), true)
	resp := s.newDevice(t, id, "").ask(t)
	require.Equal(t, onboarded, resp.GetNodeState(), "%v", resp)
	s.stop()

	without := *cfg
	without.Target = "inventory,api"
	s = startStack(t, &without)
	code, body := s.do(t, http.MethodDelete, hostPath(e.projectName, host), s.mint(t, e.projectID+"_im-rw"), nil)
	require.Equal(t, http.StatusOK, code, "%s", body)
	s.stop()

	again := *cfg
	s = startStack(t, &again)
	tokenURL, err := s.id.TokenURL(context.Background())
	require.NoError(t, err)
	_, err = identity.NewTokenSource(identity.ClientCredentials{TokenURL: tokenURL, ClientID: resp.GetClientId(),
		Secret: provider.NewSecretValue([]byte(resp.GetClientSecret()))}).Token(context.Background())
	assert.Equal(t, provider.Unauthenticated, provider.CodeOf(err), "revoked at start: %v", err)
	_, err = s.id.GetClient(context.Background(), e.projectID, id)
	assert.Equal(t, provider.NotFound, provider.CodeOf(err), "no orphan client: %v", err)
}

// TestDeletedProjectRevokes: deleting a project (with its hosts) revokes its devices' clients.
func TestDeletedProjectRevokes(t *testing.T) {
	s := startStack(t, newConfig(t))
	e := localEnv(t, s)
	id := uuid.NewString()
	s.register(t, e.projectName, e.operator, id, serial(), true)
	resp := s.newDevice(t, id, "").ask(t)
	require.Equal(t, onboarded, resp.GetNodeState(), "%v", resp)
	creds := e.creds(t, resp.GetClientId(), resp.GetClientSecret())
	_, err := identity.NewTokenSource(creds).Token(context.Background())
	require.NoError(t, err)

	_, err = s.inv.DeleteProject(context.Background(), &inventoryv1.DeleteProjectRequest{NameOrId: e.projectID})
	require.NoError(t, err)
	revoked(t, creds)
}
