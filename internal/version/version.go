// Package version is what a build of eim is: its release version and source revision (set at
// link time by make build and make images, from the VERSION file and git), the Go toolchain, and
// the versions of the APIs it serves. `eim version` prints it; docs/upgrade.md says which
// versions may run together.
package version

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	hostmgrv1 "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
	onboardingv1 "github.com/eim-byoi/eim/api/gen/onboardingmgr/v1"
	servicesv1 "github.com/eim-byoi/eim/api/gen/services/v1"
)

// Version and Revision are set by the linker:
//
//	-X github.com/eim-byoi/eim/internal/version.Version=$(cat VERSION)
//	-X github.com/eim-byoi/eim/internal/version.Revision=$(git rev-parse HEAD)
//
// (make build, make images). A build without them (go install, go build) falls back to the
// module version and VCS stamp of the build information.
var (
	Version  string // set by the linker only, never assigned in code
	Revision string // set by the linker only, never assigned in code
)

// Unknown is printed for what the build does not record.
const Unknown = "unknown"

// Devel is the version of a build that recorded none (go build in a work tree).
const Devel = "(devel)"

// API is one API a build serves and the version of its contract.
type API struct {
	// Name says what it is, e.g. "inventory gRPC".
	Name string `json:"name"`
	// Version is the contract's version: a proto package or a REST base path.
	Version string `json:"version"`
}

// Info describes a build.
type Info struct {
	// Version is the release version (VERSION at the repository root), "(devel)" when unknown.
	Version string `json:"version"`
	// Revision is the git commit the build was made from, "unknown" when not recorded.
	Revision string `json:"revision"`
	// GoVersion is the Go toolchain that built it.
	GoVersion string `json:"goVersion"`
	// Platform is GOOS/GOARCH.
	Platform string `json:"platform"`
	// Modules are the modules built into the binary (set by the caller that knows them: eim
	// version), each of the same version.
	Modules []string `json:"modules,omitempty"`
	// APIs are the versions of the APIs served.
	APIs []API `json:"apis"`
}

// APIRoot is the base path of the northbound REST API (the legacy apiv2 contract).
const APIRoot = "/edge-infra.orchestrator.apis/v2"

// Get returns the Info of the running binary.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return resolve(Version, Revision, bi)
}

// resolve picks the linker values, else the build information's.
func resolve(v, rev string, bi *debug.BuildInfo) Info {
	info := Info{Version: v, Revision: rev, GoVersion: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH, APIs: APIs()}
	if bi != nil {
		info.GoVersion = bi.GoVersion
		if info.Version == "" && bi.Main.Version != "" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && info.Revision == "" {
				info.Revision = s.Value
			}
		}
	}
	if info.Version == "" {
		info.Version = Devel
	}
	if info.Revision == "" {
		info.Revision = Unknown
	}
	return info
}

// APIs returns the versions of the APIs this build serves, read from the generated code.
func APIs() []API {
	return []API{
		{Name: "inventory gRPC", Version: pkg(inventoryv1.InventoryService_ServiceDesc.ServiceName)},
		{Name: "inventory events", Version: string((&inventoryv1.Change{}).ProtoReflect().Descriptor().FullName())},
		{Name: "northbound REST (apiv2)", Version: APIRoot + " (" + pkg(servicesv1.HostService_ServiceDesc.ServiceName) + ")"},
		{Name: "southbound host manager", Version: pkg(hostmgrv1.Hostmgr_ServiceDesc.ServiceName)},
		{Name: "southbound maintenance manager", Version: pkg(maintmgrv1.MaintmgrService_ServiceDesc.ServiceName)},
		{Name: "southbound onboarding manager", Version: pkg(onboardingv1.InteractiveOnboardingService_ServiceDesc.ServiceName)},
	}
}

// pkg is the proto package of a fully qualified service name.
func pkg(service string) string {
	if i := strings.LastIndex(service, "."); i > 0 {
		return service[:i]
	}
	return service
}

// String is the one-line form: "0.2.0 (revision abc123, go1.26.0)".
func (i Info) String() string {
	return fmt.Sprintf("%s (revision %s, %s)", i.Version, i.Revision, i.GoVersion)
}

// Write prints i as `eim version` does: one "key: value" line each, then the APIs.
func (i Info) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "version: %s\nrevision: %s\ngo: %s\nplatform: %s\n", i.Version, i.Revision, i.GoVersion, i.Platform)
	if len(i.Modules) > 0 {
		fmt.Fprintf(&b, "modules: %s\n", strings.Join(i.Modules, ", "))
	}
	b.WriteString("apis:\n")
	for _, a := range i.APIs {
		fmt.Fprintf(&b, "  %s: %s\n", a.Name, a.Version)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
