package osresource_test

import (
	"context"
	"fmt"

	"github.com/eim-byoi/eim/services/osresource"
)

// Load with an empty source reads the catalog built into the binary: the legacy os-profiles.
func ExampleLoad() {
	cat, err := osresource.Load(context.Background(), "", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	p, _ := cat.Profile("ubuntu-24.04-lts")
	fmt.Println(len(cat.Profiles), len(cat.Skipped), p.Spec.Name, p.Version())
	// Output: 9 0 Ubuntu 24.04.2 LTS 24.04.2
}

// ParseManifest names the file and the field of a manifest that does not validate.
func ExampleParseManifest() {
	_, err := osresource.ParseManifest("mine.yaml", []byte("appVersion: apps/v1\nspec:\n  name: Mine\n  type: OS_TYPE_SOFT\n"))
	fmt.Println(err)
	// Output: mine.yaml: field spec.type: "OS_TYPE_SOFT" is not an OS type (fix: use OS_TYPE_MUTABLE or OS_TYPE_IMMUTABLE)
}
