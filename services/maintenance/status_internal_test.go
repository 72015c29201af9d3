package maintenance

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
	statusv1 "github.com/eim-byoi/eim/api/gen/resources/status/v1"
)

func TestNewerImage(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"3.0.20250717.0732", "3.0.20250101.0100", true},
		{"3.0.20250101.0100", "3.0.20250717.0732", false},
		{"3.1.0", "3.0.99", true},
		{"10.0.0", "9.0.0", true},
		{"3.0.1.1", "3.0.1", true},
		{"3.0.1", "3.0.1", false},
		{"3.0.rc2", "3.0.rc1", true},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, newerImage(tt.a, tt.b), "%s > %s", tt.a, tt.b)
	}
}

func TestDetailOf(t *testing.T) {
	log := `{"update_log":[{"n":1},{"n":2},{"n":3}]}`
	tests := []struct {
		name    string
		in      *maintmgrv1.UpdateStatus
		detail  string
		entries int
	}{
		{"completed with a log", &maintmgrv1.UpdateStatus{StatusType: maintmgrv1.UpdateStatus_STATUS_TYPE_UPDATED, StatusDetail: log}, log, 3},
		{"failed with a log", &maintmgrv1.UpdateStatus{StatusType: maintmgrv1.UpdateStatus_STATUS_TYPE_FAILED, StatusDetail: log}, log, 3},
		{"started: no detail kept", &maintmgrv1.UpdateStatus{StatusType: maintmgrv1.UpdateStatus_STATUS_TYPE_STARTED, StatusDetail: log}, "", 0},
		{"not JSON", &maintmgrv1.UpdateStatus{StatusType: maintmgrv1.UpdateStatus_STATUS_TYPE_FAILED, StatusDetail: "apt failed"}, "", 0},
		{"no update_log key", &maintmgrv1.UpdateStatus{StatusType: maintmgrv1.UpdateStatus_STATUS_TYPE_FAILED, StatusDetail: `{"log":[]}`}, "", 0},
		{"too long: cut", &maintmgrv1.UpdateStatus{StatusType: maintmgrv1.UpdateStatus_STATUS_TYPE_FAILED,
			StatusDetail: `{"update_log":["` + strings.Repeat("é", maxDetail) + `"]}`}, `{"update_log":["` + strings.Repeat("é", (maxDetail-16)/2), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			detail, entries := detailOf(tt.in)
			assert.Equal(t, tt.detail, detail)
			assert.Equal(t, tt.entries, entries)
			assert.LessOrEqual(t, len(detail), maxDetail)
		})
	}
}

func TestStatusSame(t *testing.T) {
	done := statusOf(maintmgrv1.UpdateStatus_STATUS_TYPE_UPDATED)
	idle := statusv1.StatusIndication_STATUS_INDICATION_IDLE
	assert.True(t, done.same("Update completed - 3 package(s) updated/installed", idle), "the suffixed text is the same status")
	assert.False(t, done.same("Update completed", statusv1.StatusIndication_STATUS_INDICATION_ERROR), "another indicator")
	assert.False(t, statusOf(maintmgrv1.UpdateStatus_STATUS_TYPE_UP_TO_DATE).same("", statusv1.StatusIndication_STATUS_INDICATION_UNSPECIFIED))
	assert.Equal(t, StatusUnknown, statusOf(maintmgrv1.UpdateStatus_StatusType(99)).text)
}

func TestSafeText(t *testing.T) {
	assert.Equal(t, "edge-node_01", safeText("edge-node_01", 13))
	assert.Equal(t, "hte-gr", safeText("hôte-grüße", 6), "characters the run name refuses are dropped")
	assert.Equal(t, "a1234567890bc", safeText("a1234567890bcdef", 13))
}
