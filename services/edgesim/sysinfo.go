package edgesim

import (
	"fmt"

	hostmgr "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
)

// The components the node agent watches (its status.serviceClients).
const components = 5

// systemInfo is node i's hardware inventory, as the hardware discovery agent reports it: a
// small Intel edge box whose serials and addresses are the node's own.
func systemInfo(i int, n Node) *hostmgr.SystemInfo {
	cores := uint32(4 << (i % 3)) // 4, 8 or 16 cores
	topo := &hostmgr.CPUTopology{Sockets: []*hostmgr.Socket{{SocketId: 0, CoreGroups: []*hostmgr.CoreGroup{
		{CoreType: "P-Core", CoreList: coreList(0, cores)}}}}}
	return &hostmgr.SystemInfo{
		HwInfo: &hostmgr.HWInfo{
			SerialNum:   n.Serial,
			ProductName: "NUC12WSHi7",
			Cpu: &hostmgr.SystemCPU{Arch: "x86_64", Vendor: "GenuineIntel", Model: "12th Gen Intel(R) Core(TM) i7-1270P",
				Sockets: 1, Cores: cores, Threads: 2 * cores, Features: []string{"sse4_2", "avx2", "aes", "vmx"}, CpuTopology: topo},
			Memory: &hostmgr.SystemMemory{Size: uint64(16+16*(i%2)) << 30},
			Storage: &hostmgr.Storage{Disk: []*hostmgr.SystemDisk{{SerialNumber: "NVME" + n.Serial, Name: "nvme0n1",
				Vendor: "Samsung", Model: "SSD 980 PRO 512GB", Size: 512110190592, Wwid: "eui." + n.GUID[:8]}}},
			Network: []*hostmgr.SystemNetwork{{Name: "eno1", PciId: "0000:00:1f.6", Mac: n.MAC, LinkState: true,
				CurrentSpeed: 1000, CurrentDuplex: "full", Mtu: 1500, SupportedLinkMode: []string{"1000baseT/Full"},
				IpAddresses: []*hostmgr.IPAddress{{IpAddress: n.IP, NetworkPrefixBits: 8, ConfigMode: hostmgr.ConfigMode_CONFIG_MODE_DYNAMIC}}}},
			Usb: []*hostmgr.SystemUSB{{Class: "Hub", Idvendor: "1d6b", Idproduct: "0003", Bus: 2, Addr: 1,
				Description: "Linux Foundation 3.0 root hub"}},
			Gpu: []*hostmgr.SystemGPU{{PciId: "0000:00:02.0", Product: "Alder Lake-P GT2 [Iris Xe Graphics]", Vendor: "Intel Corporation",
				Name: "card0", Description: "VGA compatible controller"}},
		},
		OsInfo: &hostmgr.OsInfo{Kernel: &hostmgr.OsKernel{Version: "6.8.0-51-generic"},
			Release: &hostmgr.OsRelease{Id: "ubuntu", Version: "22.04"}},
		BmCtlInfo: &hostmgr.BmInfo{BmType: hostmgr.BmInfo_NONE},
		BiosInfo:  &hostmgr.BiosInfo{Version: fmt.Sprintf("WSADL357.0088.2023.%04d", 500+i%100), ReleaseDate: "04/12/2023", Vendor: "Intel Corp."},
	}
}

func coreList(first, n uint32) []uint32 {
	out := make([]uint32, n)
	for i := range out {
		out[i] = first + uint32(i)
	}
	return out
}

// instanceStatus is what the node agent reports after acked heartbeats were acknowledged:
// its components start during the first two, then all run.
func instanceStatus(acked uint32) (hostmgr.InstanceStatus, string) {
	if acked < 2 {
		return hostmgr.InstanceStatus_INSTANCE_STATUS_INITIALIZING, fmt.Sprintf("%d of %d components running", 3, components)
	}
	return hostmgr.InstanceStatus_INSTANCE_STATUS_RUNNING, fmt.Sprintf("%d of %d components running", components, components)
}
