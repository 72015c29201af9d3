package prereq_test

import (
	"fmt"
	"strings"

	"github.com/eim-byoi/eim/internal/prereq"
	natsbroker "github.com/eim-byoi/eim/providers/messaging/nats"
	"github.com/eim-byoi/eim/providers/messaging/rabbitmq"
	redisbroker "github.com/eim-byoi/eim/providers/messaging/redis"
)

// PolicyHCL renders the least-privilege policy of the paths a Spec derives.
func ExamplePolicyHCL() {
	fmt.Print(prereq.PolicyHCL([]prereq.VaultPath{
		{Path: "secret/data/eim/keycloak", Capabilities: []string{"read"}, Why: "providers.identity.config.admin.clientSecret"},
	}))
	// Output:
	// # providers.identity.config.admin.clientSecret
	// path "secret/data/eim/keycloak" {
	//   capabilities = ["read"]
	// }
}

// RabbitMQFix is the command that gives EIM's RabbitMQ user every permission it needs: the
// exchange and the queues named after it, nothing else of the vhost.
func ExampleRabbitMQFix() {
	c := rabbitmq.NewConfig()
	c.URL, c.Username, c.Exchange = "amqps://rabbitmq.example.com:5671/edge", "eim", "eim"
	fmt.Println(prereq.RabbitMQFix(c))
	// Output:
	// rabbitmqctl set_permissions -p 'edge' 'eim' '^eim(\..*)?$' '^eim(\..*)?$' '^eim(\..*)?$'
}

// NATSPermissions is the permissions block of EIM's NATS user in the server's configuration.
func ExampleNATSPermissions() {
	c := natsbroker.NewConfig()
	fmt.Println(prereq.NATSPermissions(c))
	// Output:
	// permissions: { publish: { allow: ["$JS.API.STREAM.INFO.EIM", "$JS.API.STREAM.CREATE.EIM", "eim.>", "$JS.API.CONSUMER.CREATE.EIM.>", "$JS.API.CONSUMER.INFO.EIM.>", "$JS.API.CONSUMER.MSG.NEXT.EIM.>", "$JS.ACK.EIM.>"] }, subscribe: { allow: ["_INBOX.>"] } }
}

// RedisRules is the ACL of EIM's Redis user (bootstrap adds a generated password): the
// commands of the redis adapter on its streams' keys, nothing else.
func ExampleRedisRules() {
	c := redisbroker.NewConfig()
	c.Username = "eim"
	fmt.Println("ACL SETUSER", prereq.RedisUser(c), strings.Join(prereq.RedisRules(c), " "))
	// Output:
	// ACL SETUSER eim on resetchannels -@all +client|setname +ping +xadd +xgroup|create +xreadgroup +xack +xautoclaim +xpending +xclaim ~eim:*
}
