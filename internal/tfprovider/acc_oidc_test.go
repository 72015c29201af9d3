package tfprovider_test

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/tfprovider"
	"github.com/eim-byoi/eim/test/apitest"
	"github.com/eim-byoi/eim/test/proc"
	"github.com/eim-byoi/eim/test/testenv"
	"github.com/eim-byoi/eim/test/tfbed"
)

// TestAccClientCredentials: the provider obtains its tokens from the test bed's real Keycloak with
// the client-credentials grant (a confidential client whose service account holds the project's
// im-rw realm role; the secret from TF_EIM_CLIENT_SECRET, never in the configuration), against a
// real eim serve that trusts that Keycloak realm: apply, update, import and destroy, with
// terraform and with OpenTofu.
func TestAccClientCredentials(t *testing.T) {
	kc := testenv.Keycloak(t)
	bin := proc.Build(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "eim.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(`target: day2
providers:
  identity:
    type: keycloak
    config: {issuer: %q, audiences: [%q], clockSkew: 1s}
`, kc.IssuerURL(), kc.Audience)), 0o600))
	p := proc.Start(t, bin, dir, proc.Env(dir), "serve", "--config", cfg)
	endpoint := "http://" + p.HTTP
	admin := apitest.Keycloak(t).Minter.Token(t, "tf-admin", "project-write-role", "project-read-role")
	ac, err := tfprovider.NewClient(tfprovider.ClientOptions{Endpoint: endpoint, Token: secret(admin)})
	require.NoError(t, err)

	eachCLI(t, func(t *testing.T, cli tfbed.CLI) {
		project := "tf-cc-" + cli.Name
		var doc struct {
			Status struct {
				ProjectStatus struct {
					UID string `json:"uID"`
				} `json:"projectStatus"`
			} `json:"status"`
		}
		require.NoError(t, tfprovider.CallJSON(ac, ctx, "PUT", "/v1/projects/"+project, map[string]string{"description": "tf"}, nil))
		require.NoError(t, tfprovider.CallJSON(ac, ctx, "GET", "/v1/projects/"+project, nil, &doc))
		clientID, clientSecret := serviceAccountClient(t, kc, doc.Status.ProjectStatus.UID+"_im-rw")
		t.Setenv(tfprovider.EnvClientSecret, clientSecret)
		cc, err := tfprovider.NewClient(tfprovider.ClientOptions{Endpoint: endpoint, TokenURL: kc.TokenURL(), ClientID: clientID,
			ClientSecret: secret(clientSecret)})
		require.NoError(t, err)
		config := func(name string) string {
			return fmt.Sprintf(`
terraform {
  required_providers {
    eim = { source = "registry.terraform.io/hashicorp/eim" }
  }
}
provider "eim" {
  endpoint  = %q
  token_url = %q
  client_id = %q
}
resource "eim_region" "r" {
  project = %q
  name    = %q
}
`, endpoint, kc.TokenURL(), clientID, project, name)
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: factories(),
			CheckDestroy:             gone(cc, project),
			Steps: []resource.TestStep{
				{Config: config("first"), Check: resource.TestMatchResourceAttr("eim_region.r", "id", regexp.MustCompile(`^region-`))},
				{Config: config("second"), Check: resource.TestCheckResourceAttr("eim_region.r", "name", "second")},
				importStep("eim_region.r"),
			},
		})
	})
}

// serviceAccountClient creates a confidential Keycloak client with a service account holding the
// realm role (created when missing) and tokens for audience eim; both are deleted when the test
// ends. It returns the client id and secret.
func serviceAccountClient(t *testing.T, kc *testenv.KeycloakServer, role string) (string, string) {
	t.Helper()
	id, sec := testenv.Unique(t, "tf-cc"), rand.Text()
	_, loc := kc.Admin(t, "POST", "/clients", map[string]any{
		"clientId": id, "enabled": true, "protocol": "openid-connect", "publicClient": false, "secret": sec,
		"serviceAccountsEnabled": true, "standardFlowEnabled": false, "directAccessGrantsEnabled": false, "fullScopeAllowed": true,
		"protocolMappers": []map[string]any{{"name": "audience", "protocol": "openid-connect", "protocolMapper": "oidc-audience-mapper",
			"config": map[string]string{"included.custom.audience": kc.Audience, "access.token.claim": "true", "id.token.claim": "false"}}},
	})
	uuid := path.Base(loc)
	t.Cleanup(func() { kc.Admin(t, "DELETE", "/clients/"+url.PathEscape(uuid), nil, 204, 404) })
	if _, l := kc.Admin(t, "POST", "/roles", map[string]any{"name": role}, 201, 409); l != "" {
		t.Cleanup(func() { kc.Admin(t, "DELETE", "/roles/"+url.PathEscape(role), nil, 204, 404) })
	}
	rep, _ := kc.Admin(t, "GET", "/roles/"+url.PathEscape(role), nil)
	user, _ := kc.Admin(t, "GET", "/clients/"+url.PathEscape(uuid)+"/service-account-user", nil)
	var u struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(user, &u))
	var r map[string]any
	require.NoError(t, json.Unmarshal(rep, &r))
	kc.Admin(t, "POST", "/users/"+url.PathEscape(u.ID)+"/role-mappings/realm", []map[string]any{r})
	return id, sec
}
