package hostmgr_test

import (
	"fmt"

	pb "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	"github.com/eim-byoi/eim/services/hostmgr"
)

// The host status a node agent's report stands for, as the API's host status shows it.
func ExampleHostStatusOf() {
	for _, s := range []pb.HostStatus_HostStatus{pb.HostStatus_RUNNING, pb.HostStatus_ERROR, pb.HostStatus_PROVISIONING} {
		st := hostmgr.HostStatusOf(s)
		fmt.Printf("%s: %q %s\n", s, st.Text, st.Indicator)
	}
	// Output:
	// RUNNING: "Running" STATUS_INDICATION_IDLE
	// ERROR: "Error" STATUS_INDICATION_ERROR
	// PROVISIONING: "Unknown" STATUS_INDICATION_UNSPECIFIED
}

// What a hardware-discovery report changes on the host: the fields and the mask of the
// inventory update; the BMC credentials are not among them.
func ExampleSystemInfoPatch() {
	patch, mask, err := hostmgr.SystemInfoPatch(&pb.SystemInfo{
		BiosInfo:  &pb.BiosInfo{Vendor: "Intel Corp.", Version: "1.0"},
		BmCtlInfo: &pb.BmInfo{BmType: pb.BmInfo_IPMI, BmcInfo: &pb.BmcInfo{BmIp: "10.0.0.42", BmUsername: "admin", BmPassword: "secret"}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(patch.GetBiosVendor(), patch.GetBmcKind(), patch.GetBmcIp())
	fmt.Println(mask)
	// Output:
	// Intel Corp. BAREMETAL_CONTROLLER_KIND_IPMI 10.0.0.42
	// [bios_version bios_release_date bios_vendor bmc_kind bmc_ip]
}
