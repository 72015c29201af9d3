package hostmgr

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"

	pb "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	networkv1 "github.com/eim-byoi/eim/api/gen/resources/network/v1"
	"github.com/eim-byoi/eim/providers/provider"
)

// SystemInfoPatch is what a hardware-discovery report changes on the host: the fields of
// Host named by Mask (snake_case paths of HostResource). Only the parts the report carries
// are in the mask: a report without bios_info leaves the BIOS fields as they are.
//
// What lands where:
//   - hw_info: serial_num → serial_number, product_name → product_name (each only when not
//     empty), cpu → cpu_model, cpu_architecture, cpu_sockets, cpu_cores, cpu_threads,
//     cpu_capabilities (features joined by ","), cpu_topology (JSON, proto field names);
//     memory.size → memory_bytes; storage.disk → host_storages; network → host_nics (with
//     their IP addresses as CIDR); usb → host_usbs; gpu → host_gpus.
//   - bios_info → bios_version, bios_release_date, bios_vendor.
//   - bm_ctl_info → bmc_kind and bmc_ip; bm_username and bm_password are never stored.
//   - os_info, kc_info (a kubeconfig: a credential), pci and gpu_deprecated have no apiv2
//     field and are dropped, as are the NIC fields the apiv2 HostnicResource lacks (speed,
//     duplex, link modes, features, LLDP peer).
func SystemInfoPatch(si *pb.SystemInfo) (*computev1.HostResource, []string, error) {
	h := &computev1.HostResource{}
	var mask []string
	if hw := si.GetHwInfo(); hw != nil {
		m, err := hwPatch(h, hw)
		if err != nil {
			return nil, nil, err
		}
		mask = append(mask, m...)
	}
	if b := si.GetBiosInfo(); b != nil {
		h.BiosVersion, h.BiosReleaseDate, h.BiosVendor = b.GetVersion(), b.GetReleaseDate(), b.GetVendor()
		mask = append(mask, "bios_version", "bios_release_date", "bios_vendor")
	}
	if bm := si.GetBmCtlInfo(); bm != nil {
		h.BmcKind, h.BmcIp = bmcKind(bm.GetBmType()), bm.GetBmcInfo().GetBmIp()
		mask = append(mask, "bmc_kind", "bmc_ip")
	}
	return h, mask, nil
}

func hwPatch(h *computev1.HostResource, hw *pb.HWInfo) ([]string, error) {
	var mask []string
	if hw.GetSerialNum() != "" {
		h.SerialNumber = hw.GetSerialNum()
		mask = append(mask, "serial_number")
	}
	if hw.GetProductName() != "" {
		h.ProductName = hw.GetProductName()
		mask = append(mask, "product_name")
	}
	if cpu := hw.GetCpu(); cpu != nil {
		topo, err := cpuTopology(cpu)
		if err != nil {
			return nil, err
		}
		h.CpuModel, h.CpuArchitecture, h.CpuTopology = cpu.GetModel(), cpu.GetArch(), topo
		h.CpuSockets, h.CpuCores, h.CpuThreads = cpu.GetSockets(), cpu.GetCores(), cpu.GetThreads()
		h.CpuCapabilities = strings.Join(cpu.GetFeatures(), ",")
		mask = append(mask, "cpu_model", "cpu_architecture", "cpu_sockets", "cpu_cores", "cpu_threads", "cpu_capabilities", "cpu_topology")
	}
	if mem := hw.GetMemory(); mem != nil {
		h.MemoryBytes = strconv.FormatUint(mem.GetSize(), 10)
		mask = append(mask, "memory_bytes")
	}
	for _, d := range hw.GetStorage().GetDisk() {
		h.HostStorages = append(h.HostStorages, &computev1.HoststorageResource{Wwid: d.GetWwid(), Serial: d.GetSerialNumber(),
			Vendor: d.GetVendor(), Model: d.GetModel(), CapacityBytes: strconv.FormatUint(d.GetSize(), 10), DeviceName: d.GetName()})
	}
	for _, n := range hw.GetNetwork() {
		nic, err := hostNIC(n)
		if err != nil {
			return nil, err
		}
		h.HostNics = append(h.HostNics, nic)
	}
	for _, u := range hw.GetUsb() {
		h.HostUsbs = append(h.HostUsbs, &computev1.HostusbResource{IdVendor: u.GetIdvendor(), IdProduct: u.GetIdproduct(),
			Bus: u.GetBus(), Addr: u.GetAddr(), Class: u.GetClass(), Serial: u.GetSerial(), DeviceName: u.GetDescription()})
	}
	for i, g := range hw.GetGpu() {
		if g.GetPciId() == "" {
			return nil, provider.Errorf(provider.InvalidArgument, "system_info.hw_info.gpu[%d].pci_id: required: it identifies the GPU", i)
		}
		h.HostGpus = append(h.HostGpus, &computev1.HostgpuResource{PciId: g.GetPciId(), Product: g.GetProduct(), Vendor: g.GetVendor(),
			Description: g.GetDescription(), DeviceName: g.GetName(), Capabilities: g.GetFeatures()})
	}
	// The lists are the host's hardware as reported: an empty list clears what was there.
	return append(mask, "host_storages", "host_nics", "host_usbs", "host_gpus"), nil
}

// cpuTopology is the CPU topology as the legacy host manager stores it: compact JSON with the
// proto field names; one socket object per socket is required.
func cpuTopology(cpu *pb.SystemCPU) (string, error) {
	t := cpu.GetCpuTopology()
	if len(t.GetSockets()) == 0 {
		return "", nil
	}
	if len(t.GetSockets()) != int(cpu.GetSockets()) {
		return "", provider.Errorf(provider.InvalidArgument, "system_info.hw_info.cpu.cpu_topology: %d socket objects for %d sockets: send one per socket",
			len(t.GetSockets()), cpu.GetSockets())
	}
	raw, err := protojson.MarshalOptions{UseProtoNames: true, EmitDefaultValues: true}.Marshal(t)
	if err != nil {
		return "", provider.WithCode(provider.InvalidArgument, err)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return "", provider.WithCode(provider.Internal, err)
	}
	return b.String(), nil
}

func hostNIC(n *pb.SystemNetwork) (*computev1.HostnicResource, error) {
	link := computev1.LinkState_NETWORK_INTERFACE_LINK_STATE_DOWN
	if n.GetLinkState() {
		link = computev1.LinkState_NETWORK_INTERFACE_LINK_STATE_UP
	}
	nic := &computev1.HostnicResource{DeviceName: n.GetName(), PciIdentifier: n.GetPciId(), MacAddr: n.GetMac(),
		SriovEnabled: n.GetSriovenabled(), SriovVfsNum: n.GetSriovnumvfs(), SriovVfsTotal: n.GetSriovVfsTotal(), Mtu: n.GetMtu(),
		LinkState: &computev1.NetworkInterfaceLinkState{Type: link}, BmcInterface: n.GetBmcNet()}
	for _, ip := range n.GetIpAddresses() {
		cidr := ip.GetIpAddress() + "/" + strconv.Itoa(int(ip.GetNetworkPrefixBits()))
		if _, err := netip.ParsePrefix(cidr); err != nil {
			return nil, provider.Errorf(provider.InvalidArgument, "system_info.hw_info.network %q: %s is not a valid CIDR address", n.GetName(), cidr)
		}
		nic.Ipaddresses = append(nic.Ipaddresses, &networkv1.IPAddressResource{Address: cidr, ConfigMethod: configMethod(ip.GetConfigMode()),
			Status: networkv1.IPAddressStatus_IP_ADDRESS_STATUS_CONFIGURED, StatusDetail: "IPAddress is configured"})
	}
	return nic, nil
}

func configMethod(m pb.ConfigMode) networkv1.IPAddressConfigMethod {
	switch m {
	case pb.ConfigMode_CONFIG_MODE_STATIC:
		return networkv1.IPAddressConfigMethod_IP_ADDRESS_CONFIG_METHOD_STATIC
	case pb.ConfigMode_CONFIG_MODE_DYNAMIC:
		return networkv1.IPAddressConfigMethod_IP_ADDRESS_CONFIG_METHOD_DYNAMIC
	}
	return networkv1.IPAddressConfigMethod_IP_ADDRESS_CONFIG_METHOD_UNSPECIFIED
}

// bmcKind maps the agent's BMC type to the apiv2 kinds; Redfish and FDO, which the apiv2 model
// has no kind for, are UNSPECIFIED.
func bmcKind(t pb.BmInfo_BmType) computev1.BaremetalControllerKind {
	switch t {
	case pb.BmInfo_IPMI:
		return computev1.BaremetalControllerKind_BAREMETAL_CONTROLLER_KIND_IPMI
	case pb.BmInfo_VPRO:
		return computev1.BaremetalControllerKind_BAREMETAL_CONTROLLER_KIND_VPRO
	case pb.BmInfo_PDU:
		return computev1.BaremetalControllerKind_BAREMETAL_CONTROLLER_KIND_PDU
	case pb.BmInfo_NONE:
		return computev1.BaremetalControllerKind_BAREMETAL_CONTROLLER_KIND_NONE
	}
	return computev1.BaremetalControllerKind_BAREMETAL_CONTROLLER_KIND_UNSPECIFIED
}
