package hostmgr_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	pb "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	"github.com/eim-byoi/eim/services/hostmgr"
)

func TestHostStatusOf(t *testing.T) {
	for _, tt := range []struct {
		in   pb.HostStatus_HostStatus
		want hostmgr.Status
	}{
		{pb.HostStatus_RUNNING, hostmgr.HostRunning},
		{pb.HostStatus_BOOTING, hostmgr.HostBooting},
		{pb.HostStatus_ERROR, hostmgr.HostError},
		{pb.HostStatus_UNSPECIFIED, hostmgr.HostUnknown},
		{pb.HostStatus_PROVISIONING, hostmgr.HostUnknown},
		{pb.HostStatus_UPDATEFAILED, hostmgr.HostUnknown},
	} {
		assert.Equal(t, tt.want, hostmgr.HostStatusOf(tt.in), tt.in.String())
	}
}

func TestInstanceStatusAndStateOf(t *testing.T) {
	for _, tt := range []struct {
		in   pb.InstanceStatus
		want hostmgr.Status
	}{
		{pb.InstanceStatus_INSTANCE_STATUS_UNSPECIFIED, hostmgr.InstanceEmpty},
		{pb.InstanceStatus_INSTANCE_STATUS_BOOTING, hostmgr.InstanceRunning},
		{pb.InstanceStatus_INSTANCE_STATUS_RUNNING, hostmgr.InstanceRunning},
		{pb.InstanceStatus_INSTANCE_STATUS_ERROR, hostmgr.InstanceError},
		{pb.InstanceStatus_INSTANCE_STATUS_UPDATING, hostmgr.InstanceUnknown},
	} {
		assert.Equal(t, tt.want, hostmgr.InstanceStatusOf(tt.in), tt.in.String())
	}
	for _, tt := range []struct {
		in   pb.InstanceState
		want computev1.InstanceState
	}{
		{pb.InstanceState_INSTANCE_STATE_UNSPECIFIED, computev1.InstanceState_INSTANCE_STATE_UNSPECIFIED},
		{pb.InstanceState_INSTANCE_STATE_RUNNING, computev1.InstanceState_INSTANCE_STATE_RUNNING},
		{pb.InstanceState_INSTANCE_STATE_INSTALLED, computev1.InstanceState_INSTANCE_STATE_RUNNING},
		{pb.InstanceState_INSTANCE_STATE_STOPPED, computev1.InstanceState_INSTANCE_STATE_RUNNING},
		{pb.InstanceState_INSTANCE_STATE_DELETED, computev1.InstanceState_INSTANCE_STATE_DELETED},
	} {
		assert.Equal(t, tt.want, hostmgr.InstanceStateOf(tt.in), tt.in.String())
	}
}

func TestSystemInfoPatchMasks(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   *pb.SystemInfo
		mask []string
	}{
		{"empty report changes nothing", &pb.SystemInfo{}, nil},
		{"BIOS only", &pb.SystemInfo{BiosInfo: &pb.BiosInfo{Vendor: "v"}}, []string{"bios_version", "bios_release_date", "bios_vendor"}},
		{"BMC only", &pb.SystemInfo{BmCtlInfo: &pb.BmInfo{BmType: pb.BmInfo_REDFISH}}, []string{"bmc_kind", "bmc_ip"}},
		{"hardware without serial, CPU or memory: only the device lists", &pb.SystemInfo{HwInfo: &pb.HWInfo{}},
			[]string{"host_storages", "host_nics", "host_usbs", "host_gpus"}},
		{"memory", &pb.SystemInfo{HwInfo: &pb.HWInfo{SerialNum: "s", Memory: &pb.SystemMemory{Size: 8}}},
			[]string{"serial_number", "memory_bytes", "host_storages", "host_nics", "host_usbs", "host_gpus"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, mask, err := hostmgr.SystemInfoPatch(tt.in)
			assert.NoError(t, err)
			assert.Equal(t, tt.mask, mask)
		})
	}
}

func TestSystemInfoPatchRefuses(t *testing.T) {
	for name, in := range map[string]*pb.SystemInfo{
		"GPU without PCI id": {HwInfo: &pb.HWInfo{Gpu: []*pb.SystemGPU{{Name: "card0"}}}},
		"bad IP prefix": {HwInfo: &pb.HWInfo{Network: []*pb.SystemNetwork{{Name: "eth0",
			IpAddresses: []*pb.IPAddress{{IpAddress: "10.0.0.1", NetworkPrefixBits: 99}}}}}},
	} {
		_, _, err := hostmgr.SystemInfoPatch(in)
		assert.Error(t, err, name)
	}
}
