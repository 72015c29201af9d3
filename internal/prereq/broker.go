package prereq

import (
	"regexp"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"

	natsbroker "github.com/eim-byoi/eim/providers/messaging/nats"
	"github.com/eim-byoi/eim/providers/messaging/rabbitmq"
)

// KindMessaging is the provider kind of a broker Permission.
const KindMessaging = "messaging"

// The actions of a broker Grant: NATS subject permissions and RabbitMQ vhost permissions
// (Redis ACL permissions: RedisCommand, RedisKeys).
const (
	NATSPublish       = "publish"
	NATSSubscribe     = "subscribe"
	RabbitMQConfigure = "configure"
	RabbitMQWrite     = "write"
	RabbitMQRead      = "read"
)

// Grant is one permission EIM's broker user needs: a NATS subject it publishes or subscribes
// to, a RabbitMQ configure/write/read permission on the exchange or on the queues, or a Redis
// ACL command or key pattern.
type Grant struct {
	// Action is publish or subscribe (NATS), configure, write or read (RabbitMQ), command or
	// keys (Redis).
	Action string `json:"action"`
	// Object is a NATS subject (wildcards as the server matches them), or for RabbitMQ
	// "exchange <name>" or "queues <exchange>.*", or a Redis command (subcommand as
	// command|sub) or key pattern (~prefix*).
	Object string `json:"object"`
	// Why names the adapter call that needs it.
	Why string `json:"why"`
}

// BrokerGrants returns what the broker user of the configuration's messaging provider needs,
// in the order the adapter first needs it; nil for a provider without permissions of its own.
func (s *Spec) BrokerGrants() []Grant {
	switch {
	case s.NATS != nil:
		return NATSGrants(s.NATS)
	case s.RabbitMQ != nil:
		return RabbitMQGrants(s.RabbitMQ)
	case s.Redis != nil:
		return RedisGrants(s.Redis)
	}
	return nil
}

// NATSGrants are the subjects the nats adapter uses: it publishes events under the subject
// prefix, calls the JetStream API of its stream (stream info and create, consumer create and
// info, pull requests), acknowledges, and receives every reply on an inbox.
func NATSGrants(c *natsbroker.Config) []Grant {
	api := "$JS.API."
	return []Grant{
		{NATSSubscribe, "_INBOX.>", "replies of the JetStream API and publish acknowledgements"},
		{NATSPublish, api + "STREAM.INFO." + c.Stream, "check the stream"},
		{NATSPublish, api + "STREAM.CREATE." + c.Stream, "create the stream when it is missing"},
		{NATSPublish, c.SubjectPrefix + ">", "publish the events of every topic"},
		{NATSPublish, api + "CONSUMER.CREATE." + c.Stream + ".>", "declare the modules' durable consumers"},
		{NATSPublish, api + "CONSUMER.INFO." + c.Stream + ".>", "bind to a durable consumer"},
		{NATSPublish, api + "CONSUMER.MSG.NEXT." + c.Stream + ".>", "pull messages"},
		{NATSPublish, "$JS.ACK." + c.Stream + ".>", "acknowledge messages"},
	}
}

// RabbitMQGrants are the vhost permissions the rabbitmq adapter needs: it declares the topic
// exchange and the groups' queues <exchange>.<topic>.<group>, binds them (write on the queue,
// read on the exchange), publishes (write on the exchange) and consumes (read on the queue).
func RabbitMQGrants(c *rabbitmq.Config) []Grant {
	ex, qs := "exchange "+c.Exchange, "queues "+c.Exchange+".*"
	return []Grant{
		{RabbitMQConfigure, ex, "declare the topic exchange"},
		{RabbitMQConfigure, qs, "declare the groups' quorum queues"},
		{RabbitMQWrite, qs, "bind a queue to its topic"},
		{RabbitMQRead, ex, "bind a queue to its topic"},
		{RabbitMQWrite, ex, "publish the events"},
		{RabbitMQRead, qs, "consume a group's queue"},
	}
}

// RabbitMQPattern is the regular expression EIM's user needs for each of configure, write and
// read: the exchange and the queues named after it, nothing else of the vhost.
func RabbitMQPattern(c *rabbitmq.Config) string {
	return "^" + regexp.QuoteMeta(c.Exchange) + `(\..*)?$`
}

// RabbitMQVHost returns the vhost of the adapter's URL ("/" when the path is empty).
func RabbitMQVHost(c *rabbitmq.Config) string {
	u, err := amqp.ParseURI(c.URL)
	if err != nil {
		return "/"
	}
	return u.Vhost
}

// RabbitMQFix is the command that gives the user every permission it needs on the vhost.
func RabbitMQFix(c *rabbitmq.Config) string {
	p := RabbitMQPattern(c)
	return "rabbitmqctl set_permissions -p '" + RabbitMQVHost(c) + "' '" + c.Username + "' '" + p + "' '" + p + "' '" + p + "'"
}

// NATSUser names the NATS user of the configuration (a token has none).
func NATSUser(c *natsbroker.Config) string {
	if c.Username == "" {
		return "(the token's user)"
	}
	return c.Username
}

// NATSPermissions is the permissions block of the NATS user in a server configuration
// (authorization { users: [...] } or an account's users) that holds exactly the grants.
func NATSPermissions(c *natsbroker.Config) string {
	var pub, sub []string
	for _, g := range NATSGrants(c) {
		if g.Action == NATSPublish {
			pub = append(pub, `"`+g.Object+`"`)
		} else {
			sub = append(sub, `"`+g.Object+`"`)
		}
	}
	return "permissions: { publish: { allow: [" + strings.Join(pub, ", ") + "] }, subscribe: { allow: [" + strings.Join(sub, ", ") + "] } }"
}

// NATSFix is the remedy of a missing NATS grant: the server configuration's permissions or,
// in operator mode, the nsc command.
func NATSFix(c *natsbroker.Config, g Grant) string {
	flag := map[string]string{NATSPublish: "--allow-pub", NATSSubscribe: "--allow-sub"}[g.Action]
	return "allow " + g.Action + " to " + g.Object + " for user " + NATSUser(c) + ": in nats-server.conf give the user " +
		NATSPermissions(c) + " and reload the server (nats-server --signal reload), or in operator mode: nsc edit user --name " +
		NATSUser(c) + " " + flag + " '" + g.Object + "' && nsc push"
}
