package e2e_test

import (
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	"github.com/eim-byoi/eim/test/conformance/faultproxy"
	"github.com/eim-byoi/eim/test/dbtest"
	"github.com/eim-byoi/eim/test/proc"
	"github.com/eim-byoi/eim/test/testenv"
)

// The RabbitMQ exchange of the deployment and the queue the test binds to its created events
// before eim starts (durable: it keeps them across the broker's restart).
const (
	faultExchange = "faults"
	faultQueue    = "faults-created"
)

// newMariaRabbitBed is b on a MariaDB and a RabbitMQ of the test's own, MariaDB reached through
// the fault proxy, with the embedded issuer and no secrets backend.
func newMariaRabbitBed(t *testing.T, b *faultBed) *faultBed {
	b.maria, b.rabbit = testenv.PrivateMariaDB(t), testenv.PrivateRabbitMQ(t)
	b.rabbitSeen = map[string]bool{}
	var err error
	b.pgProxy, err = faultproxy.New(b.maria.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.pgProxy.Close() })
	b.db = dbtest.OnMariaDB(t, b.maria.MariaDB()).Fresh(t)
	_, portText, err := net.SplitHostPort(b.pgProxy.Addr())
	require.NoError(t, err)
	port, err := strconv.Atoi(portText)
	require.NoError(t, err)
	bindCreated(t, b)
	f := files{t: t, dir: b.dir}
	b.config = f.write("eim.yaml", fmt.Sprintf(`target: all
providers:
%s  messaging:
    type: rabbitmq
    config: {url: %q, username: %s, password: {file: %s}, exchange: %s}
`, f.database("mysql", "127.0.0.1", port, b.db), "amqp://"+b.rabbit.Addr()+"/", b.rabbit.User,
		f.write("rabbitmq-password", b.rabbit.Password), faultExchange))
	b.secrets = append(b.secrets, b.maria.Password, b.rabbit.Password, b.db.Runtime.Password, b.db.Migration.Password)
	b.env = proc.Env(b.dir, "EIM_LISTEN_HTTP=127.0.0.1:"+strconv.Itoa(testenv.FreePort(t)),
		"EIM_SOUTHBOUND_ADDRESS=127.0.0.1:"+strconv.Itoa(testenv.FreePort(t)), "EIM_CONFIG="+b.config)
	b.id = &embedded{bin: b.bin, env: b.env}
	b.start(t)
	return b
}

// rabbitChannel opens a channel on the bed's RabbitMQ; close the connection when done.
func rabbitChannel(t *testing.T, b *faultBed) (*amqp.Connection, *amqp.Channel) {
	conn, err := amqp.Dial(fmt.Sprintf("amqp://%s:%s@%s/", b.rabbit.User, b.rabbit.Password, b.rabbit.Addr()))
	require.NoError(t, err)
	ch, err := conn.Channel()
	require.NoError(t, err)
	return conn, ch
}

// bindCreated declares the deployment's exchange (as the adapter does: a durable topic
// exchange) and a durable quorum queue bound to every created event.
func bindCreated(t *testing.T, b *faultBed) {
	conn, ch := rabbitChannel(t, b)
	defer conn.Close()
	require.NoError(t, ch.ExchangeDeclare(faultExchange, amqp.ExchangeTopic, true, false, false, false, nil))
	_, err := ch.QueueDeclare(faultQueue, true, false, false, false, amqp.Table{"x-queue-type": "quorum"})
	require.NoError(t, err)
	require.NoError(t, ch.QueueBind(faultQueue, "inventory.*.created", faultExchange, false, nil))
}

// rabbitDelivered counts the acknowledged writes whose created event reached the queue, waiting
// (up to a minute) for the outbox to relay the ones committed while the broker was down.
func rabbitDelivered(t *testing.T, b *faultBed, acked map[string]string) int {
	count := func() int {
		n := 0
		for _, id := range acked {
			if b.rabbitSeen[id] {
				n++
			}
		}
		return n
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Second) {
		drainCreated(t, b)
		if n := count(); n == len(acked) || time.Now().After(deadline) {
			return n
		}
	}
}

// drainCreated takes every message of the queue into b.rabbitSeen (resource ids).
func drainCreated(t *testing.T, b *faultBed) {
	conn, ch := rabbitChannel(t, b)
	defer conn.Close()
	for {
		m, ok, err := ch.Get(faultQueue, true)
		require.NoError(t, err)
		if !ok {
			return
		}
		var c inventoryv1.Change
		if proto.Unmarshal(m.Body, &c) == nil {
			b.rabbitSeen[c.GetResourceId()] = true
		}
	}
}

// mariaRabbitScenarios are the database's restart and network cut, and the broker's restart, on
// the MariaDB + RabbitMQ stack.
func mariaRabbitScenarios() []faultScenario {
	return []faultScenario{
		{name: "MariaDB stopped and started", inject: func(t *testing.T, b *faultBed, plan faultPlan) string {
			b.maria.Stop(t)
			time.Sleep(plan.pgDown)
			b.maria.Start(t)
			return fmt.Sprintf("SIGTERM (clean shutdown), %s, start", plan.pgDown)
		}},
		{name: "network cut to MariaDB", inject: func(t *testing.T, b *faultBed, plan faultPlan) string {
			require.NoError(t, b.pgProxy.Set(faultproxy.Blackhole))
			time.Sleep(plan.cut)
			require.NoError(t, b.pgProxy.Set(faultproxy.Forward))
			return fmt.Sprintf("blackhole %s", plan.cut)
		}},
		{name: "RabbitMQ restarted", inject: func(t *testing.T, b *faultBed, plan faultPlan) string {
			b.rabbit.Stop(t)
			time.Sleep(plan.brokerDown)
			b.rabbit.Start(t)
			return fmt.Sprintf("SIGTERM, %s, start (durable exchange and queues kept)", plan.brokerDown)
		}},
	}
}
