package onboarding_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	onboardingv1 "github.com/eim-byoi/eim/api/gen/onboardingmgr/v1"
)

// node is a node's valid hardware data.
func node(id string) *onboardingv1.HwData {
	return &onboardingv1.HwData{Uuid: id, Serialnum: "SN12345", MacId: "02:00:00:aa:bb:ce", SutIp: "10.0.0.9"}
}

// TestCreateNodes: an operator holding en-ob registers nodes from their hardware data (a bad
// serial number is ignored, as the legacy manager did); the host is allowed to onboard and its
// device then gets its credentials. The wrong role, bad hardware data and an invalidated host
// are refused.
func TestCreateNodes(t *testing.T) {
	s := startStack(t, newConfig(t))
	e := localEnv(t, s)
	c := onboardingv1.NewInteractiveOnboardingServiceClient(s.conn(t))
	call := func(tok string, hw ...*onboardingv1.HwData) (*onboardingv1.CreateNodesResponse, error) {
		ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+tok)
		return c.CreateNodes(ctx, &onboardingv1.CreateNodesRequest{Payload: []*onboardingv1.NodeData{{Hwdata: hw}}})
	}
	operator := s.mint(t, e.projectID+"_en-ob")
	id := uuid.NewString()
	resp, err := call(operator, &onboardingv1.HwData{Uuid: id, Serialnum: "bad serial!", MacId: "02:00:00:aa:bb:cd", SutIp: "10.0.0.8"})
	require.NoError(t, err)
	assert.Equal(t, e.projectID, resp.GetProjectId())
	dev := s.newDevice(t, id, "")
	answer := dev.ask(t)
	require.Equal(t, onboarded, answer.GetNodeState(), "%v", answer)
	assert.Equal(t, e.projectID, answer.GetProjectId())

	tests := []struct {
		name  string
		token string
		hw    *onboardingv1.HwData
		code  codes.Code
	}{
		{"without en-ob", s.mint(t, e.projectID+"_im-rw"), node(uuid.NewString()), codes.PermissionDenied},
		{"en-ob of a project the inventory does not know", s.mint(t, uuid.NewString()+"_en-ob"), node(uuid.NewString()), codes.NotFound},
		{"no uuid", operator, node(""), codes.InvalidArgument},
		{"bad uuid", operator, node("not-a-uuid"), codes.InvalidArgument},
		{"bad mac", operator, &onboardingv1.HwData{Uuid: uuid.NewString(), MacId: "zz", SutIp: "10.0.0.8"}, codes.InvalidArgument},
		{"no sut_ip", operator, &onboardingv1.HwData{Uuid: uuid.NewString(), MacId: "02:00:00:aa:bb:cd"}, codes.InvalidArgument},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := call(tc.token, tc.hw)
			assert.Equal(t, tc.code, status.Code(err), "%v", err)
		})
	}

	host := s.hostByUUID(t, e, id)
	code, body := s.do(t, http.MethodPut, hostPath(e.projectName, host)+"/invalidate", e.operator, map[string]any{})
	require.Equal(t, http.StatusOK, code, "%s", body)
	_, err = call(operator, node(id))
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "an invalidated host is not registered again: %v", err)
}
