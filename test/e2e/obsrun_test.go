package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/services/edgesim"
	"github.com/eim-byoi/eim/test/proc"
	"github.com/eim-byoi/eim/test/testenv"
)

// obsNodes is the simulated fleet of the observability run.
const obsNodes = 6

// obsRun is a real `eim serve --target all` on SQLite with a private NATS (so that the broker can
// be stopped), OpenBao as the secrets provider holding the broker's password as a leased secret
// (a KV version 1 mount with a ttl, read as a dynamic secret), the embedded identity provider,
// and a simulated fleet: REST calls, onboarding, heartbeats and update polls reach every module.
type obsRun struct {
	t       *testing.T
	p       *proc.Process
	nats    *testenv.Private
	api     rest
	id      *embedded
	admin   string
	site    *site  // the fleet's project
	tenant  string // its id
	scrapes [][]byte

	stop chan struct{}
	wg   sync.WaitGroup
	sum  *edgesim.Summary
	err  error
}

// startObsRun starts the process and the fleet, and returns once every host runs and an OS
// update run was closed (every module has done real work).
func startObsRun(t *testing.T) *obsRun {
	bin := proc.Build(t)
	dir := t.TempDir()
	f := files{t: t, dir: dir}
	nats := testenv.PrivateNATS(t)
	mount := kv1Mount(t, map[string]string{"password": nats.Password, "ttl": "1h"})
	cfg := fmt.Sprintf(`target: all
hostmgr: {heartbeatInterval: 10m, tenantMetrics: 1}
providers:
  secrets:
    type: vault
    config: {address: %q, auth: {token: {file: %s}}, kv: {mount: %s}, dynamicPrefixes: [%s/]}
  messaging:
    type: nats
    config: {url: %q, username: %s, password: {secret: "%s/nats#password"}, stream: %s, subjectPrefix: %s}
`, testenv.OpenBao(t).Addr, f.write("bao-token", testenv.OpenBao(t).RootToken), testenv.OpenBao(t).KVMount, mount,
		"nats://"+nats.Addr(), nats.User, mount, strings.ToUpper(testenv.UniqueIdent(t, "OBS")), testenv.UniqueIdent(t, "obs")+".")
	env := proc.Env(dir, "EIM_CONFIG="+f.write("eim.yaml", cfg))
	r := &obsRun{t: t, p: proc.Start(t, bin, dir, env, "serve"), nats: nats, id: &embedded{bin: bin, env: env}, stop: make(chan struct{})}
	r.api = rest{base: "http://" + r.p.HTTP}
	r.admin = r.id.admin(t)
	r.fleet()
	return r
}

// kv1Mount mounts a KV version 1 engine of the test's own on the test bed's OpenBao and writes
// data at <mount>/nats: read through the logical API, it comes with a lease of data's ttl.
func kv1Mount(t *testing.T, data map[string]string) string {
	bao := testenv.OpenBao(t)
	mount := testenv.UniqueIdent(t, "obs")
	call := func(method, path string, body any) {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		req, err := http.NewRequest(method, bao.Addr+"/v1/"+path, bytes.NewReader(b))
		require.NoError(t, err)
		req.Header.Set("X-Vault-Token", bao.RootToken)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		require.Less(t, resp.StatusCode, 300, "%s %s: %s", method, path, out)
	}
	call(http.MethodPost, "sys/mounts/"+mount, map[string]any{"type": "kv", "options": map[string]string{"version": "1"}})
	t.Cleanup(func() { call(http.MethodDelete, "sys/mounts/"+mount, nil) })
	call(http.MethodPut, mount+"/nats", data)
	return mount
}

// fleet registers obsNodes hosts in one project with instances, an OS, an update policy and a
// schedule, onboards one more device's stream, and runs the simulated agents until every host
// runs and an update run is closed.
func (r *obsRun) fleet() {
	t := r.t
	tenant := edgesim.Tenant{Name: testenv.Unique(t, "obs")}
	fleet := edgesim.NewFleet(obsNodes, []edgesim.Tenant{tenant}, testenv.Unique(t, "fleet"))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	_, err := edgesim.Register(ctx, edgesim.Registration{APIURL: r.api.base, CreateProjects: true,
		Token: func(_ context.Context, project string) (string, error) {
			if project == "" {
				return r.admin, nil
			}
			return r.id.operator(t, r.projectID(project)), nil
		}}, fleet)
	require.NoError(t, err)
	s := newSite(t, r.api, r.id, fleet[0].Tenant)
	r.site, r.tenant = s, fleet[0].Tenant.ID
	for _, h := range r.api.list(t, s.name, s.operator, "compute/hosts", "hosts") {
		id := str(h, "resourceId")
		require.Equal(t, http.StatusOK, r.api.do(t, http.MethodPatch, "/v1/projects/"+s.name+"/compute/hosts/"+id, s.operator,
			map[string]any{"siteId": s.site}, &map[string]any{}))
		r.api.create(t, s.name, s.operator, "compute/instances", map[string]any{"name": str(h, "name") + "-inst",
			"kind": "INSTANCE_KIND_METAL", "hostID": id, "osID": s.os, "osUpdatePolicyID": s.policy})
	}
	require.Equal(t, http.StatusNotFound, r.api.do(t, http.MethodGet, "/v1/projects/"+s.name+"/compute/hosts/host-00000000", s.operator, nil, nil))
	guid, serial := uuid.NewString(), "OBS"+strings.ToUpper(uuid.NewString()[:8])
	r.api.create(t, s.name, s.operator, "compute/hosts/register", map[string]any{"name": "obs-" + guid[:8], "uuid": guid, "serialNumber": serial, "autoOnboard": false})
	conn := southbound(t, r.p)
	require.Eventually(t, func() bool { return onboard(t, conn, guid, serial).GetNodeState() != 0 }, 30*time.Second, 200*time.Millisecond,
		"the onboarding module answers the device's stream")

	creds := &perProject{fleet: fleet, tokens: map[string]string{fleet[0].Tenant.ID: r.id.agent(t, fleet[0].Tenant.ID)}}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.sum, r.err = edgesim.Run(ctx, edgesim.Config{Address: r.p.AwaitSouthbound(t), CAFile: filepath.Join(r.p.DataDir, "southbound", "ca.pem"),
			ServerName: "localhost", Fleet: fleet, Credentials: creds, Heartbeat: time.Second, Poll: time.Second, RampUp: time.Second, Stop: r.stop})
	}()
	sites := map[string]*site{s.id: s}
	everyHost(t, r.api, sites, "reports Running through its heartbeats", func(h map[string]any) bool {
		return str(h, "name") == "obs-"+guid[:8] || str(h, "hostStatus") == "Running"
	})
	r.api.create(t, s.name, s.operator, "schedules/repeated", map[string]any{"name": "always", "scheduleStatus": "SCHEDULE_STATUS_OS_UPDATE",
		"durationSeconds": 86400, "cronMinutes": "*", "cronHours": "*", "cronDayMonth": "*", "cronMonth": "*", "cronDayWeek": "*",
		"targetSiteId": s.site})
	require.Eventually(t, func() bool {
		for _, run := range r.api.list(t, s.name, s.operator, "os_update_run", "osUpdateRuns") {
			if num(run, "endTime") > 0 {
				return true
			}
		}
		return false
	}, 2*time.Minute, 500*time.Millisecond, "an OS update run is closed")
}

func (r *obsRun) projectID(name string) string {
	var doc struct {
		Status struct {
			ProjectStatus struct{ UID string } `json:"projectStatus"`
		} `json:"status"`
	}
	r.api.do(r.t, http.MethodGet, "/v1/projects/"+name, r.admin, nil, &doc)
	return doc.Status.ProjectStatus.UID
}

// stopAgents ends the simulated fleet: no heartbeat or poll arrives any more.
func (r *obsRun) stopAgents() {
	close(r.stop)
	r.wg.Wait()
	require.NoError(r.t, r.err)
}

// scrape reads /metrics, keeps it, and returns its families.
func (r *obsRun) scrape() map[string]*dto.MetricFamily {
	t := r.t
	resp, err := http.Get("http://" + r.p.HTTP + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	r.p.Logs() // keeps the log pipe drained
	r.scrapes = append(r.scrapes, body)
	out := map[string]*dto.MetricFamily{}
	for _, f := range parseFamilies(t, body) {
		out[f.GetName()] = f
	}
	return out
}

// value returns the value of the series of family name whose labels include want, and whether
// there is one.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		ok := true
		for k, v := range want {
			ok = ok && got[k] == v
		}
		if !ok {
			continue
		}
		switch {
		case m.GetGauge() != nil:
			return m.GetGauge().GetValue(), true
		case m.GetCounter() != nil:
			return m.GetCounter().GetValue(), true
		case m.GetHistogram() != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}
