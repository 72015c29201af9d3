package tfprovider_test

import (
	"fmt"

	"github.com/eim-byoi/eim/internal/tfprovider"
	"github.com/eim-byoi/eim/providers/provider"
)

// A client of the northbound API with client-credentials tokens from the identity provider EIM
// trusts; it does no I/O until a resource calls the API.
func ExampleNewClient() {
	_, err := tfprovider.NewClient(tfprovider.ClientOptions{
		Endpoint: "https://eim.example.com",
		TokenURL: "https://keycloak.example.com/realms/edge/protocol/openid-connect/token",
		ClientID: "terraform", ClientSecret: provider.NewSecretValue([]byte("from TF_EIM_CLIENT_SECRET")),
	})
	fmt.Println(err)
	_, err = tfprovider.NewClient(tfprovider.ClientOptions{Endpoint: "eim.example.com"})
	fmt.Println(err)
	// Output:
	// <nil>
	// endpoint "eim.example.com": want an http(s) URL such as https://eim.example.com
}
