// Package storageschema is the schema the conformance suites migrate into a test database:
// tenant-scoped widgets and parts (parts reference widgets) and a plain counters table,
// declared as EIM services declare theirs, one migration directory per dialect. The storage
// suite (storagetest) runs its cases on it, the messaging suite's outbox case commits its
// state changes to the counters table, and the replica stand-ins of test/dbtest migrate it.
package storageschema

import (
	"embed"

	"github.com/eim-byoi/eim/providers/storage"
)

//go:embed mysql postgres sqlite
var migrations embed.FS

// Schema returns the schema, named "conformance".
func Schema() storage.Schema {
	return storage.Schema{Name: "conformance", Migrations: migrations, TenantTables: []string{"widgets", "parts"}}
}
