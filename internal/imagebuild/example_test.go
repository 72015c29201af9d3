package imagebuild_test

import (
	"context"
	"fmt"
	"time"

	"github.com/eim-byoi/eim/internal/imagebuild"
)

// Build the images of a commit for one platform, write them as an OCI layout and archive, and push
// them to a registry on loopback (make images does this with the flags of scripts/images).
func ExampleBuild() {
	ctx := context.Background()
	res, err := imagebuild.Build(ctx, imagebuild.Options{
		Root: ".", Out: "/tmp/eim-dist", Version: "0.2.0", Revision: "0123abcd",
		Created: time.Unix(1796609291, 0), Source: "https://github.com/eim-byoi/eim", Repo: "ghcr.io/eim-byoi",
		Modules: imagebuild.Modules(), Platforms: []string{"linux/amd64"},
		CACerts: "/etc/ssl/certs/ca-certificates.crt", SBOMTool: ".tools/bin/cyclonedx-gomod",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := res.Write("/tmp/eim-dist/oci", "/tmp/eim-dist/images.oci.tar", time.Unix(1796609291, 0)); err != nil {
		fmt.Println(err)
		return
	}
	refs, err := res.Push(ctx, "127.0.0.1:5000/eim-byoi")
	fmt.Println(refs, err)
}

// The modules that get an image of their own come from the module graph.
func ExampleModules() {
	fmt.Println(imagebuild.Modules()[0])
	// Output: inventory
}
