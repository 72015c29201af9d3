package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/services/edgesim"
	"github.com/eim-byoi/eim/test/apitest"
	"github.com/eim-byoi/eim/test/proc"
	"github.com/eim-byoi/eim/test/testenv"
)

// day2Nodes and day2Tenants are the fleet of the day-2 end to end (issue 15).
const (
	day2Nodes   = 100
	day2Tenants = 2
)

// issuer gives the tokens a deployment's identity provider issues: to an administrator
// (creating projects), an operator of a project (its id) and the agents of a project.
type issuer interface {
	admin(t testing.TB) string
	operator(t testing.TB, projectID string) string
	agent(t testing.TB, projectID string) string
}

// day2Deployment is an `eim serve --target day2` process and its identity provider.
type day2Deployment struct {
	p  *proc.Process
	id issuer
}

// TestDay2 runs the day2 profile (inventory, api, maintenance, hostmgr: no onboarding module, no
// secrets backend beyond the embedded one) with 100 simulated nodes over two projects, whose
// credentials the customer's identity provider issued: heartbeats reach the host status shown by
// the API, a repeated schedule created through the API reaches the nodes at their next poll, and
// the update status transitions they report land in OS update runs.
func TestDay2(t *testing.T) {
	bin := proc.Build(t)
	t.Run("embedded defaults", func(t *testing.T) { day2(t, embeddedDay2(t, bin)) })
	t.Run("keycloak postgres nats", func(t *testing.T) { day2(t, keycloakDay2(t, bin)) })
}

func embeddedDay2(t *testing.T, bin string) day2Deployment {
	dir := t.TempDir()
	env := proc.Env(dir, "EIM_TARGET=day2")
	p := proc.Start(t, bin, dir, env, "serve")
	return day2Deployment{p: p, id: &embedded{bin: bin, env: env}}
}

// embedded signs tokens with `eim token` beside the process, as an operator on the embedded
// defaults does.
type embedded struct {
	bin string
	env []string
}

func (e *embedded) token(t testing.TB, args ...string) string {
	t.Helper()
	cmd := exec.Command(e.bin, append([]string{"token"}, args...)...)
	cmd.Env = e.env
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && errors.As(err, &ee) {
		t.Fatalf("eim token %v: %v\n%s", args, err, ee.Stderr)
	}
	require.NoError(t, err)
	return strings.TrimSpace(string(out))
}

func (e *embedded) admin(t testing.TB) string {
	return e.token(t, "--global-role", "project-write-role,project-read-role")
}
func (e *embedded) operator(t testing.TB, id string) string {
	return e.token(t, "--project", id, "--role", "im-rw")
}
func (e *embedded) agent(t testing.TB, id string) string {
	return e.token(t, "--project", id, "--role", "en-agent-rw", "--subject", "agents-of-"+id)
}

func keycloakDay2(t *testing.T, bin string) day2Deployment {
	kc := testenv.Keycloak(t)
	dir := t.TempDir()
	f := files{t: t, dir: dir}
	cfg := fmt.Sprintf(`target: day2
providers:
  identity:
    type: keycloak
    config: {issuer: %q, audiences: [%q], clockSkew: 1s}
`, kc.IssuerURL(), kc.Audience) + f.postgres() + f.nats()
	file := f.write("eim.yaml", cfg)
	p := proc.Start(t, bin, dir, proc.Env(dir), "serve", "--config", file)
	return day2Deployment{p: p, id: &keycloakIdentity{m: apitest.Keycloak(t).Minter}}
}

// keycloakIdentity obtains tokens of users holding the legacy realm roles from the test bed's
// Keycloak (test/apitest): what the customer's Keycloak issues to their operators and devices.
type keycloakIdentity struct{ m apitest.Minter }

func (k *keycloakIdentity) admin(t testing.TB) string {
	return k.m.Token(t, "e2e-admin", "project-write-role", "project-read-role")
}
func (k *keycloakIdentity) operator(t testing.TB, id string) string {
	return k.m.Token(t, "e2e-operator", id+"_im-rw")
}
func (k *keycloakIdentity) agent(t testing.TB, id string) string {
	return k.m.Token(t, "e2e-agents", id+"_en-agent-rw")
}

// perProject gives every node of a project its project's agent token.
type perProject struct {
	fleet  []edgesim.Node
	tokens map[string]string // by project id
}

func (c *perProject) Token(_ context.Context, node int) (string, error) {
	return c.tokens[c.fleet[node].Tenant.ID], nil
}
func (c *perProject) Invalidate(int) {}

var _ edgesim.Credentials = (*perProject)(nil)

// site is one project's location, OS and update policy, created through the API.
type site struct {
	name, id, operator string
	site, os, policy   string
}

func day2(t *testing.T, dep day2Deployment) {
	api := rest{base: "http://" + dep.p.HTTP}
	admin := dep.id.admin(t)
	tenants := make([]edgesim.Tenant, day2Tenants)
	for i := range tenants {
		tenants[i].Name = testenv.Unique(t, fmt.Sprintf("day2-%d", i+1))
	}
	fleet := edgesim.NewFleet(day2Nodes, tenants, testenv.Unique(t, "fleet"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	reg, err := edgesim.Register(ctx, edgesim.Registration{APIURL: api.base, CreateProjects: true,
		Token: func(_ context.Context, project string) (string, error) {
			if project == "" {
				return admin, nil
			}
			var doc struct {
				Status struct {
					ProjectStatus struct{ UID string } `json:"projectStatus"`
				} `json:"status"`
			}
			api.do(t, http.MethodGet, "/v1/projects/"+project, admin, nil, &doc)
			return dep.id.operator(t, doc.Status.ProjectStatus.UID), nil
		}}, fleet)
	require.NoError(t, err)
	assert.Equal(t, day2Nodes, reg.HostsCreated)

	sites := map[string]*site{}
	creds := &perProject{fleet: fleet, tokens: map[string]string{}}
	for _, n := range fleet {
		if sites[n.Tenant.ID] == nil {
			sites[n.Tenant.ID] = newSite(t, api, dep.id, n.Tenant)
			creds.tokens[n.Tenant.ID] = dep.id.agent(t, n.Tenant.ID)
		}
	}
	for _, s := range sites {
		for _, h := range api.list(t, s.name, s.operator, "compute/hosts", "hosts") {
			id := str(h, "resourceId")
			require.Equal(t, http.StatusOK, api.do(t, http.MethodPatch, "/v1/projects/"+s.name+"/compute/hosts/"+id, s.operator,
				map[string]any{"siteId": s.site}, &map[string]any{}))
			api.create(t, s.name, s.operator, "compute/instances", map[string]any{"name": str(h, "name") + "-inst",
				"kind": "INSTANCE_KIND_METAL", "hostID": id, "osID": s.os, "osUpdatePolicyID": s.policy})
		}
	}

	// The nodes call; the schedule is created once they run, and reaches them at their next poll.
	stop := make(chan struct{})
	var sum *edgesim.Summary
	var runErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sum, runErr = edgesim.Run(ctx, edgesim.Config{Address: dep.p.AwaitSouthbound(t), CAFile: filepath.Join(dep.p.DataDir, "southbound", "ca.pem"),
			ServerName: "localhost", Fleet: fleet, Credentials: creds, Heartbeat: time.Second, Poll: time.Second,
			RampUp: time.Second, Stop: stop})
	}()
	everyHost(t, api, sites, "reports Running through its heartbeats", func(h map[string]any) bool {
		return str(h, "hostStatus") == "Running"
	})
	for _, s := range sites {
		api.create(t, s.name, s.operator, "schedules/repeated", map[string]any{"name": "always", "scheduleStatus": "SCHEDULE_STATUS_OS_UPDATE",
			"durationSeconds": 86400, "cronMinutes": "*", "cronHours": "*", "cronDayMonth": "*", "cronMonth": "*", "cronDayWeek": "*",
			"targetSiteId": s.site})
	}
	everyRun(t, api, sites)
	close(stop)
	wg.Wait()
	require.NoError(t, runErr)
	assert.EqualValues(t, day2Nodes, sum.NodesStarted)
	assert.Equal(t, sum.Sent, sum.Acknowledged+sumErrors(sum), "every call is accounted for")
	for code, n := range sum.Errors {
		assert.Contains(t, []string{"Unavailable", "DeadlineExceeded"}, code, "%d calls failed %s", n, code)
	}
	assert.GreaterOrEqual(t, sum.Transitions.ByStatus["STATUS_TYPE_UPDATED"], int64(day2Nodes), "every node updated")
	// A transition whose poll failed (Unavailable: the agent sends it again with its next poll)
	// stays unacknowledged when the run stops right after; none is unaccounted for.
	var pollErrors int64
	for _, n := range sum.RPCs[edgesim.RPCUpdateStatus].Errors {
		pollErrors += n
	}
	assert.LessOrEqual(t, sum.Transitions.Sent-sum.Transitions.Acknowledged, pollErrors,
		"every unacknowledged status transition is one whose poll failed")
}

func sumErrors(s *edgesim.Summary) int64 {
	var n int64
	for _, v := range s.Errors {
		n += v
	}
	return n
}

// newSite creates a region, a site, a mutable OS and an update policy in the project.
func newSite(t *testing.T, api rest, id issuer, tn edgesim.Tenant) *site {
	s := &site{name: tn.Name, id: tn.ID, operator: id.operator(t, tn.ID)}
	region := api.create(t, s.name, s.operator, "regions", map[string]any{"name": "plant"})
	s.site = api.create(t, s.name, s.operator, "sites", map[string]any{"name": "line-1", "regionId": region})
	s.os = api.create(t, s.name, s.operator, "compute/os", map[string]any{"name": "ubuntu", "architecture": "x86_64",
		"imageUrl": "https://files.example.com/ubuntu-22.04.img", "imageId": "ubuntu-22.04-lts",
		"sha256": "b5f3d6b9c1f1e2a7c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a", "profileName": "ubuntu-22.04-lts-generic",
		"securityFeature": "SECURITY_FEATURE_NONE", "osType": "OS_TYPE_MUTABLE", "osProvider": "OS_PROVIDER_KIND_INFRA"})
	s.policy = api.create(t, s.name, s.operator, "os_update_policy", map[string]any{"name": "nightly", "updatePolicy": "UPDATE_POLICY_TARGET",
		"updateSources":  []string{"Types: deb\nURIs: https://packages.example.com/apt\nSuites: jammy\nComponents: main"},
		"updatePackages": "curl"})
	return s
}

// everyHost waits until ok holds for every host of every project, as the API shows them.
func everyHost(t *testing.T, api rest, sites map[string]*site, what string, ok func(map[string]any) bool) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, s := range sites {
			for _, h := range api.list(t, s.name, s.operator, "compute/hosts", "hosts") {
				if !ok(h) {
					return false
				}
			}
		}
		return true
	}, 2*time.Minute, 500*time.Millisecond, "every host %s", what)
}

// everyRun waits until every instance has a completed OS update run, closed with its end time.
func everyRun(t *testing.T, api rest, sites map[string]*site) {
	t.Helper()
	require.Eventually(t, func() bool {
		closed := 0
		for _, s := range sites {
			for _, r := range api.list(t, s.name, s.operator, "os_update_run", "osUpdateRuns") {
				if num(r, "endTime") > 0 && strings.HasPrefix(str(r, "status"), "Update completed") {
					closed++
				}
			}
		}
		return closed >= day2Nodes
	}, 2*time.Minute, 500*time.Millisecond, "every node's update lands in a closed OS update run")
}
