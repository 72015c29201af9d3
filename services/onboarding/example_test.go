package onboarding_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	onboardingv1 "github.com/eim-byoi/eim/api/gen/onboardingmgr/v1"
	"github.com/eim-byoi/eim/services/onboarding"
)

// The module's table is migrated with the others by `eim serve` and `eim migrate db`.
func ExampleSchema() {
	fmt.Println(onboarding.Schema().Name)
	// Output: onboarding
}

// A device without credentials onboards over the southbound listener (TLS 1.3, trusting the
// CA eim serve generated under <dataDir>/southbound when southbound.tls is unset): it asks
// until its host may onboard, then receives its client.
func Example_device() {
	ca, err := os.ReadFile(".data/southbound/ca.pem")
	if err != nil {
		fmt.Println(err)
		return
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	conn, err := grpc.NewClient("127.0.0.1:8443", grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13})))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	stream, err := onboardingv1.NewNonInteractiveOnboardingServiceClient(conn).OnboardNodeStream(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	req := &onboardingv1.OnboardNodeStreamRequest{Uuid: "4c4c4544-0044-4210-8031-c2c04f305233", Serialnum: "SN12345",
		MacId: "02:00:00:aa:bb:cc", HostIp: "10.0.0.7"}
	for {
		if err := stream.Send(req); err != nil {
			fmt.Println(err)
			return
		}
		resp, err := stream.Recv()
		if err != nil {
			fmt.Println(err)
			return
		}
		if resp.GetNodeState() == onboardingv1.OnboardNodeStreamResponse_NODE_STATE_ONBOARDED {
			fmt.Println("client", resp.GetClientId(), "of project", resp.GetProjectId()) // and resp.GetClientSecret()
			return
		}
		if resp.GetNodeState() != onboardingv1.OnboardNodeStreamResponse_NODE_STATE_REGISTERED {
			fmt.Println("refused:", resp.GetStatus().GetMessage())
			return
		}
		// registered, not yet allowed: ask again after a while
	}
}
