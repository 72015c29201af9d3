package bootstrap

// The adapters built into this binary. This is the one file that imports adapter packages:
// each registers itself with its kind's registry in init().
import (
	_ "github.com/eim-byoi/eim/providers/identity/keycloak"  // identity: Keycloak realms, edge-node clients through the admin API
	_ "github.com/eim-byoi/eim/providers/identity/local"     // identity: embedded OpenID Provider (default)
	_ "github.com/eim-byoi/eim/providers/identity/oidc"      // identity: any OpenID Connect provider, dynamic client registration
	_ "github.com/eim-byoi/eim/providers/messaging/memory"   // messaging: in-process broker (default)
	_ "github.com/eim-byoi/eim/providers/messaging/nats"     // messaging: NATS JetStream
	_ "github.com/eim-byoi/eim/providers/messaging/rabbitmq" // messaging: RabbitMQ (quorum queues, confirms, DLX)
	_ "github.com/eim-byoi/eim/providers/messaging/redis"    // messaging: Redis Streams
	_ "github.com/eim-byoi/eim/providers/messaging/sql"      // messaging: queue tables in PostgreSQL/MySQL (no broker)
	_ "github.com/eim-byoi/eim/providers/secrets/file"       // secrets: mounted Kubernetes Secrets (read-only)
	_ "github.com/eim-byoi/eim/providers/secrets/kms"        // secrets: cloud KMS keeper, envelope-encrypted store in a database
	_ "github.com/eim-byoi/eim/providers/secrets/local"      // secrets: embedded encrypted files (default)
	_ "github.com/eim-byoi/eim/providers/secrets/vault"      // secrets: Vault and OpenBao
	_ "github.com/eim-byoi/eim/providers/storage/mysql"      // storage: MySQL 8 and MariaDB
	_ "github.com/eim-byoi/eim/providers/storage/postgres"   // storage: PostgreSQL
	_ "github.com/eim-byoi/eim/providers/storage/sqlite"     // storage: embedded SQLite (default)
)
