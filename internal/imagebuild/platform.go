package imagebuild

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/eim-byoi/eim/providers/provider"
)

// VersionPackage is the package whose Version and Revision the linker sets.
const VersionPackage = "github.com/eim-byoi/eim/internal/version"

// SBOMPath is where each image holds the CycloneDX SBOM of its binary.
const SBOMPath = "/usr/share/doc/eim/sbom.cdx.json"

// platformLayers are the layers of one platform: the binary and its SBOM.
type platformLayers struct {
	platform v1.Platform
	binary   v1.Layer
	sbom     v1.Layer
}

// buildPlatform compiles eim for platform p ("linux/arm64") into Out/bin/<os>_<arch>/eim, writes
// its SBOM to Out/sbom/eim_<os>_<arch>.cdx.json and returns both as layers.
func buildPlatform(ctx context.Context, o Options, p string) (platformLayers, error) {
	plat, err := v1.ParsePlatform(p) // checked by validate
	if err != nil {
		return platformLayers{}, err
	}
	tag := plat.OS + "_" + plat.Architecture
	bin := filepath.Join(o.Out, "bin", tag, "eim")
	if err := goBuild(ctx, o, *plat, bin); err != nil {
		return platformLayers{}, err
	}
	sbom, err := sbomOf(ctx, o, bin)
	if err != nil {
		return platformLayers{}, err
	}
	if err := writeFile(filepath.Join(o.Out, "sbom", "eim_"+tag+".cdx.json"), sbom); err != nil {
		return platformLayers{}, err
	}
	exe, err := os.ReadFile(bin)
	if err != nil {
		return platformLayers{}, err
	}
	binLayer, err := fileLayer(o.Created, entry{name: "/eim", mode: 0o755, data: exe})
	if err != nil {
		return platformLayers{}, err
	}
	sbomLayer, err := fileLayer(o.Created, entry{name: "/usr", mode: dirMode}, entry{name: "/usr/share", mode: dirMode},
		entry{name: "/usr/share/doc", mode: dirMode}, entry{name: "/usr/share/doc/eim", mode: dirMode},
		entry{name: SBOMPath, mode: 0o644, data: sbom})
	if err != nil {
		return platformLayers{}, err
	}
	return platformLayers{platform: *plat, binary: binLayer, sbom: sbomLayer}, nil
}

// goBuild compiles a static, reproducible eim: no cgo, no paths, no build id, no VCS stamp (the
// revision is linked in instead).
func goBuild(ctx context.Context, o Options, p v1.Platform, out string) error {
	ldflags := fmt.Sprintf("-s -w -buildid= -X %s.Version=%s -X %s.Revision=%s", VersionPackage, o.Version, VersionPackage, o.Revision)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", out, "./cmd/eim")
	cmd.Dir = o.Root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Architecture, "GOFLAGS=-mod=readonly")
	if b, err := cmd.CombinedOutput(); err != nil {
		return provider.Errorf(provider.Internal, "go build for %s/%s: %v\n%s", p.OS, p.Architecture, err, b)
	}
	return nil
}

// sbomOf runs cyclonedx-gomod on the binary (the modules its build information records) and
// sets the document's timestamp to the commit time, so that it is reproducible.
func sbomOf(ctx context.Context, o Options, bin string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, o.SBOMTool, "bin", "-json", "-noserial", "-version", o.Version, bin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, provider.Errorf(provider.FailedPrecondition, "sbomTool %s: %v\n%s (make deps builds .tools/bin/cyclonedx-gomod)", o.SBOMTool, err, stderr.String())
	}
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		return nil, provider.Errorf(provider.Internal, "sbomTool %s wrote no JSON: %v", o.SBOMTool, err)
	}
	if meta, ok := doc["metadata"].(map[string]any); ok {
		meta["timestamp"] = o.Created.UTC().Format(time.RFC3339)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// writeFile writes b to name, creating its directory.
func writeFile(name string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	return os.WriteFile(name, b, 0o644)
}

// dirMode is a directory's mode in a layer.
const dirMode = 0o755 | os.ModeDir
