package api_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	// Every generated package, so that its descriptors are registered.
	_ "github.com/eim-byoi/eim/api/gen/agent_status_proto/v1"
	_ "github.com/eim-byoi/eim/api/gen/device_management"
	_ "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	_ "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
	_ "github.com/eim-byoi/eim/api/gen/onboardingmgr/v1"
	_ "github.com/eim-byoi/eim/api/gen/services/v1"
	_ "github.com/eim-byoi/eim/api/gen/telemetrymgr/v1"
)

// protoTools are the binaries scripts/proto/gen.sh runs, built by make deps.
var protoTools = []string{"buf", "protoc-gen-go", "protoc-gen-go-grpc", "protoc-gen-grpc-gateway", "protoc-gen-validate"}

// TestGeneratedCodeIsCurrent regenerates api/gen into a temporary directory with the pinned toolchain
// and fails, naming the files, unless the committed api/gen is exactly that. It never skips: without
// the toolchain it fails and says to run make deps.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	root := repoRoot(t)
	for _, tool := range protoTools {
		if _, err := os.Stat(filepath.Join(root, ".tools", "bin", tool)); err != nil {
			t.Fatalf(".tools/bin/%s is missing (%v): run make deps, which builds the pinned protobuf toolchain", tool, err)
		}
	}
	out := t.TempDir()
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "proto", "gen.sh"), "generate", out)
	cmd.Dir = root
	if output, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/proto/gen.sh generate: %v\n%s", err, output)
	}
	want := treeFiles(t, filepath.Join(out, "api", "gen"))
	got := treeFiles(t, filepath.Join(root, "api", "gen"))
	var stale []string
	for name, w := range want {
		if g, ok := got[name]; !ok {
			stale = append(stale, name+" (missing)")
		} else if !bytes.Equal(w, g) {
			stale = append(stale, name+" (differs)")
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			stale = append(stale, name+" (not generated from api/proto any more)")
		}
	}
	if len(stale) > 0 {
		sort.Strings(stale)
		t.Fatalf("api/gen is not what api/proto generates: run make proto and commit the result.\n  api/gen/%s",
			strings.Join(stale, "\n  api/gen/"))
	}
}

// readEnv reads the KEY=value lines of a versions.env-style file.
func readEnv(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			env[k] = strings.Trim(v, `"`)
		}
	}
	return env
}

// goModVersions maps each module required by the main go.mod to its version.
func goModVersions(t *testing.T, root string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	vers := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
		if len(f) >= 2 && strings.HasPrefix(f[1], "v") {
			vers[f[0]] = f[1]
		}
	}
	return vers
}

// TestGeneratedCodeRuntimeVersions checks that each generator in scripts/deps/versions.env is the version
// of the runtime the generated code links against (main go.mod): generated code and runtime move together.
func TestGeneratedCodeRuntimeVersions(t *testing.T) {
	root := repoRoot(t)
	env := readEnv(t, filepath.Join(root, "scripts", "deps", "versions.env"))
	mod := goModVersions(t, root)
	for _, c := range []struct{ key, module string }{
		{"PROTOC_GEN_GO_VERSION", "google.golang.org/protobuf"},
		{"GRPC_GATEWAY_VERSION", "github.com/grpc-ecosystem/grpc-gateway/v2"},
		{"PROTOC_GEN_VALIDATE_VERSION", "github.com/envoyproxy/protoc-gen-validate"},
	} {
		if env[c.key] == "" {
			t.Errorf("scripts/deps/versions.env has no %s", c.key)
			continue
		}
		if mod[c.module] != env[c.key] {
			t.Errorf("scripts/deps/versions.env %s=%s but go.mod requires %s %s: bump both together (then make deps && make proto)",
				c.key, env[c.key], c.module, mod[c.module])
		}
	}
}

// ourFiles are the registered file descriptors generated from api/proto.
func ourFiles(t *testing.T) []protoreflect.FileDescriptor {
	t.Helper()
	var files []protoreflect.FileDescriptor
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if strings.HasPrefix(fd.Options().(*descriptorpb.FileOptions).GetGoPackage(), "github.com/eim-byoi/eim/api/gen/") {
			files = append(files, fd)
		}
		return true
	})
	if len(files) == 0 {
		t.Fatal("no file of api/gen is registered")
	}
	return files
}

// unknownFields reports, by path, every unknown field inside m (recursively), and every extension seen.
func unknownFields(m protoreflect.Message, path string, report func(string), ext map[protoreflect.FullName]bool) {
	if len(m.GetUnknown()) > 0 {
		report(path)
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		name := path + "." + string(fd.Name())
		if fd.IsExtension() {
			name = path + ".(" + string(fd.FullName()) + ")"
			ext[fd.FullName()] = true
		}
		switch {
		case fd.IsList() && fd.Message() != nil:
			for i := 0; i < v.List().Len(); i++ {
				unknownFields(v.List().Get(i).Message(), name, report, ext)
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				unknownFields(mv.Message(), name, report, ext)
				return true
			})
		case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
			unknownFields(v.Message(), name, report, ext)
		}
		return true
	})
}

// TestLegacyProtosOptionsDecode checks that every option in the generated descriptors (the
// (buf.validate.field), (validate.rules), (google.api.http), (gnostic.openapi.v3.document), ... the legacy
// protos set) decodes completely with the Go types the generated code links against: the dependency
// protos they were compiled with (.tools/proto/include) agree on the wire with the published Go packages.
// An option the runtime did not know would be an unknown field, silently ignored by protovalidate,
// the validate methods or grpc-gateway.
func TestLegacyProtosOptionsDecode(t *testing.T) {
	seen := map[protoreflect.FullName]bool{}
	for _, fd := range ourFiles(t) {
		fdp := protodesc.ToFileDescriptorProto(fd)
		// Re-decode with the global registry: options are kept as raw bytes until resolved.
		b, err := proto.Marshal(fdp)
		if err != nil {
			t.Fatal(err)
		}
		decoded := fdp.ProtoReflect().New().Interface()
		if err := (proto.UnmarshalOptions{Resolver: protoregistry.GlobalTypes}).Unmarshal(b, decoded); err != nil {
			t.Fatalf("%s: %v", fd.Path(), err)
		}
		var bad []string
		unknownFields(decoded.ProtoReflect(), fd.Path(), func(p string) { bad = append(bad, p) }, seen)
		for _, p := range bad {
			t.Errorf("%s: unknown field(s) in the options: a dependency proto disagrees with its Go package", p)
		}
	}
	// The options the legacy protos use, as the runtime names them (gnostic's package is openapi.v3).
	for _, name := range []protoreflect.FullName{
		"buf.validate.field", "validate.rules", "google.api.http", "google.api.field_behavior", "openapi.v3.document",
	} {
		if !seen[name] {
			t.Errorf("no (%s) option was decoded: the check above did not see the options it is meant to check", name)
		}
	}
}
