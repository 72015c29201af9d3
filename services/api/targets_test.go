package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/apitest"
)

type ided struct {
	ResourceID string `json:"resourceId"`
}

// locationTree makes regions eu > de > (site ber) and us (site nyc), and a host in ber.
func locationTree(t *testing.T, c *project) (eu, de, us, ber, nyc, h ided) {
	c.ok(t, "POST", "/regions", map[string]any{"name": "europe"}, &eu)
	c.ok(t, "POST", "/regions", map[string]any{"name": "germany", "parentId": eu.ResourceID}, &de)
	c.ok(t, "POST", "/regions", map[string]any{"name": "america"}, &us)
	c.ok(t, "POST", "/regions/"+de.ResourceID+"/sites", map[string]any{"name": "berlin", "regionId": de.ResourceID}, &ber)
	c.ok(t, "POST", "/sites", map[string]any{"name": "new-york", "regionId": us.ResourceID}, &nyc)
	c.ok(t, "POST", "/compute/hosts", map[string]any{"name": "h", "siteId": ber.ResourceID, "uuid": "1e5a4f4e-6f5c-4e4e-9c7e-0d1a2b3c4d5e"}, &h)
	return
}

// TestLocations: a name search returns the matching regions and sites with the regions above
// them, so that a client can draw the tree.
func TestLocations(t *testing.T) {
	c := newProject(t, apitest.New(t, apitest.Options{}))
	eu, de, _, ber, _, _ := locationTree(t, c)
	type node struct {
		ResourceID string `json:"resourceId"`
		ParentID   string `json:"parentId"`
		Name       string `json:"name"`
		Type       string `json:"type"`
	}
	var resp struct {
		Nodes          []node `json:"nodes"`
		TotalElements  int    `json:"totalElements"`
		OutputElements int    `json:"outputElements"`
	}
	c.ok(t, "GET", "/locations?name=BERL&showSites=true&showRegions=true", nil, &resp)
	assert.Equal(t, 1, resp.OutputElements)
	assert.Equal(t, 1, resp.TotalElements)
	assert.ElementsMatch(t, []node{
		{ResourceID: ber.ResourceID, ParentID: de.ResourceID, Name: "berlin", Type: "RESOURCE_KIND_SITE"},
		{ResourceID: de.ResourceID, ParentID: eu.ResourceID, Name: "germany", Type: "RESOURCE_KIND_REGION"},
		{ResourceID: eu.ResourceID, Name: "europe", Type: "RESOURCE_KIND_REGION"},
	}, resp.Nodes)
	c.ok(t, "GET", "/locations?name=e&showRegions=true", nil, &resp)
	assert.Equal(t, 3, resp.OutputElements, "europe, germany, america")
	failure(t, c.bed.Do(t, "GET", c.base+"/locations?name=x", c.token, nil), http.StatusBadRequest, "InvalidArgument", "showRegions")
}

// TestSchedulesByTarget: schedules listed for a host include those of its site and the regions
// above; unixEpoch keeps those in effect then; null asks for schedules without that target;
// the combined list pages both kinds.
func TestSchedulesByTarget(t *testing.T) {
	c := newProject(t, apitest.New(t, apitest.Options{}))
	eu, _, us, ber, _, h := locationTree(t, c)
	now := time.Now().Unix()
	var onEU, onHost, onUS, rep ided
	c.ok(t, "POST", "/schedules/single", map[string]any{"name": "eu", "scheduleStatus": "SCHEDULE_STATUS_MAINTENANCE",
		"startSeconds": now - 60, "endSeconds": now + 3600, "targetRegionId": eu.ResourceID}, &onEU)
	c.ok(t, "POST", "/schedules/single", map[string]any{"name": "host-later", "scheduleStatus": "SCHEDULE_STATUS_MAINTENANCE",
		"startSeconds": now + 7200, "targetHostId": h.ResourceID}, &onHost)
	c.ok(t, "POST", "/schedules/single", map[string]any{"name": "us", "scheduleStatus": "SCHEDULE_STATUS_MAINTENANCE",
		"startSeconds": now - 60, "targetRegionId": us.ResourceID}, &onUS)
	at := time.Unix(now, 0).UTC()
	c.ok(t, "POST", "/schedules/repeated", map[string]any{"name": "nightly", "scheduleStatus": "SCHEDULE_STATUS_OS_UPDATE",
		"durationSeconds": 3600, "cronMinutes": fmt.Sprint(at.Add(-time.Minute).Minute()), "cronHours": fmt.Sprint(at.Add(-time.Minute).Hour()),
		"cronDayMonth": "*", "cronMonth": "*", "cronDayWeek": "*", "targetSiteId": ber.ResourceID}, &rep)

	type list struct {
		SingleSchedules   []ided `json:"singleSchedules"`
		RepeatedSchedules []ided `json:"repeatedSchedules"`
		TotalElements     int    `json:"totalElements"`
		HasNext           bool   `json:"hasNext"`
	}
	ids := func(l list) []string {
		var out []string
		for _, s := range append(l.SingleSchedules, l.RepeatedSchedules...) {
			out = append(out, s.ResourceID)
		}
		return out
	}
	get := func(path string) list {
		var l list
		c.ok(t, "GET", path, nil, &l)
		return l
	}
	got := get("/schedules?hostId=" + h.ResourceID)
	assert.ElementsMatch(t, []string{onEU.ResourceID, onHost.ResourceID, rep.ResourceID}, ids(got), "the host's, its site's and its regions'")
	got = get(fmt.Sprintf("/schedules?hostId=%s&unixEpoch=%d", h.ResourceID, now))
	assert.ElementsMatch(t, []string{onEU.ResourceID, rep.ResourceID}, ids(got), "in effect now")
	got = get(fmt.Sprintf("/schedules/repeated?siteId=%s&unixEpoch=%d", ber.ResourceID, now+2*3600))
	assert.Empty(t, ids(got), "the nightly window is over two hours later")
	got = get("/schedules/single?regionId=null")
	assert.ElementsMatch(t, []string{onHost.ResourceID}, ids(got))
	got = get("/schedules?pageSize=1")
	assert.Equal(t, 4, got.TotalElements)
	assert.True(t, got.HasNext)
	assert.Len(t, ids(got), 2, "one page of each kind")
	failure(t, c.bed.Do(t, "GET", c.base+"/schedules?hostId="+h.ResourceID+"&siteId="+ber.ResourceID, c.token, nil),
		http.StatusBadRequest, "InvalidArgument", "only one of")
}

// TestTelemetryProfilesInherited: profiles listed for an instance with showInherited include
// those of its host's site and regions.
func TestTelemetryProfilesInherited(t *testing.T) {
	c := newProject(t, apitest.New(t, apitest.Options{}))
	eu, _, _, ber, _, h := locationTree(t, c)
	var os, inst, group, onEU, onSite, onInst ided
	c.ok(t, "POST", "/compute/os", map[string]any{"name": "os", "sha256": "a3b5c0d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4",
		"profileName": "p", "osType": "OS_TYPE_MUTABLE", "osProvider": "OS_PROVIDER_KIND_INFRA"}, &os)
	c.ok(t, "POST", "/compute/instances", map[string]any{"name": "i", "kind": "INSTANCE_KIND_METAL", "hostID": h.ResourceID, "osID": os.ResourceID}, &inst)
	c.ok(t, "POST", "/telemetry/loggroups", map[string]any{"name": "g", "collectorKind": "TELEMETRY_COLLECTOR_KIND_HOST", "groups": []string{"syslog"}}, &group)
	for target, dst := range map[string]*ided{"targetRegion": &onEU, "targetSite": &onSite, "targetInstance": &onInst} {
		id := map[string]string{"targetRegion": eu.ResourceID, "targetSite": ber.ResourceID, "targetInstance": inst.ResourceID}[target]
		c.ok(t, "POST", "/telemetry/profiles/logs", map[string]any{target: id, "logLevel": "SEVERITY_LEVEL_INFO", "logsGroupId": group.ResourceID}, dst)
	}
	var got struct {
		TelemetryLogsProfiles []struct {
			ProfileID string `json:"profileId"`
		} `json:"telemetryLogsProfiles"`
		TotalElements int `json:"totalElements"`
	}
	c.ok(t, "GET", "/telemetry/profiles/logs?instanceId="+inst.ResourceID, nil, &got)
	require.Equal(t, 1, got.TotalElements)
	got.TotalElements = 0
	c.ok(t, "GET", "/telemetry/profiles/logs?instanceId="+inst.ResourceID+"&showInherited=true", nil, &got)
	assert.Equal(t, 3, got.TotalElements, "the instance's, its site's and its region's")
}
