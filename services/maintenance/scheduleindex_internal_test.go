package maintenance

import (
	"testing"

	"github.com/stretchr/testify/assert"

	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	locationv1 "github.com/eim-byoi/eim/api/gen/resources/location/v1"
	schedulev1 "github.com/eim-byoi/eim/api/gen/resources/schedule/v1"
)

// TestScheduleIndexSelectsByTarget: the schedules targeting any of the ids, each once, in
// resource id order, whether the target is embedded or only named by its id field; another
// target's and a schedule without a target are left out.
func TestScheduleIndexSelectsByTarget(t *testing.T) {
	x := newScheduleIndex()
	x.addSingle(&schedulev1.SingleScheduleResource{ResourceId: "singlesche-3", TargetHost: &computev1.HostResource{ResourceId: "host-a"}})
	x.addSingle(&schedulev1.SingleScheduleResource{ResourceId: "singlesche-1", TargetSiteId: "site-a"})
	x.addSingle(&schedulev1.SingleScheduleResource{ResourceId: "singlesche-2", TargetHost: &computev1.HostResource{ResourceId: "host-b"}})
	x.addSingle(&schedulev1.SingleScheduleResource{ResourceId: "singlesche-4"})
	x.addRepeated(&schedulev1.RepeatedScheduleResource{ResourceId: "repeatedsche-9", TargetRegion: &locationv1.RegionResource{ResourceId: "region-root"}})
	x.addRepeated(&schedulev1.RepeatedScheduleResource{ResourceId: "repeatedsche-5", TargetRegionId: "region-sub"})
	x.addRepeated(&schedulev1.RepeatedScheduleResource{ResourceId: "repeatedsche-7", TargetSite: &locationv1.SiteResource{ResourceId: "site-b"}})

	ids := func(singles []*schedulev1.SingleScheduleResource, repeated []*schedulev1.RepeatedScheduleResource) (s, r []string) {
		for _, v := range singles {
			s = append(s, v.GetResourceId())
		}
		for _, v := range repeated {
			r = append(r, v.GetResourceId())
		}
		return s, r
	}
	s, r := ids(x.of([]string{"host-a", "site-a", "region-sub", "region-root", "region-root"}))
	assert.Equal(t, []string{"singlesche-1", "singlesche-3"}, s)
	assert.Equal(t, []string{"repeatedsche-5", "repeatedsche-9"}, r)
	s, r = ids(x.of([]string{"host-c"}))
	assert.Empty(t, s)
	assert.Empty(t, r)
}
