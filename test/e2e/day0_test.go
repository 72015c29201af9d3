package e2e_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	hostmgr "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	onboardingmgrv1 "github.com/eim-byoi/eim/api/gen/onboardingmgr/v1"
	"github.com/eim-byoi/eim/providers/identity"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/test/apitest"
	"github.com/eim-byoi/eim/test/proc"
	"github.com/eim-byoi/eim/test/testenv"
)

// day0Target is the onboarding profile (inventory, api, onboarding, osresource) with the host
// manager, whose southbound API the onboarded device calls.
const day0Target = "onboarding,hostmgr"

// day0Deployment is an eim process serving day0Target and how its devices obtain tokens.
type day0Deployment struct {
	p  *proc.Process
	id issuer
	// device returns the client-credentials request an onboarded device makes with its client in
	// project (an id): the issuer's token endpoint, and the scope and audience where the issuer
	// binds the tenant through them.
	device func(project, clientID, secret string) identity.ClientCredentials
}

// day0 is the Day-0 flow of issue 14 on a deployment: a project is created and a host
// registered through the API; the device streams its identity and is told to wait until an
// operator allows it; then it receives its credentials, obtains a token from the identity
// provider with them and calls the host manager; when the host is deleted its credentials are
// revoked: they obtain no token any more, and the device is not onboarded again.
func day0(t *testing.T, dep day0Deployment) {
	api := rest{base: "http://" + dep.p.HTTP}
	admin := dep.id.admin(t)
	name := strings.ToLower(fmt.Sprintf("day0-%s", uuid.NewString()[:8]))
	require.Equal(t, http.StatusOK, api.do(t, http.MethodPut, "/v1/projects/"+name, admin, map[string]string{"description": "day 0"}, &map[string]any{}))
	var doc struct {
		Status struct {
			ProjectStatus struct{ UID string } `json:"projectStatus"`
		} `json:"status"`
	}
	require.Equal(t, http.StatusOK, api.do(t, http.MethodGet, "/v1/projects/"+name, admin, nil, &doc))
	pid := doc.Status.ProjectStatus.UID
	operator := dep.id.operator(t, pid)

	guid, serial := uuid.NewString(), "DAY0"+strings.ToUpper(uuid.NewString()[:8])
	host := api.create(t, name, operator, "compute/hosts/register",
		map[string]any{"name": "edge-" + guid[:8], "uuid": guid, "serialNumber": serial, "autoOnboard": false})
	conn := southbound(t, dep.p)
	ask := func() *onboardingmgrv1.OnboardNodeStreamResponse {
		return onboard(t, conn, guid, serial)
	}
	require.Eventually(t, func() bool {
		return ask().GetNodeState() == onboardingmgrv1.OnboardNodeStreamResponse_NODE_STATE_REGISTERED
	},
		30*time.Second, 200*time.Millisecond, "a registered host's device waits")
	require.Equal(t, http.StatusOK, api.do(t, http.MethodPatch, "/v1/projects/"+name+"/compute/hosts/"+host+"/onboard", operator, map[string]any{}, &map[string]any{}))
	var resp *onboardingmgrv1.OnboardNodeStreamResponse
	require.Eventually(t, func() bool {
		resp = ask() // the device retries until the project's roles exist at the identity provider
		return resp.GetNodeState() == onboardingmgrv1.OnboardNodeStreamResponse_NODE_STATE_ONBOARDED
	}, time.Minute, 500*time.Millisecond, "the allowed device is onboarded")
	assert.Equal(t, pid, resp.GetProjectId())

	creds := dep.device(pid, resp.GetClientId(), resp.GetClientSecret())
	tok, err := identity.NewTokenSource(creds).Token(context.Background())
	require.NoError(t, err, "the device's credentials obtain a token")
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+tok)
	_, err = hostmgr.NewHostmgrClient(conn).UpdateInstanceStateStatusByHostGUID(ctx, &hostmgr.UpdateInstanceStateStatusByHostGUIDRequest{
		HostGuid: guid, InstanceState: hostmgr.InstanceState_INSTANCE_STATE_RUNNING, InstanceStatus: hostmgr.InstanceStatus_INSTANCE_STATUS_RUNNING,
		ProviderStatusDetail: "5 of 5 components running"})
	require.NoError(t, err, "the onboarded device calls the host manager with its token")
	var h map[string]any
	require.Equal(t, http.StatusOK, api.do(t, http.MethodGet, "/v1/projects/"+name+"/compute/hosts/"+host, operator, nil, &h))
	assert.Equal(t, "Running", str(h, "hostStatus"))

	require.Equal(t, http.StatusOK, api.do(t, http.MethodDelete, "/v1/projects/"+name+"/compute/hosts/"+host, operator, nil, &map[string]any{}))
	require.Eventually(t, func() bool {
		_, err := identity.NewTokenSource(creds).Token(context.Background())
		return err != nil
	}, 30*time.Second, 200*time.Millisecond, "a deleted host's credentials obtain no token")
	again := ask()
	assert.Empty(t, again.GetClientSecret(), "a deleted host's device is not onboarded again: %v", again)
	assert.NotEqual(t, int32(codes.OK), again.GetStatus().GetCode())
	// The token it still holds (valid until it expires) reaches no host once the host manager's
	// cache has followed the deletion (at most hostmgr.heartbeatInterval).
	require.Eventually(t, func() bool {
		_, err := hostmgr.NewHostmgrClient(conn).UpdateInstanceStateStatusByHostGUID(ctx, &hostmgr.UpdateInstanceStateStatusByHostGUIDRequest{
			HostGuid: guid, InstanceState: hostmgr.InstanceState_INSTANCE_STATE_RUNNING, InstanceStatus: hostmgr.InstanceStatus_INSTANCE_STATUS_RUNNING})
		return status.Code(err) == codes.NotFound
	}, 60*time.Second, 500*time.Millisecond, "the deleted host's GUID is NotFound")
}

// southbound connects to the process's southbound listener as a device does: TLS 1.3 trusting the
// generated CA.
func southbound(t *testing.T, p *proc.Process) *grpc.ClientConn {
	t.Helper()
	ca, err := os.ReadFile(filepath.Join(p.DataDir, "southbound", "ca.pem"))
	require.NoError(t, err)
	roots := x509.NewCertPool()
	require.True(t, roots.AppendCertsFromPEM(ca))
	conn, err := grpc.NewClient(p.AwaitSouthbound(t), grpc.WithTransportCredentials(credentials.NewTLS(
		&tls.Config{RootCAs: roots, ServerName: "localhost", MinVersion: tls.VersionTLS13})))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// onboard opens OnboardNodeStream, sends the device's identity once and returns the answer.
func onboard(t *testing.T, conn *grpc.ClientConn, guid, serial string) *onboardingmgrv1.OnboardNodeStreamResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := onboardingmgrv1.NewNonInteractiveOnboardingServiceClient(conn).OnboardNodeStream(ctx)
	require.NoError(t, err)
	require.NoError(t, stream.Send(&onboardingmgrv1.OnboardNodeStreamRequest{Uuid: guid, Serialnum: serial,
		MacId: "02:e5:00:00:00:01", HostIp: "10.0.0.1"}))
	resp, err := stream.Recv()
	require.NoError(t, err)
	_ = stream.CloseSend()
	return resp
}

// TestDay0 runs the Day-0 flow with the embedded defaults, with Keycloak, OpenBao, PostgreSQL and
// NATS, and with Hydra (RFC 7591 dynamic registration), MariaDB and RabbitMQ.
func TestDay0(t *testing.T) {
	bin := proc.Build(t)
	t.Run("embedded defaults", func(t *testing.T) {
		dir := t.TempDir()
		env := proc.Env(dir, "EIM_TARGET="+day0Target)
		p := proc.Start(t, bin, dir, env, "serve")
		e := &embedded{bin: bin, env: env}
		day0(t, day0Deployment{p: p, id: e, device: func(_, id, secret string) identity.ClientCredentials {
			return identity.ClientCredentials{TokenURL: "http://" + p.HTTP + "/oidc/token", ClientID: id, Secret: provider.NewSecretValue([]byte(secret))}
		}})
	})
	t.Run("keycloak openbao postgres nats", func(t *testing.T) { day0(t, keycloakDay0(t, bin)) })
	t.Run("hydra mariadb rabbitmq", func(t *testing.T) { day0(t, hydraDay0(t, bin)) })
}

// keycloakDay0 serves day0Target and the tenant module (which makes each project's roles and
// edge-node group in Keycloak) on Keycloak, whose admin API issues the device clients, OpenBao
// (secrets), PostgreSQL and NATS.
func keycloakDay0(t *testing.T, bin string) day0Deployment {
	kc := testenv.Keycloak(t)
	bao := testenv.OpenBao(t)
	adminID, adminSecret := kc.RolesAdminClient(t)
	dir := t.TempDir()
	f := files{t: t, dir: dir}
	cfg := fmt.Sprintf(`target: %s,tenant
providers:
  secrets:
    type: vault
    config: {address: %q, auth: {token: {file: %s}}, kv: {mount: %s}}
  identity:
    type: keycloak
    config:
      issuer: %q
      audiences: [%q]
      clockSkew: 1s
      admin: {clientID: %s, clientSecret: {file: %s}}
`, day0Target, bao.Addr, f.write("bao-token", bao.RootToken), bao.KVMount,
		kc.IssuerURL(), kc.Audience, adminID, f.write("kc-admin", adminSecret)) + f.postgres() + f.nats()
	p := proc.Start(t, bin, dir, proc.Env(dir), "serve", "--config", f.write("eim.yaml", cfg))
	return day0Deployment{p: p, id: &keycloakIdentity{m: apitest.Keycloak(t).Minter},
		device: func(_, id, secret string) identity.ClientCredentials {
			return identity.ClientCredentials{TokenURL: kc.TokenURL(), ClientID: id, Secret: provider.NewSecretValue([]byte(secret))}
		}}
}

// hydraDay0 serves day0Target on Ory Hydra through the generic oidc adapter, which issues the
// device clients by RFC 7591 dynamic registration with the scope <project>_en-agent-rw (read
// back as the project role by a claims.tenants rule on scp), MariaDB and RabbitMQ.
func hydraDay0(t *testing.T, bin string) day0Deployment {
	hy := testenv.Hydra(t)
	dir := t.TempDir()
	f := files{t: t, dir: dir}
	cfg := fmt.Sprintf(`target: %s
providers:
  identity:
    type: oidc
    config:
      issuer: %q
      audiences: [eim]
      clockSkew: 1s
      claims:
        roles: [%s, scp]
        tenants: [{claim: %s, pattern: "{tenant}_{role}"}, {claim: scp, pattern: "{tenant}_{role}"}]
      clientIssuer: {enabled: true, scope: "{tenant}_en-agent-rw"}
`, day0Target, hy.IssuerURL(), apitest.HydraRolesClaim, apitest.HydraRolesClaim) + f.mariadb() + f.rabbitmq()
	p := proc.Start(t, bin, dir, proc.Env(dir), "serve", "--config", f.write("eim.yaml", cfg))
	return day0Deployment{p: p, id: &hydraIdentity{m: apitest.Hydra(t).Minter},
		device: func(project, id, secret string) identity.ClientCredentials {
			// A device asks for its token with the client's registered scope and audience
			// (docs/modules/onboarding.md: Hydra grants no scope that is not asked for).
			return identity.ClientCredentials{TokenURL: hy.TokenURL(), ClientID: id, Secret: provider.NewSecretValue([]byte(secret)),
				Scopes: []string{project + "_en-agent-rw"}, Audience: []string{"eim"}}
		}}
}

// hydraIdentity obtains tokens of Hydra's login and consent flow carrying the legacy roles in
// ext.eim_roles (test/apitest).
type hydraIdentity struct{ m apitest.Minter }

func (h *hydraIdentity) admin(t testing.TB) string {
	return h.m.Token(t, "e2e-admin", "project-write-role", "project-read-role")
}
func (h *hydraIdentity) operator(t testing.TB, id string) string {
	return h.m.Token(t, "e2e-operator", id+"_im-rw")
}
func (h *hydraIdentity) agent(t testing.TB, id string) string {
	return h.m.Token(t, "e2e-agents", id+"_en-agent-rw")
}
