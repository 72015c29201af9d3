package e2e_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/apitest"
	"github.com/eim-byoi/eim/test/proc"
	"github.com/eim-byoi/eim/test/testenv"
)

// TestVersionSkew (docs/upgrade.md, N-1 policy): a split deployment whose inventory runs in one
// process and the api, hostmgr and maintenance modules in another, reaching it over gRPC
// (inventory.address, a Keycloak service account holding inventory.serviceRole), with the two
// processes of different releases: the previous release (release/previous, built from git) and
// this one, each way round. The day-2 workflow of TestDay2 runs through the modules' process.
func TestVersionSkew(t *testing.T) {
	current := proc.Build(t)
	previous := proc.BuildAt(t, proc.Previous(t))
	t.Run("current-modules-previous-inventory", func(t *testing.T) {
		dep, _, split := splitDay2(t, previous, current)
		require.True(t, split, "the modules' process calls the inventory process, it runs none of its own")
		day2(t, dep)
	})
	t.Run("previous-modules-current-inventory", func(t *testing.T) {
		dep, _, split := splitDay2(t, current, previous)
		require.True(t, split, "the modules' process calls the inventory process, it runs none of its own")
		day2(t, dep)
	})
}

// splitDay2 starts the inventory (bin inventory, PostgreSQL, NATS) and the day-2 modules (bin
// modules) as two processes sharing Keycloak and NATS; the deployment is the modules' process,
// inv the inventory's. split says whether the modules' process reaches the inventory process
// rather than running one of its own.
func splitDay2(t *testing.T, inventory, modules string) (dep day2Deployment, inv *proc.Process, split bool) {
	kc := testenv.Keycloak(t)
	id := fmt.Sprintf(`providers:
  identity:
    type: keycloak
    config: {issuer: %q, audiences: [%q], clockSkew: 1s}
`, kc.IssuerURL(), kc.Audience)
	invDir, modDir := t.TempDir(), t.TempDir()
	fi, fm := files{t: t, dir: invDir}, files{t: t, dir: modDir}
	messaging := fi.nats()
	inv = proc.Start(t, inventory, invDir, proc.Env(invDir), "serve", "--target", "inventory", "--config",
		fi.write("eim.yaml", id+fi.postgres()+messaging))
	clientID, secret := serviceAccount(t, kc, "eim-service")
	mods := proc.Start(t, modules, modDir, proc.Env(modDir), "serve", "--target", "api,hostmgr,maintenance", "--config",
		fm.write("eim.yaml", id+messaging+fmt.Sprintf(`inventory:
  address: %s
  tls: {mode: disable}
  credentials: {clientID: %s, clientSecret: {file: %s}}
`, inv.GRPC, clientID, fm.write("inventory-secret", secret))))
	logs := mods.Logs()
	split = strings.Contains(logs, `"msg":"reaching the inventory of another process","address":"`+inv.GRPC+`"`) &&
		!strings.Contains(logs, `"msg":"starting module","module":"inventory"`)
	return day2Deployment{p: mods, id: &keycloakIdentity{m: apitest.Keycloak(t).Minter}}, inv, split
}

// TestSplitReadinessFollowsInventory: a modules process is ready only while the inventory
// process it calls answers; when the inventory stops, /readyz says 503 and names it.
func TestSplitReadinessFollowsInventory(t *testing.T) {
	bin := proc.Build(t)
	dep, inv, split := splitDay2(t, bin, bin)
	require.True(t, split)
	code, _ := dep.p.Get("/readyz", "")
	require.Equal(t, http.StatusOK, code)
	_, err := inv.Stop(t)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		code, body := dep.p.Get("/readyz", "")
		return code == http.StatusServiceUnavailable && strings.Contains(body, "inventory/remote") && strings.Contains(body, inv.GRPC)
	}, 30*time.Second, 100*time.Millisecond, "the modules process stays ready with its inventory gone")
}

// serviceAccount creates a confidential client of the test realm whose service account holds
// the realm role role and whose tokens carry the realm's eim audience: what a customer creates
// for inventory.credentials. It is deleted when the test ends.
func serviceAccount(t *testing.T, kc *testenv.KeycloakServer, role string) (clientID, secret string) {
	t.Helper()
	clientID = testenv.Unique(t, "eim-modules")
	_, loc := kc.Admin(t, http.MethodPost, "/clients", map[string]any{"clientId": clientID, "enabled": true, "publicClient": false,
		"serviceAccountsEnabled": true, "standardFlowEnabled": false, "directAccessGrantsEnabled": false,
		"protocolMappers": []map[string]any{{"name": "eim-audience", "protocol": "openid-connect", "protocolMapper": "oidc-audience-mapper",
			"config": map[string]string{"included.custom.audience": kc.Audience, "access.token.claim": "true"}}}})
	uuid := path.Base(loc)
	t.Cleanup(func() {
		kc.Admin(t, http.MethodDelete, "/clients/"+uuid, nil, http.StatusNoContent, http.StatusNotFound)
	})
	kc.Admin(t, http.MethodPost, "/roles", map[string]any{"name": role}, http.StatusCreated, http.StatusConflict)
	roleDoc, _ := kc.Admin(t, http.MethodGet, "/roles/"+role, nil)
	var user struct{ ID string }
	out, _ := kc.Admin(t, http.MethodGet, "/clients/"+uuid+"/service-account-user", nil)
	require.NoError(t, json.Unmarshal(out, &user))
	kc.Admin(t, http.MethodPost, "/users/"+user.ID+"/role-mappings/realm", []json.RawMessage{roleDoc})
	var sec struct{ Value string }
	out, _ = kc.Admin(t, http.MethodGet, "/clients/"+uuid+"/client-secret", nil)
	require.NoError(t, json.Unmarshal(out, &sec))
	require.NotEmpty(t, sec.Value)
	return clientID, sec.Value
}
