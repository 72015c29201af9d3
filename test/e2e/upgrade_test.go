package e2e_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/apitest"
	"github.com/eim-byoi/eim/test/proc"
	"github.com/eim-byoi/eim/test/testenv"
)

// upgradeRegions is how many regions the previous release writes before the upgrade.
const upgradeRegions = 20

// TestOnlineUpgrade (docs/upgrade.md): the previous release (release/previous, built from git)
// serves a PostgreSQL database it populated; the current release's `eim migrate db` runs while
// the previous one keeps serving reads, then the process is rolled (the current one started and
// ready, the reads switched to it, the previous one stopped with SIGTERM). Not one read fails,
// in any phase, and the current release reads and extends what the previous one wrote.
func TestOnlineUpgrade(t *testing.T) {
	current := proc.Build(t)
	previous := proc.BuildAt(t, proc.Previous(t))
	kc := testenv.Keycloak(t)
	f := files{t: t, dir: t.TempDir()}
	cfg := f.write("eim.yaml", fmt.Sprintf(`target: day2
providers:
  identity:
    type: keycloak
    config: {issuer: %q, audiences: [%q], clockSkew: 1s}
`, kc.IssuerURL(), kc.Audience)+f.postgres()+f.nats())

	oldDir := t.TempDir()
	old := proc.Start(t, previous, oldDir, proc.Env(oldDir), "serve", "--config", cfg)
	id := &keycloakIdentity{m: apitest.Keycloak(t).Minter}
	project, operator := upgradeProject(t, rest{base: "http://" + old.HTTP}, id)
	for i := range upgradeRegions {
		rest{base: "http://" + old.HTTP}.create(t, project, operator, "regions", map[string]any{"name": fmt.Sprintf("region-%d", i)})
	}

	r := &reader{path: "/v1/projects/" + url.PathEscape(project) + "/regions?pageSize=100", token: operator, stop: make(chan struct{})}
	r.want.Store(upgradeRegions)
	r.target.Store(old.HTTP)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); r.run() }()
	defer func() { close(r.stop); wg.Wait() }()
	r.await(t, "the previous release serves")

	t.Logf("schemas of the previous release's database, as the current release sees them:\n%s", migrateDB(t, current, cfg, "--status"))
	t.Logf("eim migrate db (current) while the previous release serves:\n%s", migrateDB(t, current, cfg))
	status := migrateDB(t, current, cfg, "--status")
	rows := regexp.MustCompile(`(?m)^(\w+)\s+(\d+)\s+(\d+)\s+(\S+)$`).FindAllStringSubmatch(status, -1)
	require.NotEmpty(t, rows, status)
	for _, row := range rows {
		require.Equal(t, "-", row[4], "schema %s is not at the current release's version after eim migrate db:\n%s", row[1], status)
	}
	r.await(t, "the previous release serves the migrated database")

	newDir := t.TempDir()
	nw := proc.Start(t, current, newDir, proc.Env(newDir), "serve", "--config", cfg)
	r.target.Store(nw.HTTP)
	old.Terminate(t)
	_, err := old.Wait(t)
	require.NoError(t, err, "the previous release drains and exits cleanly")
	r.await(t, "the current release serves")
	rest{base: "http://" + nw.HTTP}.create(t, project, operator, "regions", map[string]any{"name": "after-upgrade"})
	r.want.Store(upgradeRegions + 1)
	r.await(t, "the current release serves what it wrote")

	r.mu.Lock()
	defer r.mu.Unlock()
	assert.Empty(t, r.failures, "no request failed during the upgrade")
	t.Logf("reads: %d, every one answered 200 with every region written so far", r.ok)
}

// migrateDB runs the `eim migrate db` of bin with args and returns its output.
func migrateDB(t *testing.T, bin, cfg string, args ...string) string {
	t.Helper()
	migrate := exec.Command(bin, append([]string{"migrate", "db", "--config", cfg}, args...)...)
	migrate.Env = proc.Env(t.TempDir())
	out, err := migrate.CombinedOutput()
	require.NoError(t, err, "eim migrate db %v: %s", args, out)
	return string(out)
}

// upgradeProject creates a project through the API and returns its name and an operator's token.
func upgradeProject(t *testing.T, api rest, id issuer) (name, operator string) {
	name = testenv.Unique(t, "upgrade")
	admin := id.admin(t)
	require.Equal(t, http.StatusOK, api.do(t, http.MethodPut, "/v1/projects/"+name+"?update_if_exists=false", admin,
		map[string]string{"description": "online upgrade"}, &map[string]any{}))
	var doc struct {
		Status struct {
			ProjectStatus struct{ UID string } `json:"projectStatus"`
		} `json:"status"`
	}
	require.Eventually(t, func() bool {
		return api.do(t, http.MethodGet, "/v1/projects/"+name, admin, nil, &doc) == http.StatusOK && doc.Status.ProjectStatus.UID != ""
	}, time.Minute, 200*time.Millisecond)
	return name, id.operator(t, doc.Status.ProjectStatus.UID)
}

// reader lists a project's regions again and again on whichever process target names, as a
// client behind a load balancer does, recording every answer that is not 200 with at least want
// regions.
type reader struct {
	path, token string
	want        atomic.Int64 // regions every answer must list at least
	target      atomic.Value // host:port
	stop        chan struct{}

	mu       sync.Mutex
	ok       int
	failures []string
}

func (r *reader) run() {
	for {
		select {
		case <-r.stop:
			return
		default:
		}
		ok, why := r.read()
		r.mu.Lock()
		if ok {
			r.ok++
		} else {
			r.failures = append(r.failures, why)
		}
		r.mu.Unlock()
	}
}

// read is one request; it says whether it succeeded, and why not.
func (r *reader) read() (bool, string) {
	// what the request must see is fixed before it is sent: a read in flight while a write
	// commits may or may not see it.
	want := r.want.Load()
	target := r.target.Load().(string)
	req, err := http.NewRequest(http.MethodGet, "http://"+target+r.path, nil)
	if err != nil {
		return false, err.Error()
	}
	req.Header.Set("Authorization", "Bearer "+r.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, target + ": " + err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return false, fmt.Sprintf("%s: %d %s %v", target, resp.StatusCode, b, err)
	}
	var page struct{ Regions []json.RawMessage }
	if json.Unmarshal(b, &page) != nil || int64(len(page.Regions)) < want {
		return false, fmt.Sprintf("%s: %d regions, want at least %d: %s", target, len(page.Regions), want, b)
	}
	return true, ""
}

// await waits until the reader has made 20 more successful reads (of the phase what), failing
// the test with the failures so far if one fails first.
func (r *reader) await(t *testing.T, what string) {
	t.Helper()
	r.mu.Lock()
	from := r.ok
	r.mu.Unlock()
	require.Eventually(t, func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.ok >= from+20 || len(r.failures) > 0
	}, 2*time.Minute, 20*time.Millisecond, what)
	r.mu.Lock()
	defer r.mu.Unlock()
	require.Empty(t, r.failures, what)
}
