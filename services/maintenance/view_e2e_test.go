package maintenance_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestViewFollowsChanges: the hosts, regions and schedules a poll reads are kept between polls
// and dropped by the changes in the project's change log, so every change made through the API
// is in the answer of the first poll that arrives DefaultViewMaxAge after it (s.settle): a
// schedule edited, a region moved under another parent, the host moved to another site, its
// instance given another update policy.
func TestViewFollowsChanges(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			s := startStack(t, dialect)
			w := newWorld(t, s)
			a := w.node(t, s, "host-a", w.site, w.mutableOS, w.policy)
			patch := func(path string, body map[string]any) {
				t.Helper()
				code, out := s.do(t, http.MethodPatch, "/v1/projects/"+w.name+"/"+path, w.operator, body)
				require.Equal(t, http.StatusOK, code, "PATCH %s: %v", path, out)
				s.settle()
			}
			hoursOfA := func() []string {
				t.Helper()
				resp, err := s.poll(w.agent, a.guid, upToDate)
				require.NoError(t, err)
				return hours(resp.GetUpdateSchedule().GetRepeatedSchedules())
			}
			for range 3 {
				assert.Empty(t, hoursOfA(), "no schedule yet, poll after poll")
			}
			root := w.create(t, s, "schedules/repeated", repeatedBody("root", 1, "targetRegionId", w.root))
			s.settle()
			assert.Equal(t, []string{"1"}, hoursOfA(), "a schedule created on the root region")
			assert.Equal(t, []string{"1"}, hoursOfA())

			patch("schedules/repeated/"+root, map[string]any{"cronHours": "5"})
			assert.Equal(t, []string{"5"}, hoursOfA(), "the schedule edited")

			w.create(t, s, "schedules/repeated", repeatedBody("other", 7, "targetRegionId", w.other))
			patch("regions/"+w.sub, map[string]any{"parentId": w.other})
			assert.Equal(t, []string{"7"}, hoursOfA(), "the site's region moved under the other region")

			w.create(t, s, "schedules/repeated", repeatedBody("other-site", 9, "targetSiteId", w.otherSite))
			patch("compute/hosts/"+a.host, map[string]any{"siteId": w.otherSite})
			assert.ElementsMatch(t, []string{"7", "9"}, hoursOfA(), "the host moved to the other site")

			htop := w.create(t, s, "os_update_policy", map[string]any{"name": "htop", "updatePolicy": "UPDATE_POLICY_TARGET", "updatePackages": "htop"})
			patch("compute/instances/"+a.inst, map[string]any{"osUpdatePolicyID": htop})
			resp, err := s.poll(w.agent, a.guid, upToDate)
			require.NoError(t, err)
			assert.Equal(t, "htop", resp.GetInstalledPackages(), "the instance's new update policy")
		})
	}
}
