package msgtest

import (
	"context"
	"strings"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/nats"
	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/test/testenv"
)

// NATSNamespace returns a nats adapter configuration for the test-bed server on a stream and
// subject prefix of the test's own, deleted when the test ends.
func NATSNamespace(t TB, srv *testenv.NATSServer) *nats.Config {
	t.Helper()
	name := strings.ReplaceAll(testenv.UniqueIdent(t, "s"), "_", "-")
	c := nats.NewConfig()
	c.URL, c.Username, c.Password = srv.URL(), srv.User, testenv.Ref(t, srv.Password)
	c.Stream, c.SubjectPrefix = name, name+"."
	c.AckWait = provider.Duration(2 * time.Second)
	t.Cleanup(func() { deleteStream(srv, name) })
	return c
}

func deleteStream(srv *testenv.NATSServer, name string) {
	nc, err := natsgo.Connect(srv.URL(), natsgo.UserInfo(srv.User, srv.Password))
	if err != nil {
		return
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = js.DeleteStream(ctx, name)
}

// OpenNATS opens a bus on the test-bed NATS server in a namespace of the test's own, reached at
// addr (the server's, or a fault proxy's in front of it); it is closed when the test ends.
func OpenNATS(t TB, addr string) *messaging.Bus {
	t.Helper()
	c := NATSNamespace(t, testenv.NATS(t))
	c.URL = "nats://" + addr
	bus, err := messaging.Open(context.Background(), "nats", c, messaging.Env{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Close() })
	return bus
}
