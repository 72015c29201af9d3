package edgesim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/eim-byoi/eim/services/edgesim"
)

// A fleet is derived from a seed: the same seed gives the same GUIDs and serial numbers, spread
// round-robin over the tenants.
func ExampleNewFleet() {
	fleet := edgesim.NewFleet(3, []edgesim.Tenant{{Name: "plant-a"}, {Name: "plant-b"}}, "demo")
	for _, n := range fleet {
		fmt.Println(n.Serial, n.Tenant.Name, n.MAC, len(n.GUID))
	}
	// Output:
	// ESIM0000000000 plant-a 02:e5:00:00:00:00 36
	// ESIM0000000001 plant-b 02:e5:00:00:00:01 36
	// ESIM0000000002 plant-a 02:e5:00:00:00:02 36
}

// Run simulates the fleet against the southbound listener and returns the summary. Here the
// devices hold clients issued in the customer's identity provider (a credentials file).
func ExampleRun() {
	fleet, creds, err := edgesim.LoadCredentialsFile("fleet.json", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	sum, err := edgesim.Run(context.Background(), edgesim.Config{
		Address:     "eim.example.com:443",
		CAFile:      "/etc/eim/southbound-ca.pem",
		Fleet:       fleet,
		Credentials: edgesim.NewClientCredentials(creds),
		Duration:    2 * time.Minute,
		RampUp:      10 * time.Second,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = json.NewEncoder(os.Stdout).Encode(sum)
}
