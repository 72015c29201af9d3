package maintenance_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
)

// TestCallersAndTenants checks who may call and what they reach: no token or an empty one is
// Unauthenticated (the agent's empty token file at start); an operator token without the agent
// role is PermissionDenied; an unknown GUID and another project's GUID get the same NotFound;
// an agent of one project neither records a status for nor receives the schedules of another
// project's host.
func TestCallersAndTenants(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			s := startStack(t, dialect)
			one, two := newWorld(t, s), newWorld(t, s)
			a := one.node(t, s, "host-a", one.site, one.mutableOS, one.policy)
			b := two.node(t, s, "host-b", two.site, two.mutableOS, two.policy)
			one.create(t, s, "schedules/repeated", repeatedBody("one", 1, "targetSiteId", one.site))
			two.create(t, s, "schedules/repeated", repeatedBody("two", 2, "targetSiteId", two.site))

			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			req := &maintmgrv1.PlatformUpdateStatusRequest{HostGuid: a.guid, UpdateStatus: upToDate}
			_, err := s.agent.PlatformUpdateStatus(ctx, req)
			assert.Equal(t, codes.Unauthenticated, status.Code(err), "no token: %v", err)
			_, err = s.agent.PlatformUpdateStatus(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "), req)
			assert.Equal(t, codes.Unauthenticated, status.Code(err), "the empty token of an agent's first start: %v", err)
			_, err = s.poll("not-a-jwt", a.guid, upToDate)
			assert.Equal(t, codes.Unauthenticated, status.Code(err), "a malformed token: %v", err)
			_, err = s.poll(one.operator, a.guid, upToDate)
			assert.Equal(t, codes.PermissionDenied, status.Code(err), "an operator token lacks the agent role: %v", err)

			unknown := newGUID()
			_, errUnknown := s.poll(one.agent, unknown, upToDate)
			_, errOther := s.poll(one.agent, b.guid, upToDate)
			require.Equal(t, codes.NotFound, status.Code(errUnknown))
			require.Equal(t, codes.NotFound, status.Code(errOther))
			assert.Equal(t, status.Convert(errUnknown).Message(), replaceGUID(status.Convert(errOther).Message(), b.guid, unknown),
				"another project's host is answered as an unknown one")

			_, err = s.poll(one.agent, b.guid, reported(maintmgrv1.UpdateStatus_STATUS_TYPE_STARTED))
			require.Equal(t, codes.NotFound, status.Code(err))
			code, inst := s.do(t, http.MethodGet, "/v1/projects/"+two.name+"/compute/instances/"+b.inst, two.operator, nil)
			require.Equal(t, http.StatusOK, code)
			assert.Empty(t, inst["updateStatus"], "project one's agent recorded nothing on project two's host")
			assert.Empty(t, two.runs(t, s))

			respA, err := s.poll(one.agent, a.guid, upToDate)
			require.NoError(t, err)
			assert.Equal(t, []string{"1"}, hours(respA.GetUpdateSchedule().GetRepeatedSchedules()), "only project one's schedule")
			respB, err := s.poll(two.agent, b.guid, upToDate)
			require.NoError(t, err)
			assert.Equal(t, []string{"2"}, hours(respB.GetUpdateSchedule().GetRepeatedSchedules()), "only project two's schedule")

			_, err = s.poll(one.agent, "not-a-guid", upToDate)
			assert.Equal(t, codes.InvalidArgument, status.Code(err), "the legacy request validation: %v", err)
		})
	}
}

func replaceGUID(msg, from, to string) string { return strings.ReplaceAll(msg, from, to) }
