package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/stretchr/testify/require"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
)

// p is the prefix of the project binding's paths.
const p = projectPrefix

// walk exercises every operation of the project binding in the order a user builds an edge
// deployment: locations, a provider, hosts, an OS, accounts and configs, update policies, an
// instance, schedules, telemetry, workloads; then the lifecycle calls, the errors, and the
// deletes in reverse order.
type walk struct {
	c  *client
	id map[string]string // resource ids by role ("region", "host", ...)
}

// newWalk returns a walk over c.
func newWalk(c *client) *walk { return &walk{c: c, id: map[string]string{}} }

// run runs the walk.
func (w *walk) run() {
	for _, step := range []func(){
		w.regions, w.sites, w.locations, w.providers, w.hosts, w.operatingSystems, w.localAccounts,
		w.customConfigs, w.updatePolicies, w.instances, w.updateRuns, w.schedules, w.telemetryGroups,
		w.telemetryProfiles, w.workloads, w.lifecycle, w.errors, w.deletes,
	} {
		step()
	}
}

// create posts body to path (with params) and remembers the new resource's id as role.
func (w *walk) create(role, path string, params map[string]string, body any) string {
	w.c.t.Helper()
	r := w.c.do(exchange{Method: http.MethodPost, Path: path, Params: params, Body: body})
	id := r.str("resourceId")
	require.NotEmpty(w.c.t, id, "POST %s answered no resourceId: the steps after it need %s", path, role)
	w.id[role] = id
	return id
}

// get reads path with params and query.
func (w *walk) get(path string, params map[string]string, query url.Values) reply {
	w.c.t.Helper()
	return w.c.do(exchange{Method: http.MethodGet, Path: path, Params: params, Query: query})
}

// write sends a PUT or PATCH of body to path.
func (w *walk) write(method, path string, params map[string]string, query url.Values, body any) reply {
	w.c.t.Helper()
	return w.c.do(exchange{Method: method, Path: path, Params: params, Query: query, Body: body})
}

// remove deletes the resource at path.
func (w *walk) remove(path string, params map[string]string) {
	w.c.t.Helper()
	w.c.do(exchange{Method: http.MethodDelete, Path: path, Params: params})
}

// res are path parameters naming resource id.
func res(id string) map[string]string { return map[string]string{"resourceId": id} }

// page is the query of a list's first page.
func page(extra ...string) url.Values {
	q := url.Values{"pageSize": {"10"}, "offset": {"0"}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return q
}

// meta is a metadata list of one key and value.
func meta(key, value string) []map[string]string {
	return []map[string]string{{"key": key, "value": value}}
}

// regions creates a root region and a sub-region, lists, reads, replaces and patches them.
func (w *walk) regions() {
	root := w.create("region", p+"regions", nil, map[string]any{"name": "contract-root", "metadata": meta("geo", "emea")})
	w.create("subregion", p+"regions", nil, map[string]any{"name": "contract-sub", "parentId": root,
		"metadata": meta("city", "berlin")})
	w.get(p+"regions", nil, page("orderBy", "name", "filter", `name="contract-root"`, "showTotalSites", "true"))
	w.get(p+"regions/{resourceId}", res(root), nil)
	w.write(http.MethodPut, p+"regions/{resourceId}", res(w.id["subregion"]), nil,
		map[string]any{"name": "contract-sub-1", "parentId": root, "metadata": meta("city", "munich")})
	w.write(http.MethodPatch, p+"regions/{resourceId}", res(w.id["subregion"]), url.Values{"fieldMask": {"name"}},
		map[string]any{"name": "contract-sub-2"})
}

// sites creates a site through each binding of the sites (under a region and flat), and
// lists, reads, replaces and patches them.
func (w *walk) sites() {
	in := map[string]string{"regionId": w.id["subregion"]}
	site := w.create("site", p+"regions/{regionId}/sites", in, map[string]any{"name": "contract-site",
		"regionId": w.id["subregion"], "siteLat": 525200066, "siteLng": 134049540, "metadata": meta("rack", "r1")})
	w.create("site2", p+"sites", nil, map[string]any{"name": "contract-site-2", "regionId": w.id["region"]})
	w.get(p+"regions/{regionId}/sites", in, page("orderBy", "name"))
	w.get(p+"sites", nil, page("regionId", w.id["region"]))
	w.get(p+"regions/{regionId}/sites/{resourceId}", map[string]string{"regionId": w.id["subregion"], "resourceId": site}, nil)
	w.get(p+"sites/{resourceId}", res(w.id["site2"]), nil)
	w.write(http.MethodPut, p+"regions/{regionId}/sites/{resourceId}", map[string]string{"regionId": w.id["subregion"], "resourceId": site},
		nil, map[string]any{"name": "contract-site-1", "regionId": w.id["subregion"], "siteLat": 481351253, "siteLng": 115819806})
	w.write(http.MethodPatch, p+"regions/{regionId}/sites/{resourceId}", map[string]string{"regionId": w.id["subregion"], "resourceId": site},
		url.Values{"fieldMask": {"metadata"}}, map[string]any{"metadata": meta("rack", "r2")})
	w.write(http.MethodPut, p+"sites/{resourceId}", res(w.id["site2"]), nil,
		map[string]any{"name": "contract-site-2b", "regionId": w.id["region"]})
	w.write(http.MethodPatch, p+"sites/{resourceId}", res(w.id["site2"]), nil, map[string]any{"name": "contract-site-2c"})
}

// locations searches the regions and sites by name.
func (w *walk) locations() {
	w.get(p+"locations", nil, url.Values{"name": {"contract"}, "showRegions": {"true"}, "showSites": {"true"}})
}

// providers creates a bare-metal provider, lists and reads it.
func (w *walk) providers() {
	w.create("provider", p+"providers", nil, map[string]any{"providerKind": "PROVIDER_KIND_BAREMETAL",
		"providerVendor": "PROVIDER_VENDOR_UNSPECIFIED", "name": "contract-provider",
		"apiEndpoint": "https://provider.example.com/api", "apiCredentials": []string{"v1/secret/contract"},
		"config": `{"defaultOs":"","autoProvision":false}`})
	w.get(p+"providers", nil, page("filter", `name="contract-provider"`))
	w.get(p+"providers/{resourceId}", res(w.id["provider"]), nil)
}

// hosts creates a host at the site and registers a second one by serial number, then lists,
// reads, counts, replaces and patches them, renames the registered one and lets it onboard.
func (w *walk) hosts() {
	host := w.create("host", p+"compute/hosts", nil, map[string]any{"name": "contract-host",
		"uuid": "4c4c4544-0044-4210-8031-c2c04f305233", "siteId": w.id["site"], "metadata": meta("role", "edge"),
		"desiredPowerState": "POWER_STATE_ON"})
	w.c.do(exchange{Method: http.MethodPost, Path: p + "compute/hosts/register", Body: map[string]any{
		"name": "contract-reg", "serialNumber": "CONTRACT01", "uuid": "4c4c4544-0044-4210-8031-c2c04f305234",
		"autoOnboard": false, "enableVpro": false}})
	w.id["registered"] = w.hostByName(p+"compute/hosts", "contract-reg")
	w.get(p+"compute/hosts", nil, page("orderBy", "name", "filter", `name="contract-host"`))
	w.get(p+"compute/hosts/{resourceId}", res(host), nil)
	w.get(p+"compute/hosts/summary", nil, url.Values{"filter": {`site.resource_id="` + w.id["site"] + `"`}})
	w.get(p+"compute/hosts_summary", nil, nil)
	w.write(http.MethodPut, p+"compute/hosts/{resourceId}", res(host), nil, map[string]any{"name": "contract-host-1",
		"siteId": w.id["site"], "metadata": meta("role", "gateway"), "desiredPowerState": "POWER_STATE_ON"})
	w.write(http.MethodPatch, p+"compute/hosts/{resourceId}", res(host), url.Values{"fieldMask": {"desiredPowerState"}},
		map[string]any{"name": "contract-host-1", "desiredPowerState": "POWER_STATE_RESET"})
	w.write(http.MethodPatch, p+"compute/hosts/{resourceId}/register", res(w.id["registered"]), nil,
		map[string]any{"name": "contract-reg-1", "autoOnboard": true})
	w.write(http.MethodPatch, p+"compute/hosts/{resourceId}/onboard", res(w.id["registered"]), nil, nil)
}

// hostByName finds a host's id by name through the list operation at path.
func (w *walk) hostByName(path, name string) string {
	w.c.t.Helper()
	r := w.get(path, nil, url.Values{"filter": {`name="` + name + `"`}})
	hosts, _ := r.JSON["hosts"].([]any)
	require.Len(w.c.t, hosts, 1, "hosts named %s", name)
	id, _ := hosts[0].(map[string]any)["resourceId"].(string)
	return id
}

// osBody is an OS resource named name.
func osBody(name string) map[string]any {
	return map[string]any{"name": name, "architecture": "x86_64",
		"imageUrl":        "https://files.example.com/ubuntu-22.04.img",
		"imageId":         "ubuntu-22.04-lts",
		"sha256":          "b5f3d6b9c1f1e2a7c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a",
		"profileName":     "ubuntu-22.04-lts-generic",
		"description":     "Ubuntu 22.04 LTS",
		"securityFeature": "SECURITY_FEATURE_NONE", "osType": "OS_TYPE_MUTABLE", "osProvider": "OS_PROVIDER_KIND_INFRA",
		"repoUrl": "https://files.example.com/ubuntu", "installedPackagesUrl": "https://files.example.com/packages.json",
		"metadata": `{"release":"22.04"}`}
}

// operatingSystems creates an OS through each binding of the OS resources and lists, reads,
// replaces and patches them.
func (w *walk) operatingSystems() {
	os1 := w.create("os", p+"compute/os", nil, osBody("contract-os"))
	w.create("os2", p+"compute/operating_systems", nil, osBody("contract-os-2"))
	w.get(p+"compute/os", nil, page("orderBy", "name"))
	w.get(p+"compute/operating_systems", nil, page("filter", `name="contract-os-2"`))
	w.get(p+"compute/os/{resourceId}", res(os1), nil)
	w.get(p+"compute/operating_systems/{resourceId}", res(w.id["os2"]), nil)
	w.write(http.MethodPut, p+"compute/os/{resourceId}", res(os1), nil, osBody("contract-os-1"))
	w.write(http.MethodPatch, p+"compute/os/{resourceId}", res(os1), url.Values{"fieldMask": {"description"}},
		map[string]any{"description": "Ubuntu 22.04.5 LTS", "sha256": osBody("")["sha256"]})
	w.write(http.MethodPut, p+"compute/operating_systems/{resourceId}", res(w.id["os2"]), nil, osBody("contract-os-2b"))
	w.write(http.MethodPatch, p+"compute/operating_systems/{resourceId}", res(w.id["os2"]), url.Values{"fieldMask": {"name"}},
		map[string]any{"name": "contract-os-2c", "sha256": osBody("")["sha256"]})
}

// localAccounts creates an account for the instances, lists and reads it.
func (w *walk) localAccounts() {
	w.create("account", p+"localAccounts", nil, map[string]any{"username": "contract",
		"sshKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOcontractcontractcontractcontractcontractco user@example"})
	w.get(p+"localAccounts", nil, page("filter", `username="contract"`))
	w.get(p+"localAccounts/{resourceId}", res(w.id["account"]), nil)
}

// customConfigs creates a cloud-init config for the instances, lists and reads it.
func (w *walk) customConfigs() {
	w.create("config", p+"customConfigs", nil, map[string]any{"name": "contract-config",
		"description": "NTP servers", "config": "#cloud-config\nntp:\n  servers: [ntp.example.com]\n"})
	w.get(p+"customConfigs", nil, page("orderBy", "name"))
	w.get(p+"customConfigs/{resourceId}", res(w.id["config"]), nil)
}

// updatePolicies creates a policy pinning the OS and one taking the latest packages (one
// through each binding), lists and reads them.
func (w *walk) updatePolicies() {
	w.create("policy", p+"os-update-policies", nil, map[string]any{"name": "contract-policy",
		"description": "pin the image", "updatePolicy": "UPDATE_POLICY_TARGET", "targetOsId": w.id["os"]})
	w.create("policy2", p+"os_update_policy", nil, map[string]any{"name": "contract-policy-2",
		"description": "latest packages", "updatePolicy": "UPDATE_POLICY_LATEST",
		"updateSources": []string{"deb https://packages.example.com/apt jammy main"}, "updatePackages": "curl\nvim",
		"updateKernelCommand": "quiet splash"})
	w.get(p+"os-update-policies", nil, page("orderBy", "name"))
	w.get(p+"os_update_policy", nil, page())
	w.get(p+"os-update-policies/{resourceId}", res(w.id["policy"]), nil)
	w.get(p+"os_update_policy/{resourceId}", res(w.id["policy2"]), nil)
}

// instances creates the instance of the host with the OS, account, policy and config, lists,
// reads, replaces and patches it.
func (w *walk) instances() {
	inst := w.create("instance", p+"compute/instances", nil, map[string]any{"name": "contract-instance",
		"kind": "INSTANCE_KIND_METAL", "hostID": w.id["host"], "osID": w.id["os"], "localAccountID": w.id["account"],
		"osUpdatePolicyID": w.id["policy"], "customConfigID": []string{w.id["config"]},
		"securityFeature": "SECURITY_FEATURE_NONE"})
	w.get(p+"compute/instances", nil, page("orderBy", "name"))
	w.get(p+"compute/instances/{resourceId}", res(inst), nil)
	w.write(http.MethodPut, p+"compute/instances/{resourceId}", res(inst), nil, map[string]any{"name": "contract-instance-1",
		"kind": "INSTANCE_KIND_METAL", "hostID": w.id["host"], "osID": w.id["os"]})
	w.write(http.MethodPatch, p+"compute/instances/{resourceId}", res(inst), url.Values{"fieldMask": {"name"}},
		map[string]any{"name": "contract-instance-2"})
}

// updateRuns creates two OS update runs of the instance through the inventory, as the
// maintenance manager does (the API has no create), then reads them.
func (w *walk) updateRuns() {
	for _, role := range []string{"run", "run2"} {
		resp, err := w.c.bed.Inventory.CreateResource(context.Background(), &inventoryv1.CreateResourceRequest{
			TenantId: w.c.projectID,
			Resource: &inventoryv1.Resource{Resource: &inventoryv1.Resource_OsUpdateRun{OsUpdateRun: &computev1.OSUpdateRun{
				Name: "contract-" + role, Description: "nightly update",
				AppliedPolicy: &computev1.OSUpdatePolicy{ResourceId: w.id["policy"]},
				Instance:      &computev1.InstanceResource{ResourceId: w.id["instance"]},
				Status:        "Update in progress", StartTime: uint32(time.Date(2026, 1, 15, 1, 0, 0, 0, time.UTC).Unix()),
			}}},
		})
		require.NoError(w.c.t, err, "create an OS update run in the inventory")
		w.id[role] = resp.GetStored().GetResource().GetOsUpdateRun().GetResourceId()
	}
	w.get(p+"os-update-runs", nil, page("orderBy", "name"))
	w.get(p+"os_update_run", nil, page())
	w.get(p+"os-update-runs/{resourceId}", res(w.id["run"]), nil)
	w.get(p+"os_update_run/{resourceId}", res(w.id["run2"]), nil)
}

// epoch is a fixed point in time the schedules cover.
var epoch = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC).Unix()

// single is a single schedule of the hour around epoch on target (a targetXId field).
func single(name, target, id string) map[string]any {
	return map[string]any{"name": name, "scheduleStatus": "SCHEDULE_STATUS_MAINTENANCE",
		"startSeconds": epoch - 1800, "endSeconds": epoch + 1800, target: id}
}

// repeated is a daily repeated schedule of two hours from 11:00 UTC on target: it covers epoch.
func repeated(name, target, id string) map[string]any {
	return map[string]any{"name": name, "scheduleStatus": "SCHEDULE_STATUS_OS_UPDATE", "durationSeconds": 7200,
		"cronMinutes": "0", "cronHours": "11", "cronDayMonth": "*", "cronMonth": "*", "cronDayWeek": "*", target: id}
}

// schedules creates single and repeated maintenance schedules on the host, the site and the
// region (through both bindings), lists them by target and time, and reads, replaces and
// patches them.
func (w *walk) schedules() {
	w.create("single", p+"schedules/single", nil, single("contract-single", "targetHostId", w.id["host"]))
	w.create("single2", p+"compute/schedules/single", nil, single("contract-single-2", "targetSiteId", w.id["site"]))
	w.create("repeated", p+"schedules/repeated", nil, repeated("contract-repeated", "targetRegionId", w.id["region"]))
	w.create("repeated2", p+"compute/schedules/repeated", nil, repeated("contract-repeated-2", "targetHostId", w.id["host"]))
	at := strconv.FormatInt(epoch, 10)
	w.get(p+"schedules", nil, page("hostId", w.id["host"], "unixEpoch", at))
	w.get(p+"compute/schedules", nil, page("siteId", w.id["site"]))
	for _, base := range []string{p + "schedules/", p + "compute/schedules/"} {
		w.get(base+"single", nil, page("regionId", w.id["region"], "unixEpoch", at))
		w.get(base+"repeated", nil, page("hostId", w.id["host"], "unixEpoch", at))
	}
	w.scheduleWrites(p+"schedules/", "", "")
	w.scheduleWrites(p+"compute/schedules/", "2", "-2")
}

// scheduleWrites reads, replaces and patches the schedules of roles single<n> and
// repeated<n> through base.
func (w *walk) scheduleWrites(base, n, suffix string) {
	s, r := w.id["single"+n], w.id["repeated"+n]
	w.get(base+"single/{resourceId}", res(s), nil)
	w.get(base+"repeated/{resourceId}", res(r), nil)
	w.write(http.MethodPut, base+"single/{resourceId}", res(s), nil, single("contract-single-b"+suffix, "targetHostId", w.id["host"]))
	w.write(http.MethodPatch, base+"single/{resourceId}", res(s), url.Values{"fieldMask": {"name"}},
		single("contract-single-c"+suffix, "targetHostId", w.id["host"]))
	w.write(http.MethodPut, base+"repeated/{resourceId}", res(r), nil, repeated("contract-repeated-b"+suffix, "targetSiteId", w.id["site"]))
	patch := repeated("contract-repeated-b"+suffix, "targetSiteId", w.id["site"])
	patch["cronHours"] = "1,13"
	w.write(http.MethodPatch, base+"repeated/{resourceId}", res(r), url.Values{"fieldMask": {"cronHours"}}, patch)
}

// telemetryGroups creates a logs and a metrics group through each binding, lists and reads them.
func (w *walk) telemetryGroups() {
	for _, g := range []struct{ role, path, kind string }{
		{"logsGroup", "telemetry/groups/logs", "TELEMETRY_COLLECTOR_KIND_HOST"},
		{"logsGroup2", "telemetry/loggroups", "TELEMETRY_COLLECTOR_KIND_CLUSTER"},
		{"metricsGroup", "telemetry/groups/metrics", "TELEMETRY_COLLECTOR_KIND_HOST"},
		{"metricsGroup2", "telemetry/metricgroups", "TELEMETRY_COLLECTOR_KIND_CLUSTER"},
	} {
		id := w.create(g.role, p+g.path, nil, map[string]any{"name": "contract-" + g.role, "collectorKind": g.kind,
			"groups": []string{"cpu", "mem", "disk"}})
		w.get(p+g.path, nil, page("orderBy", "name"))
		w.get(p+g.path+"/{resourceId}", res(id), nil)
	}
}

// telemetryProfiles creates a logs profile on the instance and a metrics profile on the site,
// lists them (with inherited ones), reads, replaces and patches them.
func (w *walk) telemetryProfiles() {
	lp := w.create("logsProfile", p+"telemetry/profiles/logs", nil, map[string]any{"targetInstance": w.id["instance"],
		"logLevel": "SEVERITY_LEVEL_INFO", "logsGroupId": w.id["logsGroup"]})
	mp := w.create("metricsProfile", p+"telemetry/profiles/metrics", nil, map[string]any{"targetSite": w.id["site"],
		"metricsInterval": 60, "metricsGroupId": w.id["metricsGroup"]})
	w.get(p+"telemetry/profiles/logs", nil, page("instanceId", w.id["instance"], "showInherited", "true"))
	w.get(p+"telemetry/profiles/metrics", nil, page("siteId", w.id["site"]))
	w.get(p+"telemetry/profiles/logs/{resourceId}", res(lp), nil)
	w.get(p+"telemetry/profiles/metrics/{resourceId}", res(mp), nil)
	w.write(http.MethodPut, p+"telemetry/profiles/logs/{resourceId}", res(lp), nil, map[string]any{
		"targetRegion": w.id["region"], "logLevel": "SEVERITY_LEVEL_DEBUG", "logsGroupId": w.id["logsGroup"]})
	w.write(http.MethodPatch, p+"telemetry/profiles/logs/{resourceId}", res(lp), url.Values{"fieldMask": {"logLevel"}},
		map[string]any{"logLevel": "SEVERITY_LEVEL_WARN", "logsGroupId": w.id["logsGroup"]})
	w.write(http.MethodPut, p+"telemetry/profiles/metrics/{resourceId}", res(mp), nil, map[string]any{
		"targetSite": w.id["site"], "metricsInterval": 30, "metricsGroupId": w.id["metricsGroup"]})
	w.write(http.MethodPatch, p+"telemetry/profiles/metrics/{resourceId}", res(mp), url.Values{"fieldMask": {"metricsInterval"}},
		map[string]any{"metricsInterval": 15, "metricsGroupId": w.id["metricsGroup"]})
}

// workload is a cluster workload named name.
func workload(name string) map[string]any {
	return map[string]any{"kind": "WORKLOAD_KIND_CLUSTER", "name": name, "externalId": "cluster-" + name,
		"status": "provisioned"}
}

// workloads creates a cluster workload through each binding with the instance as a member, and
// lists, reads, replaces and patches them.
func (w *walk) workloads() {
	w.create("workload", p+"compute/workloads", nil, workload("contract-workload"))
	w.create("workload2", p+"workloads", nil, workload("contract-workload-2"))
	for _, f := range []struct{ base, role string }{{p + "compute/workloads", "workload"}, {p + "workloads", "workload2"}} {
		id := w.id[f.role]
		w.get(f.base, nil, page("orderBy", "name"))
		w.get(f.base+"/{resourceId}", res(id), nil)
		w.write(http.MethodPut, f.base+"/{resourceId}", res(id), nil, workload(f.role+"-b"))
		w.write(http.MethodPatch, f.base+"/{resourceId}", res(id), url.Values{"fieldMask": {"status"}},
			map[string]any{"kind": "WORKLOAD_KIND_CLUSTER", "status": "ready"})
	}
	w.create("member", p+"workload_members", nil, map[string]any{"kind": "WORKLOAD_MEMBER_KIND_CLUSTER_NODE",
		"workloadId": w.id["workload"], "instanceId": w.id["instance"]})
	w.get(p+"workload_members", nil, page())
	w.get(p+"workload_members/{resourceId}", res(w.id["member"]), nil)
	w.get(p+"compute/workloads/{resourceId}", res(w.id["workload"]), nil) // now with its member
}

// lifecycle invalidates the instance and the registered host.
func (w *walk) lifecycle() {
	w.c.do(exchange{Method: http.MethodPut, Path: p + "compute/instances/{resourceId}/invalidate", Params: res(w.id["instance"])})
	w.c.do(exchange{Method: http.MethodPut, Path: p + "compute/hosts/{resourceId}/invalidate", Params: res(w.id["registered"]),
		Query: url.Values{"note": {"stolen from the shop floor"}}})
	w.get(p+"compute/hosts/{resourceId}", res(w.id["registered"]), nil)
}

// deletes removes everything, in the reverse order of creation.
func (w *walk) deletes() {
	for _, d := range []struct{ path, role string }{
		{"workload_members/{resourceId}", "member"},
		{"compute/workloads/{resourceId}", "workload"}, {"workloads/{resourceId}", "workload2"},
		{"telemetry/profiles/logs/{resourceId}", "logsProfile"}, {"telemetry/profiles/metrics/{resourceId}", "metricsProfile"},
		{"telemetry/groups/logs/{resourceId}", "logsGroup"}, {"telemetry/loggroups/{resourceId}", "logsGroup2"},
		{"telemetry/groups/metrics/{resourceId}", "metricsGroup"}, {"telemetry/metricgroups/{resourceId}", "metricsGroup2"},
		{"schedules/single/{resourceId}", "single"}, {"compute/schedules/single/{resourceId}", "single2"},
		{"schedules/repeated/{resourceId}", "repeated"}, {"compute/schedules/repeated/{resourceId}", "repeated2"},
		{"os-update-runs/{resourceId}", "run"}, {"os_update_run/{resourceId}", "run2"},
		{"compute/instances/{resourceId}", "instance"},
		{"os-update-policies/{resourceId}", "policy"}, {"os_update_policy/{resourceId}", "policy2"},
		{"customConfigs/{resourceId}", "config"}, {"localAccounts/{resourceId}", "account"},
		{"compute/os/{resourceId}", "os"}, {"compute/operating_systems/{resourceId}", "os2"},
		{"compute/hosts/{resourceId}", "host"}, {"compute/hosts/{resourceId}", "registered"},
		{"providers/{resourceId}", "provider"},
		{"sites/{resourceId}", "site2"},
	} {
		w.remove(p+d.path, res(w.id[d.role]))
	}
	w.remove(p+"regions/{regionId}/sites/{resourceId}", map[string]string{"regionId": w.id["subregion"], "resourceId": w.id["site"]})
	w.remove(p+"regions/{resourceId}", res(w.id["subregion"]))
	w.remove(p+"regions/{resourceId}", res(w.id["region"]))
}

// errors asks, of every service, for something that is not there or not allowed, and checks the
// error document.
func (w *walk) errors() {
	missing := map[string]string{
		"regions/{resourceId}": "region-00000000", "sites/{resourceId}": "site-00000000",
		"compute/hosts/{resourceId}": "host-00000000", "compute/instances/{resourceId}": "inst-00000000",
		"compute/os/{resourceId}": "os-00000000", "providers/{resourceId}": "provider-00000000",
		"compute/workloads/{resourceId}": "workload-00000000", "workload_members/{resourceId}": "workloadmember-00000000",
		"schedules/single/{resourceId}": "singlesche-00000000", "schedules/repeated/{resourceId}": "repeatedsche-00000000",
		"telemetry/groups/logs/{resourceId}": "telemetrygroup-00000000", "telemetry/groups/metrics/{resourceId}": "telemetrygroup-00000000",
		"telemetry/profiles/logs/{resourceId}": "telemetryprofile-00000000", "telemetry/profiles/metrics/{resourceId}": "telemetryprofile-00000000",
		"localAccounts/{resourceId}": "localaccount-00000000", "customConfigs/{resourceId}": "customconfig-00000000",
		"os-update-policies/{resourceId}": "osupdatepolicy-00000000", "os-update-runs/{resourceId}": "osupdaterun-00000000",
	}
	for path, id := range missing {
		w.c.do(exchange{Method: http.MethodGet, Path: p + path, Params: res(id), Want: http.StatusNotFound})
	}
	// A location search names what it looks for.
	w.c.do(exchange{Method: http.MethodGet, Path: p + "locations", Query: url.Values{"showSites": {"true"}}, Want: http.StatusBadRequest})
	w.authErrors()
	w.inputErrors()
}

// authErrors sends requests without a token, with a forged one and with one of another project.
func (w *walk) authErrors() {
	w.c.do(exchange{Method: http.MethodGet, Path: p + "regions", Token: noToken, Want: http.StatusUnauthorized})
	w.c.do(exchange{Method: http.MethodGet, Path: p + "compute/hosts", Token: "not-a-token", Want: http.StatusUnauthorized})
	_, other := w.c.bed.Project(w.c.t)
	w.c.do(exchange{Method: http.MethodGet, Path: p + "compute/instances", Token: w.c.bed.Token(w.c.t, other),
		Want: http.StatusForbidden})
	w.c.do(exchange{Method: http.MethodPost, Path: p + "regions", Token: w.c.bed.Token(w.c.t, w.c.projectID, "im-r"),
		Body: map[string]any{"name": "read-only"}, Want: http.StatusForbidden})
}

// inputErrors sends bodies the API refuses: malformed, with an unknown field, over the limit,
// and a conflict.
func (w *walk) inputErrors() {
	w.c.do(exchange{Method: http.MethodPost, Path: p + "regions", Body: []byte(`{"name":`), Want: http.StatusBadRequest, Breaks: true})
	w.c.do(exchange{Method: http.MethodPost, Path: p + "compute/os", Body: map[string]any{"name": "no-sha", "shaa256": "x"},
		Want: http.StatusBadRequest, Breaks: true})
	big := make([]byte, 200<<10)
	for i := range big {
		big[i] = 'a'
	}
	w.c.do(exchange{Method: http.MethodPost, Path: p + "customConfigs", Body: map[string]any{"name": "too-big",
		"config": string(big)}, Want: http.StatusRequestEntityTooLarge, Breaks: true})
	w.c.do(exchange{Method: http.MethodPost, Path: p + "localAccounts", Body: map[string]any{"username": "contract",
		"sshKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOcontractcontractcontractcontractcontractco user@example"},
		Want: http.StatusConflict})
}
