package e2e_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/metadata"

	hostmgr "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	onboardingmgrv1 "github.com/eim-byoi/eim/api/gen/onboardingmgr/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/test/apitest"
	"github.com/eim-byoi/eim/test/testenv"
)

// identityMode is the identity provider of a stack.
type identityMode int

const (
	// identityEmbedded is eim's embedded issuer (tokens from `eim token`).
	identityEmbedded identityMode = iota
	// identityKeycloak is a Keycloak of the test's own (testenv.PrivateKeycloak).
	identityKeycloak
)

// newNodes is how many new edge nodes onboard after the signing key's rotation.
const newNodes = 3

// faultKeycloak is the stack's Keycloak and the admin client eim issues device clients and
// manages projects' roles with.
type faultKeycloak struct {
	srv                  *testenv.PrivateKC
	adminID, adminSecret string
}

// newFaultKeycloak starts the private Keycloak (tokens living an hour, so that the load's
// tokens outlast the run) and makes b's token source its users'.
func newFaultKeycloak(t *testing.T, b *faultBed) *faultKeycloak {
	fk := &faultKeycloak{srv: testenv.PrivateKeycloak(t)}
	fk.srv.Server.Admin(t, http.MethodPut, "", map[string]any{"accessTokenLifespan": 3600})
	fk.adminID, fk.adminSecret = fk.srv.Server.RolesAdminClient(t)
	b.id = &keycloakIdentity{m: apitest.KeycloakAt(t, fk.srv.Server).Minter}
	b.secrets = append(b.secrets, fk.adminSecret)
	return fk
}

// provider is the providers.identity block of eim.yaml.
func (fk *faultKeycloak) provider(f files) string {
	s := fk.srv.Server
	return fmt.Sprintf(`  identity:
    type: keycloak
    config:
      issuer: %q
      audiences: [%q]
      clockSkew: 1s
      admin: {clientID: %s, clientSecret: {file: %s}}
`, s.IssuerURL(), s.Audience, fk.adminID, f.write("kc-admin", fk.adminSecret))
}

// realmKeys is the part of Keycloak's /keys answer the rotation reads.
type realmKeys struct {
	Active map[string]string `json:"active"` // kid by algorithm
	Keys   []struct {
		KID        string `json:"kid"`
		Algorithm  string `json:"algorithm"`
		ProviderID string `json:"providerId"`
	} `json:"keys"`
}

func (fk *faultKeycloak) keys(t *testing.T) realmKeys {
	var k realmKeys
	out, _ := fk.srv.Server.Admin(t, http.MethodGet, "/keys", nil)
	require.NoError(t, json.Unmarshal(out, &k))
	return k
}

// rotate adds a new RS256 key provider of a higher priority (the new signing key) and makes the
// one that signed until now passive (active false: it signs nothing more, tokens it signed keep
// verifying until they expire, Keycloak's rotation procedure). It returns the old and new key ids.
func (fk *faultKeycloak) rotate(t *testing.T) (oldKID, newKID string) {
	s := fk.srv.Server
	before := fk.keys(t)
	oldKID = before.Active["RS256"]
	var oldProvider string
	for _, k := range before.Keys {
		if k.KID == oldKID {
			oldProvider = k.ProviderID
		}
	}
	require.NotEmpty(t, oldProvider, "the active RS256 key's provider: %+v", before)
	var realm struct {
		ID string `json:"id"`
	}
	out, _ := s.Admin(t, http.MethodGet, "", nil)
	require.NoError(t, json.Unmarshal(out, &realm))
	s.Admin(t, http.MethodPost, "/components", map[string]any{"name": testenv.Unique(t, "rotated"), "providerId": "rsa-generated",
		"providerType": "org.keycloak.keys.KeyProvider", "parentId": realm.ID,
		"config": map[string][]string{"priority": {"1000"}, "enabled": {"true"}, "active": {"true"}, "algorithm": {"RS256"}, "keySize": {"2048"}}})
	var comp map[string]any
	out, _ = s.Admin(t, http.MethodGet, "/components/"+oldProvider, nil)
	require.NoError(t, json.Unmarshal(out, &comp))
	comp["config"].(map[string]any)["active"] = []string{"false"}
	s.Admin(t, http.MethodPut, "/components/"+oldProvider, comp)
	newKID = fk.keys(t).Active["RS256"]
	require.NotEqual(t, oldKID, newKID, "a new key signs")
	return oldKID, newKID
}

// keycloakRotationScenario stops Keycloak for the broker's time (eim verifies with the keys it
// cached: nothing may fail during the outage), starts it, rotates the realm's signing key and
// onboards newNodes new edge nodes in a new project through the onboarding flow: the operator's
// and the devices' tokens are signed with the new key.
func keycloakRotationScenario() faultScenario {
	return faultScenario{name: "Keycloak restarted, signing key rotated", inject: func(t *testing.T, b *faultBed, plan faultPlan) string {
		b.kc.srv.Stop(t)
		time.Sleep(plan.brokerDown)
		b.kc.srv.Start(t)
		oldKID, newKID := b.kc.rotate(t)
		onboardNewNodes(t, b, newNodes, newKID)
		t.Logf("signing key %s made passive, %s signs", oldKID, newKID)
		return fmt.Sprintf("SIGTERM, %s, start; new RS256 key, old one passive; %d new nodes onboarded with new-key tokens", plan.brokerDown, newNodes)
	}, check: func(t *testing.T, r faultRow) {
		require.Zero(t, r.FailedDuring, "the cached keys verify every token while Keycloak is down")
	}}
}

// onboardNewNodes creates a project with a token signed with the new key (kid), registers n
// hosts in it and onboards each through the onboarding flow (OnboardNodeStream, the operator
// allows it, the device receives its client, obtains a token from Keycloak with it and calls
// the host manager).
func onboardNewNodes(t *testing.T, b *faultBed, n int, kid string) {
	api := b.api()
	admin := b.id.admin(t)
	require.Equal(t, kid, tokenKID(t, admin), "the admin's new token is signed with the new key")
	name := strings.ToLower("faults-new-" + uuid.NewString()[:8])
	require.Equal(t, http.StatusOK, api.do(t, http.MethodPut, "/v1/projects/"+name, admin, map[string]string{"description": "after rotation"}, &map[string]any{}))
	pid := projectUID(t, api, admin, name)
	operator := b.id.operator(t, pid)
	b.secrets = append(b.secrets, admin, operator)
	conn := southbound(t, b.p)
	for i := range n {
		guid, serial := uuid.NewString(), fmt.Sprintf("NEW%d%s", i, strings.ToUpper(uuid.NewString()[:6]))
		host := api.create(t, name, operator, "compute/hosts/register",
			map[string]any{"name": "new-" + guid[:8], "uuid": guid, "serialNumber": serial, "autoOnboard": false})
		require.Eventually(t, func() bool {
			return onboard(t, conn, guid, serial).GetNodeState() == onboardingmgrv1.OnboardNodeStreamResponse_NODE_STATE_REGISTERED
		}, time.Minute, 200*time.Millisecond, "the registered device waits")
		require.Equal(t, http.StatusOK, api.do(t, http.MethodPatch, "/v1/projects/"+name+"/compute/hosts/"+host+"/onboard", operator, map[string]any{}, &map[string]any{}))
		var resp *onboardingmgrv1.OnboardNodeStreamResponse
		require.Eventually(t, func() bool {
			resp = onboard(t, conn, guid, serial)
			return resp.GetNodeState() == onboardingmgrv1.OnboardNodeStreamResponse_NODE_STATE_ONBOARDED
		}, 2*time.Minute, 500*time.Millisecond, "the allowed device is onboarded")
		b.secrets = append(b.secrets, resp.GetClientSecret())
		tok, err := identity.NewTokenSource(identity.ClientCredentials{TokenURL: b.kc.srv.Server.TokenURL(), ClientID: resp.GetClientId(),
			Secret: provider.NewSecretValue([]byte(resp.GetClientSecret()))}).Token(context.Background())
		require.NoError(t, err, "the device's credentials obtain a token")
		require.Equal(t, kid, tokenKID(t, tok), "the device's token is signed with the new key")
		ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+tok)
		_, err = hostmgr.NewHostmgrClient(conn).UpdateInstanceStateStatusByHostGUID(ctx, &hostmgr.UpdateInstanceStateStatusByHostGUIDRequest{
			HostGuid: guid, InstanceState: hostmgr.InstanceState_INSTANCE_STATE_RUNNING, InstanceStatus: hostmgr.InstanceStatus_INSTANCE_STATUS_RUNNING,
			ProviderStatusDetail: "new node after the rotation"})
		require.NoError(t, err, "the new node calls the host manager with its new-key token")
	}
}

// tokenKID returns the key id in a JWT's header.
func tokenKID(t *testing.T, tok string) string {
	var h struct {
		KID string `json:"kid"`
	}
	head, _, ok := strings.Cut(tok, ".")
	require.True(t, ok)
	b, err := base64.RawURLEncoding.DecodeString(head)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &h))
	return h.KID
}
