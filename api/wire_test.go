package api_test

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	agentstatus "github.com/eim-byoi/eim/api/gen/agent_status_proto/v1"
	dm "github.com/eim-byoi/eim/api/gen/device_management"
	hostmgr "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
	onboardingmgrv1 "github.com/eim-byoi/eim/api/gen/onboardingmgr/v1"
	telemetrymgrv1 "github.com/eim-byoi/eim/api/gen/telemetrymgr/v1"
)

// Trivial implementations of every southbound service: each answers with an empty (or echoing) response.
type hostmgrServer struct {
	hostmgr.UnimplementedHostmgrServer
}

func (hostmgrServer) UpdateHostStatusByHostGuid(context.Context, *hostmgr.UpdateHostStatusByHostGuidRequest) (*hostmgr.HostStatusResp, error) {
	return &hostmgr.HostStatusResp{HostAction: hostmgr.HostStatusResp_RUNNING}, nil
}

func (hostmgrServer) UpdateInstanceStateStatusByHostGUID(_ context.Context, in *hostmgr.UpdateInstanceStateStatusByHostGUIDRequest) (*hostmgr.UpdateInstanceStateStatusByHostGUIDResponse, error) {
	if in.GetInstanceStatus() != hostmgr.InstanceStatus_INSTANCE_STATUS_RUNNING {
		return nil, status.Errorf(codes.InvalidArgument, "instance_status %v arrived", in.GetInstanceStatus())
	}
	return &hostmgr.UpdateInstanceStateStatusByHostGUIDResponse{}, nil
}

func (hostmgrServer) UpdateHostSystemInfoByGUID(context.Context, *hostmgr.UpdateHostSystemInfoByGUIDRequest) (*hostmgr.UpdateHostSystemInfoByGUIDResponse, error) {
	return &hostmgr.UpdateHostSystemInfoByGUIDResponse{}, nil
}

type maintmgrServer struct {
	maintmgrv1.UnimplementedMaintmgrServiceServer
}

func (maintmgrServer) PlatformUpdateStatus(_ context.Context, in *maintmgrv1.PlatformUpdateStatusRequest) (*maintmgrv1.PlatformUpdateStatusResponse, error) {
	return &maintmgrv1.PlatformUpdateStatusResponse{InstalledPackages: "for " + in.GetHostGuid()}, nil
}

type interactiveServer struct {
	onboardingmgrv1.UnimplementedInteractiveOnboardingServiceServer
}

func (interactiveServer) CreateNodes(_ context.Context, in *onboardingmgrv1.CreateNodesRequest) (*onboardingmgrv1.CreateNodesResponse, error) {
	return &onboardingmgrv1.CreateNodesResponse{Payload: in.GetPayload(), ProjectId: "p1"}, nil
}

type nonInteractiveServer struct {
	onboardingmgrv1.UnimplementedNonInteractiveOnboardingServiceServer
}

func (nonInteractiveServer) OnboardNodeStream(stream grpc.BidiStreamingServer[onboardingmgrv1.OnboardNodeStreamRequest, onboardingmgrv1.OnboardNodeStreamResponse]) error {
	for {
		in, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := stream.Send(&onboardingmgrv1.OnboardNodeStreamResponse{
			NodeState: onboardingmgrv1.OnboardNodeStreamResponse_NODE_STATE_ONBOARDED,
			ClientId:  "edgenode-" + in.GetUuid(),
		}); err != nil {
			return err
		}
	}
}

type statusServer struct {
	agentstatus.UnimplementedStatusServiceServer
}

func (statusServer) ReportStatus(context.Context, *agentstatus.ReportStatusRequest) (*agentstatus.ReportStatusResponse, error) {
	return &agentstatus.ReportStatusResponse{}, nil
}

func (statusServer) GetStatusInterval(context.Context, *agentstatus.GetStatusIntervalRequest) (*agentstatus.GetStatusIntervalResponse, error) {
	return &agentstatus.GetStatusIntervalResponse{IntervalSeconds: 10}, nil
}

type telemetryServer struct {
	telemetrymgrv1.UnimplementedTelemetryMgrServer
}

func (telemetryServer) GetTelemetryConfigByGUID(context.Context, *telemetrymgrv1.GetTelemetryConfigByGuidRequest) (*telemetrymgrv1.GetTelemetryConfigResponse, error) {
	return &telemetrymgrv1.GetTelemetryConfigResponse{}, nil
}

type dmServer struct {
	dm.UnimplementedDeviceManagementServer
}

func (dmServer) ReportAMTStatus(context.Context, *dm.AMTStatusRequest) (*dm.AMTStatusResponse, error) {
	return &dm.AMTStatusResponse{}, nil
}

func (dmServer) RetrieveActivationDetails(_ context.Context, in *dm.ActivationRequest) (*dm.ActivationDetailsResponse, error) {
	return &dm.ActivationDetailsResponse{HostId: in.GetHostId()}, nil
}

func (dmServer) ReportActivationResults(context.Context, *dm.ActivationResultRequest) (*dm.ActivationResultResponse, error) {
	return &dm.ActivationResultResponse{}, nil
}

// methodLog records the full method names a server saw, as grpc reports them to interceptors.
type methodLog struct {
	mu    sync.Mutex
	names []string
}

func (l *methodLog) add(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.names = append(l.names, name)
}

func (l *methodLog) sorted() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := append([]string(nil), l.names...)
	sort.Strings(out)
	return out
}

// serveSouthbound starts a real grpc.Server on 127.0.0.1 with every southbound service and returns a client
// connection to it and the log of the methods the server saw.
func serveSouthbound(t *testing.T) (*grpc.ClientConn, *methodLog) {
	t.Helper()
	seen := &methodLog{}
	srv := grpc.NewServer(
		grpc.UnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			seen.add(info.FullMethod)
			return h(ctx, req)
		}),
		grpc.StreamInterceptor(func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			seen.add(info.FullMethod)
			return h(srv, ss)
		}),
	)
	hostmgr.RegisterHostmgrServer(srv, hostmgrServer{})
	maintmgrv1.RegisterMaintmgrServiceServer(srv, maintmgrServer{})
	onboardingmgrv1.RegisterInteractiveOnboardingServiceServer(srv, interactiveServer{})
	onboardingmgrv1.RegisterNonInteractiveOnboardingServiceServer(srv, nonInteractiveServer{})
	agentstatus.RegisterStatusServiceServer(srv, statusServer{})
	telemetrymgrv1.RegisterTelemetryMgrServer(srv, telemetryServer{})
	dm.RegisterDeviceManagementServer(srv, dmServer{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Stop()
		if err := <-done; err != nil {
			t.Errorf("grpc server: %v", err)
		}
	})
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn, seen
}

// TestWireSouthboundMethodNames calls every southbound method through the generated clients against a
// real gRPC server and checks the method names on the wire, which the legacy edge-node agents call
// (written out here, never taken from the generated code).
func TestWireSouthboundMethodNames(t *testing.T) {
	conn, seen := serveSouthbound(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	hm := hostmgr.NewHostmgrClient(conn)
	resp, err := hm.UpdateHostStatusByHostGuid(ctx, &hostmgr.UpdateHostStatusByHostGuidRequest{HostGuid: "b7c2f3a0-0000-4000-8000-000000000001"})
	must("UpdateHostStatusByHostGuid", err)
	if resp.GetHostAction() != hostmgr.HostStatusResp_RUNNING {
		t.Errorf("UpdateHostStatusByHostGuid answered %v", resp.GetHostAction())
	}
	_, err = hm.UpdateInstanceStateStatusByHostGUID(ctx, &hostmgr.UpdateInstanceStateStatusByHostGUIDRequest{
		InstanceStatus: hostmgr.InstanceStatus_INSTANCE_STATUS_RUNNING,
	})
	must("UpdateInstanceStateStatusByHostGUID", err)
	_, err = hm.UpdateHostSystemInfoByGUID(ctx, &hostmgr.UpdateHostSystemInfoByGUIDRequest{})
	must("UpdateHostSystemInfoByGUID", err)

	pu, err := maintmgrv1.NewMaintmgrServiceClient(conn).PlatformUpdateStatus(ctx, &maintmgrv1.PlatformUpdateStatusRequest{HostGuid: "g1"})
	must("PlatformUpdateStatus", err)
	if pu.GetInstalledPackages() != "for g1" {
		t.Errorf("PlatformUpdateStatus answered %q", pu.GetInstalledPackages())
	}

	_, err = onboardingmgrv1.NewInteractiveOnboardingServiceClient(conn).CreateNodes(ctx, &onboardingmgrv1.CreateNodesRequest{})
	must("CreateNodes", err)
	stream, err := onboardingmgrv1.NewNonInteractiveOnboardingServiceClient(conn).OnboardNodeStream(ctx)
	must("OnboardNodeStream", err)
	must("OnboardNodeStream send", stream.Send(&onboardingmgrv1.OnboardNodeStreamRequest{Uuid: "u1", Serialnum: "s1"}))
	ob, err := stream.Recv()
	must("OnboardNodeStream recv", err)
	if ob.GetNodeState() != onboardingmgrv1.OnboardNodeStreamResponse_NODE_STATE_ONBOARDED || ob.GetClientId() != "edgenode-u1" {
		t.Errorf("OnboardNodeStream answered %v", ob)
	}
	must("OnboardNodeStream close", stream.CloseSend())
	if _, err := stream.Recv(); !errors.Is(err, io.EOF) {
		t.Errorf("OnboardNodeStream after CloseSend: %v, want io.EOF", err)
	}

	st := agentstatus.NewStatusServiceClient(conn)
	_, err = st.ReportStatus(ctx, &agentstatus.ReportStatusRequest{AgentName: "node-agent", Status: agentstatus.Status_STATUS_READY})
	must("ReportStatus", err)
	_, err = st.GetStatusInterval(ctx, &agentstatus.GetStatusIntervalRequest{})
	must("GetStatusInterval", err)

	_, err = telemetrymgrv1.NewTelemetryMgrClient(conn).GetTelemetryConfigByGUID(ctx, &telemetrymgrv1.GetTelemetryConfigByGuidRequest{})
	must("GetTelemetryConfigByGUID", err)

	d := dm.NewDeviceManagementClient(conn)
	_, err = d.ReportAMTStatus(ctx, &dm.AMTStatusRequest{})
	must("ReportAMTStatus", err)
	_, err = d.RetrieveActivationDetails(ctx, &dm.ActivationRequest{HostId: "h1"})
	must("RetrieveActivationDetails", err)
	_, err = d.ReportActivationResults(ctx, &dm.ActivationResultRequest{})
	must("ReportActivationResults", err)

	want := []string{
		"/agent_status_proto.v1.StatusService/GetStatusInterval",
		"/agent_status_proto.v1.StatusService/ReportStatus",
		"/device_management.DeviceManagement/ReportAMTStatus",
		"/device_management.DeviceManagement/ReportActivationResults",
		"/device_management.DeviceManagement/RetrieveActivationDetails",
		"/hostmgr_southbound_proto.Hostmgr/UpdateHostStatusByHostGuid",
		"/hostmgr_southbound_proto.Hostmgr/UpdateHostSystemInfoByGUID",
		"/hostmgr_southbound_proto.Hostmgr/UpdateInstanceStateStatusByHostGUID",
		"/maintmgr.v1.MaintmgrService/PlatformUpdateStatus",
		"/onboardingmgr.v1.InteractiveOnboardingService/CreateNodes",
		"/onboardingmgr.v1.NonInteractiveOnboardingService/OnboardNodeStream",
		"/telemetrymgr.v1.TelemetryMgr/GetTelemetryConfigByGUID",
	}
	if got := seen.sorted(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("methods seen by the server:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestWireMessageEncoding checks field numbers and types on the wire against bytes written out by hand
// from the legacy maintmgr.proto and hostmgr_southbound.proto, in both directions.
func TestWireMessageEncoding(t *testing.T) {
	for _, c := range []struct {
		name string
		msg  proto.Message
		hex  string
	}{{
		// host_guid = 1 "abc"; update_status = 2 { status_type = 1: STATUS_TYPE_UPDATED (3) }
		name: "maintmgr.v1.PlatformUpdateStatusRequest",
		msg: &maintmgrv1.PlatformUpdateStatusRequest{
			HostGuid:     "abc",
			UpdateStatus: &maintmgrv1.UpdateStatus{StatusType: maintmgrv1.UpdateStatus_STATUS_TYPE_UPDATED},
		},
		hex: "0a03616263" + "12020803",
	}, {
		// host_guid = 1 "g"; instance_status = 2: RUNNING (6); instance_state = 3: RUNNING (3); provider_status_detail = 4 "ok"
		name: "hostmgr_southbound_proto.UpdateInstanceStateStatusByHostGUIDRequest",
		msg: &hostmgr.UpdateInstanceStateStatusByHostGUIDRequest{
			HostGuid:             "g",
			InstanceStatus:       hostmgr.InstanceStatus_INSTANCE_STATUS_RUNNING,
			InstanceState:        hostmgr.InstanceState_INSTANCE_STATE_RUNNING,
			ProviderStatusDetail: "ok",
		},
		hex: "0a0167" + "1006" + "1803" + "22026f6b",
	}} {
		if got := string(c.msg.ProtoReflect().Descriptor().FullName()); got != c.name {
			t.Errorf("message is %s, want %s", got, c.name)
		}
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(c.msg)
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(b); got != c.hex {
			t.Errorf("%s encodes as %s, want %s", c.name, got, c.hex)
		}
		want, _ := hex.DecodeString(c.hex)
		back := c.msg.ProtoReflect().New().Interface()
		if err := proto.Unmarshal(want, back); err != nil || !proto.Equal(back, c.msg) {
			t.Errorf("%s: decoding the legacy bytes gave %v (%v)", c.name, back, err)
		}
	}
}
