package version_test

import (
	"fmt"

	"github.com/eim-byoi/eim/internal/version"
)

// The version of the running binary and the inventory API it serves.
func ExampleGet() {
	info := version.Get()
	fmt.Println(info.APIs[0].Name+":", info.APIs[0].Version)
	// Output: inventory gRPC: eim.inventory.v1
}
