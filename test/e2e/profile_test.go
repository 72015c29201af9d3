package e2e_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	hostmgr "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
	onboardingmgrv1 "github.com/eim-byoi/eim/api/gen/onboardingmgr/v1"
	"github.com/eim-byoi/eim/test/proc"
)

// TestOnboardingProfileServesOnlyItsModules starts `eim serve --target onboarding` and proves
// that the process runs inventory, api, onboarding and osresource and nothing else: its log
// names exactly those modules and the onboarding services on the southbound listener; the host
// and maintenance managers' services are unknown there and on the gRPC listener; the
// orchestrator feature document says day2 is not installed.
func TestOnboardingProfileServesOnlyItsModules(t *testing.T) {
	bin := proc.Build(t)
	dir := t.TempDir()
	env := proc.Env(dir, "EIM_TARGET=onboarding")
	p := proc.Start(t, bin, dir, env, "serve")
	p.AwaitSouthbound(t)

	var started []string
	var services []string
	for _, l := range strings.Split(p.Logs(), "\n") {
		var rec struct {
			Msg, Module, Southbound string
			Services                []string
		}
		if json.Unmarshal([]byte(l), &rec) != nil {
			continue
		}
		switch {
		case rec.Msg == "starting module":
			started = append(started, rec.Module)
		case rec.Msg == "listening" && rec.Southbound != "":
			services = rec.Services
		}
	}
	assert.Equal(t, []string{"inventory", "api", "onboarding", "osresource"}, started)
	assert.ElementsMatch(t, []string{onboardingmgrv1.InteractiveOnboardingService_ServiceDesc.ServiceName,
		onboardingmgrv1.NonInteractiveOnboardingService_ServiceDesc.ServiceName}, services)

	token := (&embedded{bin: bin, env: env}).token(t, "--project", "profile", "--create", "--role", "en-agent-rw,im-r")
	ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token), 30*time.Second)
	defer cancel()
	for name, conn := range map[string]*grpc.ClientConn{"southbound": southbound(t, p), "grpc": plain(t, p.GRPC)} {
		_, err := hostmgr.NewHostmgrClient(conn).UpdateInstanceStateStatusByHostGUID(ctx, &hostmgr.UpdateInstanceStateStatusByHostGUIDRequest{})
		assert.Equal(t, codes.Unimplemented, status.Code(err), "%s: no host manager: %v", name, err)
		_, err = maintmgrv1.NewMaintmgrServiceClient(conn).PlatformUpdateStatus(ctx, &maintmgrv1.PlatformUpdateStatusRequest{})
		assert.Equal(t, codes.Unimplemented, status.Code(err), "%s: no maintenance manager: %v", name, err)
	}

	var doc struct {
		Orchestrator struct {
			Features map[string]struct {
				Installed bool
				Features  map[string]struct{ Installed bool }
			}
		}
	}
	code := rest{base: "http://" + p.HTTP}.do(t, http.MethodGet, "/v1/orchestrator", token, nil, &doc)
	require.Equal(t, http.StatusOK, code)
	eim := doc.Orchestrator.Features["edge-infrastructure-manager"].Features
	assert.True(t, eim["onboarding"].Installed)
	assert.True(t, eim["provisioning"].Installed)
	assert.True(t, eim["oxm-profile"].Installed)
	assert.False(t, eim["day2"].Installed)
}

func plain(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}
